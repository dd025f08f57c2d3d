import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DriftCheckInput } from './drift-check-runner';
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

/** The schedule on a clock whose minute lasts `minuteMs`: a rate of N minutes fires every N such minutes. */
export function onMinuteOf(target: ScheduledTarget, minuteMs: number): ScheduledTarget {
  return { ...target, intervalMs: Math.max(1, Math.round((target.intervalMs * minuteMs) / UNIT_MS.minute)) };
}

/** A monitor's schedule: the drift-check state machine's input at each firing. */
export interface ScheduledDriftCheck {
  readonly ruleLogicalId: string;
  readonly expression: string;
  readonly intervalMs: number;
  /** The state machine input for a firing at `time`, as the rule's input transformer makes it. */
  inputAt(time: Date): DriftCheckInput;
}

type RuleTarget = { Arn: unknown; InputTransformer?: { InputTemplate: unknown } };
type RuleProperties = { ScheduleExpression?: string; State?: string; Targets?: RuleTarget[] };

/** The enabled scheduled rules of the template, with their intervals. */
function scheduledRules(template: CloudFormationTemplate) {
  return Object.entries(template.Resources).flatMap(([ruleLogicalId, resource]) => {
    const properties = resource.Properties as RuleProperties | undefined;
    if (resource.Type !== 'AWS::Events::Rule' || !properties?.ScheduleExpression || properties.State === 'DISABLED') return [];
    const rate = RATE.exec(properties.ScheduleExpression);
    if (!rate) throw new Error(`rule ${ruleLogicalId}: the local platform runs rate(...) schedules only, not ${properties.ScheduleExpression}`);
    const intervalMs = Number(rate[1]) * UNIT_MS[rate[2].replace(/s$/, '')];
    return [{ ruleLogicalId, expression: properties.ScheduleExpression, intervalMs, targets: properties.Targets ?? [] }];
  });
}

/**
 * The template's scheduled rules that target a function of the stack. Only `rate(...)` schedules
 * are read: the platform's own schedules are rates, and a cron rule is reported rather than
 * silently dropped.
 */
export function scheduledTargets(template: CloudFormationTemplate): ScheduledTarget[] {
  return scheduledRules(template).flatMap(({ targets, ...rule }) =>
    targets.flatMap(({ Arn }) => {
      const getAtt = (Arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      return getAtt && template.Resources[getAtt[0]]?.Type === 'AWS::Lambda::Function' ? [{ ...rule, functionLogicalId: getAtt[0] }] : [];
    }),
  );
}

/**
 * The monitors' schedules: rules that start a state machine (the platform's only one is the drift
 * check) with an input transformer, whose template's references are resolved to `names`.
 */
export function scheduledDriftChecks(template: CloudFormationTemplate, names: ReadonlyMap<string, string>): ScheduledDriftCheck[] {
  return scheduledRules(template).flatMap(({ targets, ...rule }) =>
    targets.flatMap(({ Arn, InputTransformer }) => {
      const ref = (Arn as { Ref?: string }).Ref;
      if (!ref || template.Resources[ref]?.Type !== 'AWS::StepFunctions::StateMachine') return [];
      const inputTemplate = resolveText(InputTransformer?.InputTemplate, names, rule.ruleLogicalId);
      // The transformer maps `<time>` to the event's `$.time`, a JSON string in the template.
      return [{ ...rule, inputAt: (time: Date) => JSON.parse(inputTemplate.replace('<time>', JSON.stringify(eventTime(time)))) as DriftCheckInput }];
    }),
  );
}

/** A template string, or a `Fn::Join` of strings and `Ref`s to provisioned resources. */
function resolveText(value: unknown, names: ReadonlyMap<string, string>, ruleLogicalId: string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  if (!join) throw new Error(`rule ${ruleLogicalId}: cannot read the input template ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const name = names.get((part as { Ref?: string }).Ref ?? '');
      if (name === undefined) throw new Error(`rule ${ruleLogicalId}: the input refers to ${JSON.stringify(part)}, which is not provisioned locally`);
      return name;
    })
    .join(join[0]);
}

/** EventBridge's `time`: ISO 8601 to the second. */
const eventTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The event EventBridge hands a scheduled target. */
export function scheduledEvent(ruleArn: string, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    time: eventTime(at),
    resources: [ruleArn],
    detail: {},
  };
}

export interface ScheduleRunnerOptions {
  /** `quiet`: a schedule firing so often (on a scaled minute) that only its failures are logged. */
  readonly targets: readonly { readonly target: ScheduledTarget; readonly functionName: string; readonly quiet?: boolean }[];
  readonly lambda: LambdaClient;
  /**
   * The monitors' drift checks, each run as its state machine would run it.
   * @default - none
   */
  readonly driftChecks?: readonly { readonly check: ScheduledDriftCheck; readonly run: (input: DriftCheckInput) => Promise<unknown> }[];
  /** One line per run and per failure. */
  readonly log?: (line: string) => void;
}

/**
 * Fires each schedule on its interval through the local Lambda endpoint, as an asynchronous
 * (`Event`) invocation, like EventBridge. Timers do not keep the process alive.
 */
export function startSchedules({ targets, lambda, driftChecks = [], log = () => undefined }: ScheduleRunnerOptions): { stop(): void } {
  const checkTimers = driftChecks.map(({ check, run }) => {
    const timer = setInterval(() => {
      const input = check.inputAt(new Date());
      run(input)
        .then(() => log(`schedule ${check.expression} checked monitor ${input.config.monitor} for drift`))
        .catch((error: unknown) => log(`schedule ${check.expression} could not check monitor ${input.config.monitor}: ${(error as Error).message}`));
    }, check.intervalMs);
    timer.unref();
    return timer;
  });
  const timers = targets.map(({ target, functionName, quiet }) => {
    const timer = setInterval(() => {
      const payload = new TextEncoder().encode(JSON.stringify(scheduledEvent(`arn:aws:events:local:rule/${target.ruleLogicalId}`, new Date())));
      lambda
        .send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }))
        .then(() => quiet || log(`schedule ${target.expression} fired ${functionName}`))
        .catch((error: unknown) => log(`schedule ${target.expression} could not fire ${functionName}: ${(error as Error).message}`));
    }, target.intervalMs);
    timer.unref();
    return timer;
  });
  return { stop: () => [...timers, ...checkTimers].forEach((timer) => clearInterval(timer)) };
}
