import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CloudFormationTemplate } from './provision-from-template';

/** A scheduled EventBridge rule of the template and the function it invokes. */
export interface ScheduledTarget {
  readonly ruleLogicalId: string;
  readonly expression: string;
  readonly intervalMs: number;
  /** The logical id of the target function. */
  readonly functionLogicalId: string;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * The template's scheduled rules that target a function of the stack. Only `rate(...)` schedules
 * are read: the platform's own schedules are rates, and a cron rule is reported rather than
 * silently dropped.
 */
export function scheduledTargets(template: CloudFormationTemplate): ScheduledTarget[] {
  const targets: ScheduledTarget[] = [];
  for (const [ruleLogicalId, resource] of Object.entries(template.Resources)) {
    const properties = resource.Properties as { ScheduleExpression?: string; State?: string; Targets?: { Arn: unknown }[] } | undefined;
    if (resource.Type !== 'AWS::Events::Rule' || !properties?.ScheduleExpression || properties.State === 'DISABLED') continue;
    const rate = RATE.exec(properties.ScheduleExpression);
    if (!rate) throw new Error(`rule ${ruleLogicalId}: the local platform runs rate(...) schedules only, not ${properties.ScheduleExpression}`);
    const intervalMs = Number(rate[1]) * UNIT_MS[rate[2].replace(/s$/, '')];
    for (const { Arn } of properties.Targets ?? []) {
      const getAtt = (Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt && template.Resources[getAtt[0]]?.Type === 'AWS::Lambda::Function') {
        targets.push({ ruleLogicalId, expression: properties.ScheduleExpression, intervalMs, functionLogicalId: getAtt[0] });
      }
    }
  }
  return targets;
}

/** The event EventBridge hands a scheduled target. */
export function scheduledEvent(ruleArn: string, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: [ruleArn],
    detail: {},
  };
}

export interface ScheduleRunnerOptions {
  readonly targets: readonly { readonly target: ScheduledTarget; readonly functionName: string }[];
  readonly lambda: LambdaClient;
  /** One line per run and per failure. */
  readonly log?: (line: string) => void;
}

/**
 * Fires each schedule on its interval through the local Lambda endpoint, as an asynchronous
 * (`Event`) invocation, like EventBridge. Timers do not keep the process alive.
 */
export function startSchedules({ targets, lambda, log = () => undefined }: ScheduleRunnerOptions): { stop(): void } {
  const timers = targets.map(({ target, functionName }) => {
    const timer = setInterval(() => {
      const payload = new TextEncoder().encode(JSON.stringify(scheduledEvent(`arn:aws:events:local:rule/${target.ruleLogicalId}`, new Date())));
      lambda
        .send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }))
        .then(() => log(`schedule ${target.expression} fired ${functionName}`))
        .catch((error: unknown) => log(`schedule ${target.expression} could not fire ${functionName}: ${(error as Error).message}`));
    }, target.intervalMs);
    timer.unref();
    return timer;
  });
  return { stop: () => timers.forEach((timer) => clearInterval(timer)) };
}
