import { callerOf, deploymentTraffic, type EndpointMetricsReader, type HourMetrics } from '../../../../lambda/deployments/core/deployment-traffic';
import { NotFoundError } from '../../../../lambda/shared/errors';
import { deployment, revision } from '../../../cli/commands/deployments/deployment-fixtures';
import { InMemoryCaptureStore } from '../../monitoring/fakes';
import { FakeClock } from '../../shared/fake-clock';
import { InMemoryDeploymentStore } from '../fakes';

const BUCKET = 'monitoring-bucket';
/** Ten past three: the span is the three whole hours before four. */
const NOW = '2026-12-01T15:10:00.000Z';

const line = (time: string, customAttributes?: string) =>
  JSON.stringify({
    captureData: { endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: '1,2', encoding: 'CSV' } },
    eventMetadata: { eventId: time, inferenceTime: time, ...(customAttributes === undefined ? {} : { customAttributes }) },
    eventVersion: '0',
  });

class FakeMetrics implements EndpointMetricsReader {
  readonly asked: unknown[] = [];
  constructor(
    private readonly hours: Record<string, HourMetrics>,
    private readonly configs: Record<string, HourMetrics>,
  ) {}
  async hourly(endpoint: string, start: Date, end: Date) {
    this.asked.push(['hourly', endpoint, start.toISOString(), end.toISOString()]);
    return new Map(Object.entries(this.hours));
  }
  async byConfig(endpoint: string, configs: readonly string[]) {
    this.asked.push(['byConfig', endpoint, configs]);
    return new Map(Object.entries(this.configs).filter(([config]) => configs.includes(config)));
  }
}

async function setUp(maxCaptureBytes = 1_000_000) {
  const store = new InMemoryDeploymentStore();
  store.deployments.set('churn-live', deployment({ lastRevision: 2, current: revision(2, 5), previous: revision(1, 4) }));
  const capture = new InMemoryCaptureStore(BUCKET)
    .add(
      BUCKET,
      'captured/mlops-churn-live/main/2026/12/01/13/a.jsonl',
      [line('2026-12-01T13:05:00Z', 'caller=checkout'), line('2026-12-01T13:06:00Z')].join('\n'),
    )
    .add(
      BUCKET,
      'captured/mlops-churn-live/main/2026/12/01/15/b.jsonl',
      [
        line('2026-12-01T15:01:00Z', 'caller=checkout;tier=gold'),
        line('2026-12-01T15:02:00Z', 'caller=search'),
        line('2026-12-01T15:03:00Z', 'mobile-app'),
        'not json',
      ].join('\n'),
    )
    // Another deployment's capture, and one of this deployment's outside the span.
    .add(BUCKET, 'captured/mlops-other/main/2026/12/01/15/c.jsonl', line('2026-12-01T15:04:00Z', 'caller=x'))
    .add(BUCKET, 'captured/mlops-churn-live/main/2026/12/01/11/d.jsonl', line('2026-12-01T11:59:00Z', 'caller=old'));
  const metrics = new FakeMetrics(
    { '2026-12-01T15:00:00.000Z': { invocations: 3, errors5xx: 1, latencyP50Ms: 12, latencyP99Ms: 40 } },
    { 'mlops-churn-live-2': { invocations: 5, errors5xx: 1, latencyP99Ms: 40 } },
  );
  const traffic = deploymentTraffic({
    store,
    capture,
    metrics,
    clock: new FakeClock(NOW),
    captureBucket: BUCKET,
    capturePrefix: 'captured/',
    maxCaptureBytes,
  });
  return { traffic, metrics };
}

describe('deploymentTraffic', () => {
  it('counts the requests and distinct callers the capture holds per hour, beside CloudWatch, and each revision that served', async () => {
    const { traffic, metrics } = await setUp();

    const answer = await traffic('churn-live', 3);

    expect(answer).toEqual({
      name: 'churn-live',
      endpoint: 'mlops-churn-live',
      start: '2026-12-01T13:00:00.000Z',
      end: '2026-12-01T16:00:00.000Z',
      hours: [
        { hour: '2026-12-01T13:00:00.000Z', requests: 2, callers: 1 },
        { hour: '2026-12-01T14:00:00.000Z', requests: 0, callers: 0 },
        { hour: '2026-12-01T15:00:00.000Z', requests: 3, callers: 3, invocations: 3, errors5xx: 1, latencyP50Ms: 12, latencyP99Ms: 40 },
      ],
      callers: 3,
      anonymousRequests: 1,
      revisions: [
        { revision: 1, image: { name: 'churn-scorer', version: 4 }, models: [{ name: 'churn', version: 5 }], invocations: 0, errors5xx: 0 },
        { revision: 2, image: { name: 'churn-scorer', version: 5 }, models: [{ name: 'churn', version: 6 }], invocations: 5, errors5xx: 1, latencyP99Ms: 40 },
      ],
    });
    expect(metrics.asked).toEqual([
      ['hourly', 'mlops-churn-live', '2026-12-01T13:00:00.000Z', '2026-12-01T16:00:00.000Z'],
      ['byConfig', 'mlops-churn-live', ['mlops-churn-live-1', 'mlops-churn-live-2']],
    ]);
  });

  it('reads the newest capture first up to its bound, and says the answer is of part of it', async () => {
    const { traffic } = await setUp(1000);

    const answer = await traffic('churn-live', 3);

    expect(answer.captureTruncated).toBe(true);
    expect(answer.hours.map((hour) => hour.requests)).toEqual([0, 0, 3]);
  });

  it('answers NotFoundError for a deployment that does not exist', async () => {
    const { traffic } = await setUp();

    await expect(traffic('nowhere', 3)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('callerOf', () => {
  it.each([
    ['caller=checkout', 'checkout'],
    [' tier=gold; Caller = search ', 'search'],
    ['caller=a=b', 'a=b'],
    ['mobile-app', 'mobile-app'],
    ['caller=', 'caller='],
    ['', undefined],
    [undefined, undefined],
  ])('%j is caller %j', (attributes, caller) => {
    expect(callerOf(attributes)).toBe(caller);
  });
});
