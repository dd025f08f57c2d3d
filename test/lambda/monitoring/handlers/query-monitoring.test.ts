import { monitoringObjectKeys } from '../../../../lambda/monitoring/adapters/s3-monitoring-objects';
import { monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { FUNCTION_ENVIRONMENT, inputsOf, invoke, type PlatformFakes, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { CHECK_ID, checkRecord, MODEL, MONITOR, MONITORING_BUCKET, monitoredModel, queryMonitoringScenarios, storedState, VERSION } from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(queryMonitoringScenarios, name);

const TABLE_NAME = FUNCTION_ENVIRONMENT.MONITORING_TABLE_NAME;
const EARLIER_CHECK_ID = '20260601T110000Z';
const earlier = () =>
  checkRecord({
    checkId: EARLIER_CHECK_ID,
    windowStart: '2026-06-01T10:00:00.000Z',
    windowEnd: '2026-06-01T11:00:00.000Z',
    status: 'no_drift',
    driftedFeatures: [],
  });
const BASELINE = {
  model: MODEL,
  version: VERSION,
  uri: `s3://${MONITORING_BUCKET}/${monitoringObjectKeys.baseline(MODEL, VERSION)}`,
  createdAt: '2026-05-20T09:00:00.000Z',
  rows: 1000,
  features: [],
};

/** A query that must read and write nothing but what it answers from. */
async function answered(fakes: PlatformFakes, query: unknown): Promise<any> {
  const before = storedState(fakes);
  const result = await invoke('QueryMonitoring', query);
  expect(storedState(fakes)).toEqual(before);
  return result;
}

describe('QueryMonitoring handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
  });

  it("answers listMonitors with each monitor's latest check, without table keys", async () => {
    const { result } = await runScenario('QueryMonitoring', scenario('listMonitors'));

    expect(result).toEqual({ monitors: [checkRecord()] });
    expect(inputsOf('QueryCommand')).toEqual([
      { TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'MONITORS' }, ExclusiveStartKey: undefined },
    ]);
  });

  it('answers listMonitors with every monitor, following the query over its pages', async () => {
    const monitors = ['churn-prod', 'churn-staging', 'fraud-prod'].map((monitor) => checkRecord({ monitor }));
    fakes.monitoring.put(...monitors.map((record) => ({ ...monitoringKeys.latest(record.monitor), ...record })));
    fakes.monitoring.capQueryPages(2);

    const result = await answered(fakes, { query: 'listMonitors' });

    expect(result).toEqual({ monitors });
    expect(inputsOf('QueryCommand').map((input) => input.ExclusiveStartKey)).toEqual([undefined, monitoringKeys.latest('churn-staging')]);
  });

  it('answers listMonitors with none when no monitor has checked yet', async () => {
    const result = await answered(fakes, { query: 'listMonitors' });

    expect(result).toEqual({ monitors: [] });
  });

  it("pages through a monitor's checks newest first, the token of each page resuming after it", async () => {
    const { result, fakes } = await runScenario('QueryMonitoring', scenario('listChecks'));

    expect(result).toEqual({ items: [checkRecord()], nextToken: expect.any(String) });
    expect(inputsOf('QueryCommand')).toEqual([
      {
        TableName: TABLE_NAME,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `MON#${MONITOR}`, ':prefix': 'C#' },
        ScanIndexForward: false,
        Limit: 1,
        ExclusiveStartKey: undefined,
      },
    ]);

    const second = await answered(fakes, { query: 'listChecks', monitor: MONITOR, limit: 1, nextToken: (result as { nextToken: string }).nextToken });

    // DynamoDB stops at the limit without looking further: a page ending on the last check still has a token.
    expect(second).toEqual({ items: [earlier()], nextToken: expect.any(String) });
    expect(inputsOf('QueryCommand')[1].ExclusiveStartKey).toEqual(monitoringKeys.check(MONITOR, CHECK_ID));
    expect(await answered(fakes, { query: 'listChecks', monitor: MONITOR, limit: 1, nextToken: second.nextToken })).toEqual({ items: [] });
  });

  it("lists a monitor's checks only, not its gate or another monitor's checks, 25 to a page by default", async () => {
    monitoredModel(fakes);
    fakes.monitoring.put(
      { ...monitoringKeys.gate(MONITOR), openedAt: '2026-06-01T06:00:00.000Z' },
      { ...monitoringKeys.check('fraud-prod', CHECK_ID), ...checkRecord({ monitor: 'fraud-prod' }) },
    );

    const result = await answered(fakes, { query: 'listChecks', monitor: MONITOR });

    expect(result).toEqual({ items: [checkRecord(), earlier()] });
    expect(inputsOf('QueryCommand')[0].Limit).toBe(25);
  });

  it('leaves the expiry time of checks out of what it answers', async () => {
    fakes.monitoring.put({ ...monitoringKeys.check(MONITOR, CHECK_ID), ...checkRecord(), expiresAt: 1_830_000_000 });

    const result = await answered(fakes, { query: 'listChecks', monitor: MONITOR });

    expect(result.items).toEqual([checkRecord()]);
  });

  it("answers getCheck without a check id with the monitor's latest check", async () => {
    const { result } = await runScenario('QueryMonitoring', scenario('getCheck, the latest'));

    expect(result).toEqual(checkRecord());
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: monitoringKeys.latest(MONITOR), ConsistentRead: true }]);
  });

  it('answers getCheck with a check id with that check', async () => {
    const { result } = await runScenario('QueryMonitoring', scenario('getCheck by id'));

    expect(result).toEqual(earlier());
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: monitoringKeys.check(MONITOR, EARLIER_CHECK_ID), ConsistentRead: true }]);
  });

  it("answers getReport with the latest check's JSON report", async () => {
    const { result } = await runScenario('QueryMonitoring', scenario('getReport'));

    expect(result).toEqual({ monitor: MONITOR, checkId: CHECK_ID });
    expect(inputsOf('GetObjectCommand')).toEqual([{ Bucket: MONITORING_BUCKET, Key: `reports/${MONITOR}/${CHECK_ID}.json` }]);
  });

  it("answers getReport with a check id with that check's report", async () => {
    monitoredModel(fakes);
    fakes.s3.put(MONITORING_BUCKET, `reports/${MONITOR}/${EARLIER_CHECK_ID}.json`, JSON.stringify({ monitor: MONITOR, checkId: EARLIER_CHECK_ID }));

    const result = await answered(fakes, { query: 'getReport', monitor: MONITOR, checkId: EARLIER_CHECK_ID });

    expect(result).toEqual({ monitor: MONITOR, checkId: EARLIER_CHECK_ID });
    expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([monitoringKeys.check(MONITOR, EARLIER_CHECK_ID)]);
  });

  it("answers getBaseline with the version's baseline record", async () => {
    const { result } = await runScenario('QueryMonitoring', scenario('getBaseline'));

    expect(result).toEqual(BASELINE);
    expect(inputsOf('GetCommand')).toEqual([{ TableName: TABLE_NAME, Key: { pk: `B#${MODEL}`, sk: 'V#0000000003' }, ConsistentRead: true }]);
  });

  describe('what it cannot find', () => {
    it.each([
      ['getCheck of a monitor that has not checked yet', { query: 'getCheck', monitor: 'fraud-prod' }, 'monitor fraud-prod has no checks yet'],
      [
        'getCheck of an unknown check',
        { query: 'getCheck', monitor: MONITOR, checkId: '20250101T000000Z' },
        `monitor ${MONITOR} has no check 20250101T000000Z`,
      ],
      ['getReport of a monitor that has not checked yet', { query: 'getReport', monitor: 'fraud-prod' }, 'monitor fraud-prod has no checks yet'],
      [
        'getReport of an unknown check',
        { query: 'getReport', monitor: MONITOR, checkId: '20250101T000000Z' },
        `monitor ${MONITOR} has no check 20250101T000000Z`,
      ],
      [
        'getReport of a check whose report is gone',
        { query: 'getReport', monitor: MONITOR, checkId: EARLIER_CHECK_ID },
        `the report of check ${EARLIER_CHECK_ID} is gone`,
      ],
      ['getBaseline of a version without one', { query: 'getBaseline', model: MODEL, version: 4 }, `model ${MODEL} version 4 has no baseline`],
      ['getBaseline of an unknown model', { query: 'getBaseline', model: 'fraud', version: VERSION }, `model fraud version ${VERSION} has no baseline`],
    ])('fails with NotFoundError for %s, writing nothing', async (_, query, message) => {
      monitoredModel(fakes);
      const before = storedState(fakes);

      const error = await thrownBy(invoke('QueryMonitoring', query));

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(message);
      expect(storedState(fakes)).toEqual(before);
    });
  });

  describe('invalid queries', () => {
    it.each([
      ['an unknown query', { query: 'deleteMonitor', monitor: MONITOR }, /^query: /],
      ['no query', { monitor: MONITOR }, /^query: /],
      ['a page of no checks', { query: 'listChecks', monitor: MONITOR, limit: 0 }, /^limit: /],
      ['a page of over 100 checks', { query: 'listChecks', monitor: MONITOR, limit: 101 }, /^limit: /],
      ['listChecks without a monitor', { query: 'listChecks' }, /^monitor: /],
      ['a check id with a slash', { query: 'getCheck', monitor: MONITOR, checkId: '../x' }, /^checkId: must hold only letters, digits/],
      ['getBaseline without a version', { query: 'getBaseline', model: MODEL }, /^version: /],
      ['a field of another query', { query: 'getCheck', monitor: MONITOR, limit: 5 }, /^limit: is not a known field$/],
    ])('fails with ValidationError for %s, sending nothing', async (_, query, message) => {
      monitoredModel(fakes);

      const error = await thrownBy(invoke('QueryMonitoring', query));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
    });

    it.each([
      ['not a token at all', 'not-a-token'],
      ["a token of another monitor's checks", 'other'],
    ])('fails with ValidationError at nextToken for a token that is %s', async (_, kind) => {
      monitoredModel(fakes);
      fakes.monitoring.put(
        { ...monitoringKeys.check('fraud-prod', CHECK_ID), ...checkRecord({ monitor: 'fraud-prod' }) },
        { ...monitoringKeys.check('fraud-prod', EARLIER_CHECK_ID), ...earlier(), monitor: 'fraud-prod' },
      );
      const nextToken =
        kind === 'other'
          ? ((await invoke('QueryMonitoring', { query: 'listChecks', monitor: 'fraud-prod', limit: 1 })) as { nextToken: string }).nextToken
          : kind;
      expect(nextToken).toEqual(expect.any(String));

      const error = await thrownBy(invoke('QueryMonitoring', { query: 'listChecks', monitor: MONITOR, limit: 1, nextToken }));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('nextToken: is not a token returned by this query');
    });
  });
});
