import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsDriftChecks } from '../../lambda/monitoring/adapters/step-functions-drift-checks';
import type { Config } from '../../lambda/monitoring/core/check-drift';
import { type StepFunctionsStandIn, startStepFunctionsStandIn } from '../../local/step-functions-stand-in';
import { statusOf } from '../support/network';

const credentials = { accessKeyId: 'LOCALTEST', secretAccessKey: 'secret' };
const DRIFT_CHECK = 'arn:aws:states:us-east-1:123456789012:stateMachine:mlops-local-driftcheck';

/** Executions the test ends when it wants, with the input each one was given. */
function heldRunner() {
  const inputs: unknown[] = [];
  const pending: { resolve: (output: unknown) => void; reject: (error: Error) => void }[] = [];
  const run = (input: unknown) => {
    inputs.push(input);
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  };
  const endAll = (end: (each: (typeof pending)[number]) => void) => pending.splice(0).forEach(end);
  return { run, inputs, finish: (output: unknown) => endAll(({ resolve }) => resolve(output)), fail: (error: Error) => endAll(({ reject }) => reject(error)) };
}

describe('the local Step Functions stand-in', () => {
  let standIn: StepFunctionsStandIn;
  let runner: ReturnType<typeof heldRunner>;
  let client: SFNClient;

  beforeEach(async () => {
    runner = heldRunner();
    standIn = await startStepFunctionsStandIn({ stateMachines: new Map([[DRIFT_CHECK, runner.run]]), credentials: [credentials] });
    client = new SFNClient({ region: 'us-east-1', credentials, endpoint: standIn.endpoint, maxAttempts: 1 });
  });
  afterEach(async () => {
    runner.finish(undefined);
    await standIn.stop();
  });

  const start = (name: string, input: unknown) => client.send(new StartExecutionCommand({ stateMachineArn: DRIFT_CHECK, name, input: JSON.stringify(input) }));
  const describe_ = (executionArn: string) => client.send(new DescribeExecutionCommand({ executionArn }));
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('runs the state machine with the input in the background, and describes the execution running, then succeeded with its output', async () => {
    const started = await start('churn-live-20261201T1300', { windowEnd: '2026-12-01T13:00:00Z' });
    const running = await describe_(started.executionArn!);
    runner.finish({ status: 'done', checkId: 'c1' });
    await settled();
    const ended = await describe_(started.executionArn!);

    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:mlops-local-driftcheck:churn-live-20261201T1300');
    expect(started.startDate).toBeInstanceOf(Date);
    expect(runner.inputs).toEqual([{ windowEnd: '2026-12-01T13:00:00Z' }]);
    expect(running).toMatchObject({ status: 'RUNNING', name: 'churn-live-20261201T1300', stateMachineArn: DRIFT_CHECK });
    expect(ended).toMatchObject({ status: 'SUCCEEDED', output: '{"status":"done","checkId":"c1"}' });
    expect(ended.stopDate).toBeInstanceOf(Date);
  });

  it('answers a running execution started again with the same name and input with itself, running it once', async () => {
    const first = await start('window', { n: 1 });
    const again = await start('window', { n: 1 });

    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(runner.inputs).toHaveLength(1);
  });

  it('fails a name in use with another input, or of an ended execution, with ExecutionAlreadyExists', async () => {
    await start('window', { n: 1 });

    await expect(start('window', { n: 2 })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists', $metadata: { httpStatusCode: 400 } });
    runner.finish(null);
    await settled();
    await expect(start('window', { n: 1 })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(runner.inputs).toHaveLength(1);
  });

  it('lets the drift checks adapter start a window once: a second start of an ended one is taken as done', async () => {
    const checks = new StepFunctionsDriftChecks(client, DRIFT_CHECK);
    const config = { monitor: 'churn-live' } as Config;

    await checks.start(config, '2026-12-01T13:00:00.000Z');
    runner.finish(null);
    await settled();
    await checks.start(config, '2026-12-01T13:00:00.000Z');

    expect(runner.inputs).toEqual([{ config, windowEnd: '2026-12-01T13:00:00.000Z' }]);
  });

  it('describes an execution whose run failed as FAILED, with the error and its cause', async () => {
    const started = await start('broken', {});
    runner.fail(new Error('CheckDrift failed with ValidationError'));
    await settled();

    expect(await describe_(started.executionArn!)).toMatchObject({ status: 'FAILED', error: 'Error', cause: 'CheckDrift failed with ValidationError' });
  });

  it('fails the execution, not its start, when the runner throws at once', async () => {
    const throwing = await startStepFunctionsStandIn({
      stateMachines: new Map([
        [
          DRIFT_CHECK,
          () => {
            throw new Error('the local functions are not served yet');
          },
        ],
      ]),
      credentials: [credentials],
    });
    const early = new SFNClient({ region: 'us-east-1', credentials, endpoint: throwing.endpoint, maxAttempts: 1 });
    try {
      const started = await early.send(new StartExecutionCommand({ stateMachineArn: DRIFT_CHECK, name: 'early', input: '{}' }));
      await settled();

      expect(await early.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))).toMatchObject({
        status: 'FAILED',
        cause: 'the local functions are not served yet',
      });
    } finally {
      await throwing.stop();
    }
  });

  it('fails an unknown state machine, a bad name or input, an unknown execution and another action, as Step Functions names them', async () => {
    const other = DRIFT_CHECK.replace('driftcheck', 'other');

    await expect(client.send(new StartExecutionCommand({ stateMachineArn: other, input: '{}' }))).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(start('has space', {})).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: DRIFT_CHECK, input: '{not json' }))).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
    await expect(describe_(`${DRIFT_CHECK.replace(':stateMachine:', ':execution:')}:never`)).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: DRIFT_CHECK }))).rejects.toMatchObject({ name: 'UnknownOperationException' });
    expect(runner.inputs).toEqual([]);
  });

  it('stops once the executions running have ended', async () => {
    await start('window', {});
    let stopped = false;
    const stopping = standIn.stop().then(() => (stopped = true));
    await settled();

    expect(stopped).toBe(false);
    runner.finish(null);
    await stopping;
    expect(stopped).toBe(true);
  });

  it('fails requests with a foreign Host or Origin with 403, and a bad signature', async () => {
    const { port } = new URL(standIn.endpoint);
    const forged = new SFNClient({
      region: 'us-east-1',
      credentials: { ...credentials, secretAccessKey: 'guessed' },
      endpoint: standIn.endpoint,
      maxAttempts: 1,
    });

    expect(await statusOf(standIn.endpoint, { method: 'POST', headers: { host: `evil.example:${port}` }, body: '{}' })).toBe(403);
    expect(await statusOf(standIn.endpoint, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' })).toBe(403);
    await expect(forged.send(new StartExecutionCommand({ stateMachineArn: DRIFT_CHECK, input: '{}' }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    expect(runner.inputs).toEqual([]);
  });
});
