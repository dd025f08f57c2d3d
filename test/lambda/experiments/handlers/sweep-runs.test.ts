import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/experiments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { dynamoMock, type FakeTable, inputsOf, invoke, REQUEST_ID, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { CRASH_AFTER_MS, items, minutesAgo, OTHER_RUN_ID, RUN_ID, sweepRunsScenarios, TABLE_NAME } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(sweepRunsScenarios, name);

describe('SweepRuns handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().experiments;
  });

  it.each(sweepRunsScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))('%s: sends exactly %s', async (_, __, each) => {
    const { sent } = await runScenario('SweepRuns', each);

    expect(sent.map((command) => command.command)).toEqual(each.sends);
  });

  it('marks a silent run CRASHED, ended at its last heartbeat, out of the running index, and leaves a live run running', async () => {
    const before = Date.now();
    const { result, fakes: tables } = await runScenario('SweepRuns', scenario('a silent run declared crashed'));

    expect(result).toEqual({ crashed: [RUN_ID], running: 1 });
    const crashed = tables.experiments.get(keys.run(RUN_ID))!;
    expect(crashed).toMatchObject({
      status: 'CRASHED',
      endTime: crashed.heartbeatAt,
      revision: 5,
      reason: expect.stringMatching(/^no heartbeat since .+ \(the sweep waits 600 s\)$/),
    });
    expect(Date.parse(crashed.heartbeatAt)).toBeLessThan(Date.now() - 59 * 60_000);
    expect(crashed).not.toHaveProperty('gsi2pk');
    expect(tables.experiments.get(keys.run(OTHER_RUN_ID))).toMatchObject({ status: 'RUNNING', revision: 0, gsi2pk: 'RUNNING' });
    const [silentRuns, running] = inputsOf('QueryCommand');
    expect(silentRuns).toMatchObject({ TableName: TABLE_NAME, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :running AND gsi2sk < :before' });
    expect(silentRuns).not.toHaveProperty('ConsistentRead');
    const cutoff = Date.parse(silentRuns.ExpressionAttributeValues[':before']);
    expect(cutoff).toBeGreaterThanOrEqual(before - CRASH_AFTER_MS);
    expect(cutoff).toBeLessThanOrEqual(Date.now() - CRASH_AFTER_MS);
    expect(inputsOf('UpdateCommand')[0]).toMatchObject({
      ConditionExpression: 'revision = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': 4, ':status': 'CRASHED' }),
    });
    expect(running).toMatchObject({ IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :running', Select: 'COUNT' });
  });

  it('crashes nothing when every run beats, counting the runs running', async () => {
    const { result } = await runScenario('SweepRuns', scenario('nothing silent'));

    expect(result).toEqual({ crashed: [], running: 1 });
  });

  it('crashes the silent runs of every index page, counting the running ones over their pages too', async () => {
    const { result } = await runScenario('SweepRuns', scenario('silent runs over several index pages'));

    expect(result).toEqual({ crashed: [RUN_ID, 'abababababababababababababababab'], running: 2 });
  });

  it('leaves a run whose heartbeat the index has not caught up with', async () => {
    const { result, fakes: tables } = await runScenario('SweepRuns', scenario('a run the index lists as silent that has beaten since'));

    expect(result).toEqual({ crashed: [], running: 1 });
    expect(tables.experiments.get(keys.run(RUN_ID))).toMatchObject({ status: 'RUNNING', revision: 0 });
    expect(inputsOf('UpdateCommand')).toEqual([]);
  });

  it('leaves a run that logged between its read and its end, the end refused by its revision condition', async () => {
    const { result, fakes: tables } = await runScenario('SweepRuns', scenario('a silent run that logs between the read and the end'));

    expect(result).toEqual({ crashed: [], running: 2 });
    expect(tables.experiments.get(keys.run(RUN_ID))).toMatchObject({ status: 'RUNNING', revision: 5 });
  });

  it('lets a crashed run that logs again run on: the sweep is not the last word', async () => {
    await runScenario('SweepRuns', scenario('a silent run declared crashed'));

    const batch = await invoke('LogMetrics', { runId: RUN_ID, metrics: [{ name: 'loss', value: 0.3 }] });
    const second = await invoke('SweepRuns', {});

    expect(batch).toMatchObject({ status: 'RUNNING', revision: 6 });
    expect(second).toEqual({ crashed: [], running: 2 });
  });

  it('fails with ValidationError at payload for an event that is not an object, sending no SDK command', async () => {
    const error = await thrownBy(invoke('SweepRuns', 'sweep now'));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^payload: /);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with InternalError naming the request id, ending nothing, when the running index cannot be read', async () => {
    table.put(items.run({ heartbeatAt: minutesAgo(60) }));
    dynamoMock.on(QueryCommand).rejects(
      new DynamoDBServiceException({
        name: 'ThrottlingException',
        message: `Rate exceeded for index gsi2 of ${TABLE_NAME}`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await thrownBy(invoke('SweepRuns', {}));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/gsi2|Rate|experiments-table/);
    expect(table.get(keys.run(RUN_ID))).toMatchObject({ status: 'RUNNING' });
  });
});
