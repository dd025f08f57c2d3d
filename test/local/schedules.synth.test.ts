import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { CloudFormationTemplate } from '../../local/provision-from-template';
import { scheduledDriftChecks, scheduledEvent, scheduledTargets, startSchedules } from '../../local/schedules';
import { shapeTemplate } from '../support/synth/shape-templates';

const lambdaFunction = { Type: 'AWS::Lambda::Function', Properties: {} };
const rule = (properties: Record<string, unknown>) => ({
  Type: 'AWS::Events::Rule',
  Properties: { Targets: [{ Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Id: 'Target0' }], ...properties },
});

describe('scheduledTargets', () => {
  it("finds the platform's schedules: the heartbeat sweep every 5 minutes, the stored monitors' and the deployments' steps every minute", () => {
    const template = shapeTemplate('default');
    const resources = template.toJSON().Resources as CloudFormationTemplate['Resources'];

    const targets = scheduledTargets(template.toJSON() as CloudFormationTemplate);

    const serviceOf = (functionLogicalId: string) =>
      (resources[functionLogicalId].Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables.POWERTOOLS_SERVICE_NAME;
    expect(Object.fromEntries(targets.map((target) => [serviceOf(target.functionLogicalId), target.intervalMs]))).toEqual({
      SweepRuns: 300_000,
      MonitorEvents: 60_000,
      AdvanceDeployments: 60_000,
    });
  });

  it('reads rates in minutes, hours and days, and skips disabled rules and rules without a schedule', () => {
    const template: CloudFormationTemplate = {
      Resources: {
        Fn: lambdaFunction,
        Minute: rule({ ScheduleExpression: 'rate(1 minute)' }),
        Hours: rule({ ScheduleExpression: 'rate(2 hours)' }),
        Day: rule({ ScheduleExpression: 'rate(1 day)' }),
        Disabled: rule({ ScheduleExpression: 'rate(1 minute)', State: 'DISABLED' }),
        Pattern: rule({ EventPattern: { source: ['x'] } }),
      },
    };

    const intervals = Object.fromEntries(scheduledTargets(template).map((target) => [target.ruleLogicalId, target.intervalMs]));

    expect(intervals).toEqual({ Minute: 60_000, Hours: 7_200_000, Day: 86_400_000 });
  });

  it('refuses a cron schedule, naming the rule, rather than never running it', () => {
    const template: CloudFormationTemplate = { Resources: { Fn: lambdaFunction, Nightly: rule({ ScheduleExpression: 'cron(0 3 * * ? *)' }) } };

    expect(() => scheduledTargets(template)).toThrow('rule Nightly: the local platform runs rate(...) schedules only, not cron(0 3 * * ? *)');
  });
});

describe('scheduledDriftChecks', () => {
  // churn-prod: model churn at alias production, every 15 minutes, at least 50 records.
  const template = shapeTemplate('monitors');
  const resources = template.toJSON().Resources as CloudFormationTemplate['Resources'];
  const bucketLogicalId = Object.keys(resources).find((id) => resources[id].Type === 'AWS::S3::Bucket' && id.startsWith('MonitoringBucket'))!;

  it("finds each monitor's schedule and makes its state machine input as the rule's input transformer does", () => {
    const [check, ...others] = scheduledDriftChecks(template.toJSON() as CloudFormationTemplate, new Map([[bucketLogicalId, 'mlops-local-monitoring']]));

    expect(others).toEqual([]);
    expect(check).toMatchObject({ expression: 'rate(15 minutes)', intervalMs: 900_000 });
    expect(check.inputAt(new Date('2026-11-24T10:15:00.400Z'))).toEqual({
      config: expect.objectContaining({
        monitor: 'churn-prod',
        model: 'churn',
        alias: 'production',
        capture: { bucket: 'mlops-local-monitoring', prefix: 'collected/churn-prod/' },
        windowMinutes: 15,
        minRecords: 50,
      }),
      windowEnd: '2026-11-24T10:15:00Z',
    });
  });

  it('leaves the function schedules to scheduledTargets, and refuses an input naming a resource that was not provisioned', () => {
    expect(scheduledDriftChecks(shapeTemplate('default').toJSON() as CloudFormationTemplate, new Map())).toEqual([]);
    expect(() => scheduledDriftChecks(template.toJSON() as CloudFormationTemplate, new Map())).toThrow(
      /the input refers to \{"Ref":"MonitoringBucket\w+"\}, which is not provisioned locally/,
    );
  });
});

describe('scheduledEvent', () => {
  it("has EventBridge's scheduled event shape", () => {
    expect(scheduledEvent('arn:aws:events:local:rule/Sweep', new Date('2026-11-24T10:00:00.123Z'))).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-11-24T10:00:00Z',
      resources: ['arn:aws:events:local:rule/Sweep'],
      detail: {},
    });
  });
});

describe('startSchedules', () => {
  afterEach(() => jest.useRealTimers());

  it('invokes the target asynchronously on every interval until stopped', async () => {
    jest.useFakeTimers();
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const target = { ruleLogicalId: 'Sweep', expression: 'rate(1 minute)', intervalMs: 60_000, functionLogicalId: 'Fn' };

    const schedules = startSchedules({ targets: [{ target, functionName: 'mlops-local-SweepRuns' }], lambda: new LambdaClient({ region: 'us-east-1' }) });
    await jest.advanceTimersByTimeAsync(180_000);
    schedules.stop();
    await jest.advanceTimersByTimeAsync(180_000);

    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(3);
    expect(calls[0].args[0].input).toMatchObject({ FunctionName: 'mlops-local-SweepRuns', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(calls[0].args[0].input.Payload as Uint8Array))).toMatchObject({ 'detail-type': 'Scheduled Event' });
    lambda.restore();
  });
});
