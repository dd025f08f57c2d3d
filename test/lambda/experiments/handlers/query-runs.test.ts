import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../../lambda/experiments/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { dynamoMock, type FakeTable, inputsOf, invoke, REQUEST_ID, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { EXPERIMENT, OTHER_RUN_ID, queryRunsScenarios, RUN_ID, TABLE_NAME, trackedRuns } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(queryRunsScenarios, name);

const STORAGE_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'fingerprint', 'expiresAt'];

const UNKNOWN_RUN_ID = '9'.repeat(32);

type Page = { items: Record<string, any>[]; nextToken?: string };

/** The loss history `trackedRuns` stores: 60 points over 30 batches. */
const LOSS_HISTORY = Array.from({ length: 60 }, (_, step) => ({ step, value: 1 / (step + 1), timestamp: expect.any(Number) }));

describe('QueryRuns handler', () => {
  let table: FakeTable;

  beforeEach(() => {
    table = resetSdkMocks().experiments;
  });

  it.each(queryRunsScenarios.map((each) => [each.name, each.sends.join(', '), each] as const))('%s: sends exactly %s', async (_, __, each) => {
    const { sent } = await runScenario('QueryRuns', each);

    expect(sent.map((command) => command.command)).toEqual(each.sends);
  });

  it('answers getRun from one consistent read, without storage attributes', async () => {
    const { result } = await runScenario('QueryRuns', scenario('getRun'));

    expect(result).toMatchObject({ runId: RUN_ID, experiment: EXPERIMENT, status: 'RUNNING', metrics: { loss: { last: 1 / 60, count: 60 } } });
    for (const attribute of STORAGE_ATTRIBUTES) expect(result).not.toHaveProperty(attribute);
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: keys.run(RUN_ID), ConsistentRead: true }]);
  });

  it('answers getRuns in the order asked, from one consistent batch read', async () => {
    const { result } = await runScenario('QueryRuns', scenario('getRuns, in the order asked'));

    expect((result as { runs: { runId: string }[] }).runs.map((run) => run.runId)).toEqual([OTHER_RUN_ID, RUN_ID]);
    for (const attribute of STORAGE_ATTRIBUTES) expect((result as { runs: object[] }).runs[0]).not.toHaveProperty(attribute);
    expect(inputsOf('BatchGetCommand')).toEqual([
      { RequestItems: { [TABLE_NAME]: { Keys: [keys.run(OTHER_RUN_ID), keys.run(RUN_ID)], ConsistentRead: true } } },
    ]);
  });

  it("lists an experiment's runs newest first from the listing index", async () => {
    const { result } = await runScenario('QueryRuns', scenario('listRuns of an experiment'));

    expect((result as Page).items.map((run) => run.runId)).toEqual([OTHER_RUN_ID, RUN_ID]);
    expect((result as Page).items[0]).not.toHaveProperty('gsi1pk');
    expect(inputsOf('QueryCommand')).toEqual([
      expect.objectContaining({ TableName: TABLE_NAME, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :experiment', ScanIndexForward: false, Limit: 25 }),
    ]);
  });

  it('lists the runs of one status with a filter on the listing index', async () => {
    const { result } = await runScenario('QueryRuns', scenario('listRuns of an experiment by status'));

    expect((result as Page).items.map((run) => run.runId)).toEqual([OTHER_RUN_ID]);
    expect(inputsOf('QueryCommand')[0]).toMatchObject({
      FilterExpression: '#status = :status',
      ExpressionAttributeValues: { ':experiment': `E#${EXPERIMENT}`, ':status': 'FAILED' },
    });
  });

  it('lists experiments a page at a time, resuming from an opaque token', async () => {
    const { result } = await runScenario('QueryRuns', scenario('listExperiments'));
    const first = result as Page;

    const second = (await invoke('QueryRuns', { query: 'listExperiments', limit: 1, nextToken: first.nextToken })) as Page;

    expect(first.items).toEqual([{ name: EXPERIMENT, createdAt: expect.any(String), lastRunAt: expect.any(String), runCount: 2 }]);
    expect(first.nextToken).not.toContain('EXPERIMENTS');
    expect(second.items.map((experiment) => experiment.name)).toEqual(['fraud-training']);
  });

  it("answers a metric's whole history in the order logged, following the history query over its pages, and no other metric's", async () => {
    const { result } = await runScenario('QueryRuns', scenario('metricHistory, read over two query pages'));

    expect(result).toEqual({ runId: RUN_ID, metric: 'loss', items: LOSS_HISTORY });
    const [first, second] = inputsOf('QueryCommand');
    expect(first).toMatchObject({
      TableName: TABLE_NAME,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': `R#${RUN_ID}`, ':from': 'M#loss#', ':to': 'M#loss#\uffff' },
      ConsistentRead: true,
    });
    expect(second.ExpressionAttributeValues[':from'] > first.ExpressionAttributeValues[':from']).toBe(true);
  });

  it('pages a metric history by points, resuming inside a history item', async () => {
    trackedRuns(table);

    const first = (await invoke('QueryRuns', { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: 7 })) as Page;
    const second = (await invoke('QueryRuns', { query: 'metricHistory', runId: RUN_ID, metric: 'loss', limit: 60, nextToken: first.nextToken })) as Page;

    expect(first.items).toEqual(LOSS_HISTORY.slice(0, 7));
    expect(second.items).toEqual(LOSS_HISTORY.slice(7));
    expect(second.nextToken).toBeUndefined();
  });

  it.each([
    ['getRun', { query: 'getRun', runId: UNKNOWN_RUN_ID }, /^run 9{32} does not exist$/],
    ['getRuns', { query: 'getRuns', runIds: [RUN_ID, UNKNOWN_RUN_ID] }, /^no such run: 9{32}$/],
    ['metricHistory of a metric the run never logged', { query: 'metricHistory', runId: RUN_ID, metric: 'accuracy' }, /^run 0123.* has no metric "accuracy"$/],
  ])('fails with NotFoundError for %s', async (_, event, message) => {
    trackedRuns(table);

    const error = await thrownBy(invoke('QueryRuns', event));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toMatch(message);
  });

  it('fails with ValidationError naming the bad fields by path, sending no SDK command', async () => {
    const error = await thrownBy(invoke('QueryRuns', { query: 'getRuns', runIds: [RUN_ID, 'not-a-run'] }));
    const unknown = await thrownBy(invoke('QueryRuns', { query: 'scanEverything' }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/^runIds\[1\]: must be a run id/);
    expect(unknown.name).toBe('ValidationError');
    expect(unknown.message).toMatch(/^query: /);
    expect(sentCommands()).toEqual([]);
  });

  it('fails with ValidationError at nextToken for a token from another query, sending no SDK command', async () => {
    trackedRuns(table);
    const { nextToken } = (await invoke('QueryRuns', { query: 'listExperiments', limit: 1 })) as Page;
    dynamoMock.resetHistory();

    const error = await thrownBy(invoke('QueryRuns', { query: 'listRuns', experiment: EXPERIMENT, nextToken }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('nextToken: is not a token returned by this query');
    expect(sentCommands()).toEqual([]);
  });

  it('fails with InternalError naming the request id and no AWS internals when the index query fails', async () => {
    dynamoMock.on(QueryCommand).rejects(
      new DynamoDBServiceException({
        name: 'ValidationException',
        message: `The table ${TABLE_NAME} does not have the specified index: gsi1`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const error = await thrownBy(invoke('QueryRuns', { query: 'listExperiments' }));

    expect(error.name).toBe('InternalError');
    expect(error.message).toContain(REQUEST_ID);
    expect(error.message).not.toMatch(/gsi1|index|experiments-table/);
  });
});
