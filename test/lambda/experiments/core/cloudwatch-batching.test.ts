import {
  type MetricDatum,
  PUT_METRIC_DATA_LIMITS,
  type PutMetricDataPlan,
  planPutMetricData,
  requestBytes,
} from '../../../../lambda/experiments/core/cloudwatch-batching';
import type { MetricSeries, StoredPoint } from '../../../../lambda/experiments/core/model';
import { seededRandom } from '../../../support/seeded-random';

const NAMESPACE = 'MlopsPlatform/Runs';
const DIMENSIONS = [
  { Name: 'Experiment', Value: 'churn' },
  { Name: 'RunId', Value: '0123456789abcdef0123456789abcdef' },
];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Half a minute past 12:00, so points of "this minute" fall on both sides of now. */
const NOW = Date.parse('2025-06-01T12:00:30.000Z');
const THIS_MINUTE = Date.parse('2025-06-01T12:00:00.000Z');

type Limits = { readonly datumsPerRequest: number; readonly valuesPerDatum: number; readonly requestBytes: number };

const point = (value: number, timestamp: number, step = 0): StoredPoint => ({ step, value, timestamp });
const datums = (plan: PutMetricDataPlan): MetricDatum[] => plan.requests.flat();
const sumCounts = (plan: PutMetricDataPlan) => datums(plan).reduce((sum, datum) => sum + datum.Counts.reduce((a, b) => a + b, 0), 0);

/** name@minute -> value -> count, for what the plan sends. */
function sentValues(plan: PutMetricDataPlan): Map<string, Map<number, number>> {
  const sent = new Map<string, Map<number, number>>();
  for (const datum of datums(plan)) {
    const key = `${datum.MetricName}@${datum.Timestamp.getTime()}`;
    const values = sent.get(key) ?? new Map<number, number>();
    datum.Values.forEach((value, index) => values.set(value, (values.get(value) ?? 0) + datum.Counts[index]));
    sent.set(key, values);
  }
  return sent;
}

/** name@minute -> value -> count, for the points given. */
function expectedValues(series: readonly MetricSeries[]): Map<string, Map<number, number>> {
  const expected = new Map<string, Map<number, number>>();
  for (const { name, points } of series) {
    for (const { value, timestamp } of points) {
      const key = `${name}@${Math.floor(timestamp / MINUTE) * MINUTE}`;
      const values = expected.get(key) ?? new Map<number, number>();
      values.set(value, (values.get(value) ?? 0) + 1);
      expected.set(key, values);
    }
  }
  return expected;
}

/** What breaks CloudWatch's limits (or the limits given) in a plan, checking bytes with `requestBytes`; empty when nothing does. */
function limitBreaches(plan: PutMetricDataPlan, limits: Limits = PUT_METRIC_DATA_LIMITS): string[] {
  const breaches: string[] = [];
  plan.requests.forEach((request, r) => {
    if (request.length === 0 || request.length > limits.datumsPerRequest) breaches.push(`request ${r} holds ${request.length} datums`);
    const bytes = requestBytes(NAMESPACE, request);
    if (bytes > limits.requestBytes) breaches.push(`request ${r} takes ${bytes} bytes`);
    request.forEach((datum, d) => {
      const at = `request ${r} datum ${d}`;
      const time = datum.Timestamp.getTime();
      if (datum.Values.length === 0 || datum.Values.length > limits.valuesPerDatum) breaches.push(`${at} holds ${datum.Values.length} values`);
      if (datum.Counts.length !== datum.Values.length) breaches.push(`${at} has ${datum.Counts.length} counts for ${datum.Values.length} values`);
      if (new Set(datum.Values).size !== datum.Values.length) breaches.push(`${at} repeats a value`);
      if (!datum.Counts.every((count) => Number.isInteger(count) && count > 0)) breaches.push(`${at} has a count that is not a positive integer`);
      if (time % MINUTE !== 0) breaches.push(`${at} is not stamped at a whole minute`);
      // CloudWatch takes two weeks back and two hours ahead.
      if (time < NOW - 14 * DAY || time > NOW + 2 * HOUR) breaches.push(`${at} is stamped outside CloudWatch's window`);
      if (JSON.stringify(datum.Dimensions) !== JSON.stringify(DIMENSIONS)) breaches.push(`${at} has other dimensions`);
    });
  });
  return breaches;
}

const expectWithinLimits = (plan: PutMetricDataPlan, limits?: Limits) => expect(limitBreaches(plan, limits)).toEqual([]);

describe('planPutMetricData', () => {
  it('sends nothing for no series or no points', () => {
    expect(planPutMetricData([], DIMENSIONS, NOW)).toEqual({ requests: [], skipped: 0 });
    expect(planPutMetricData([{ name: 'loss', points: [] }], DIMENSIONS, NOW)).toEqual({ requests: [], skipped: 0 });
  });

  it("puts a metric's points of one minute in one datum with Values and Counts, stamped at the minute", () => {
    const series = [{ name: 'loss', points: [1, 2, 1, 1, 3].map((value, step) => point(value, THIS_MINUTE + step * 1000, step)) }];

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(plan).toEqual({
      requests: [[{ MetricName: 'loss', Dimensions: DIMENSIONS, Timestamp: new Date(THIS_MINUTE), Values: [1, 2, 3], Counts: [3, 1, 1] }]],
      skipped: 0,
    });
  });

  it('makes one datum per metric and minute', () => {
    const series = [
      { name: 'loss', points: [point(1, THIS_MINUTE + 59_999), point(1, THIS_MINUTE + MINUTE), point(2, THIS_MINUTE)] },
      { name: 'acc', points: [point(1, THIS_MINUTE)] },
    ];

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(datums(plan).map((datum) => [datum.MetricName, datum.Timestamp.getTime(), datum.Values, datum.Counts])).toEqual([
      ['loss', THIS_MINUTE, [1, 2], [1, 1]],
      ['loss', THIS_MINUTE + MINUTE, [1], [1]],
      ['acc', THIS_MINUTE, [1], [1]],
    ]);
  });

  it('splits more than 150 distinct values of one minute over datums of at most 150, losing none', () => {
    const series = [{ name: 'loss', points: Array.from({ length: 400 }, (_, i) => point(i / 7, THIS_MINUTE + (i % 60) * 1000, i)) }];

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(datums(plan).map((datum) => datum.Values.length)).toEqual([150, 150, 100]);
    expect(datums(plan).every((datum) => datum.Timestamp.getTime() === THIS_MINUTE)).toBe(true);
    expect(sentValues(plan)).toEqual(expectedValues(series));
    expectWithinLimits(plan);
  });

  it('puts at most 1000 datums in a request', () => {
    // 2500 points a minute apart: 2500 datums, over the last two days.
    const series = [{ name: 'loss', points: Array.from({ length: 2500 }, (_, i) => point(i, THIS_MINUTE - i * MINUTE, i)) }];

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(plan.requests.map((request) => request.length)).toEqual([1000, 1000, 500]);
    expect(plan.skipped).toBe(0);
    expect(sumCounts(plan)).toBe(2500);
    expectWithinLimits(plan);
  });

  it('splits requests on the byte limit before the datum limit, each request within it by requestBytes', () => {
    // 40 metrics with 250-character names, 30 minutes, 150 distinct long values a minute: ~4.6 kB a datum.
    const series = Array.from({ length: 40 }, (_, metric) => ({
      name: `${String(metric).padStart(3, '0')}${'m'.repeat(247)}`,
      points: Array.from({ length: 30 * 150 }, (_, i) => point(-Math.PI * 1e-7 * (i + 1) * (metric + 1), THIS_MINUTE - Math.floor(i / 150) * MINUTE, i)),
    }));

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(datums(plan)).toHaveLength(40 * 30);
    expect(plan.requests.length).toBeGreaterThan(4);
    for (const request of plan.requests) expect(request.length).toBeLessThan(PUT_METRIC_DATA_LIMITS.datumsPerRequest);
    expectWithinLimits(plan);
    // Packed, not one datum a request: adding the next request's first datum would break the limit.
    for (let i = 0; i + 1 < plan.requests.length; i++) {
      expect(requestBytes(NAMESPACE, [...plan.requests[i], plan.requests[i + 1][0]])).toBeGreaterThan(PUT_METRIC_DATA_LIMITS.requestBytes - 300);
    }
    expect(sumCounts(plan)).toBe(40 * 30 * 150);
  });

  it('skips points older than 14 days or more than 2 hours ahead, counting them, and keeps those inside', () => {
    const series = [
      {
        name: 'loss',
        points: [
          point(1, NOW - 14 * DAY - 1),
          point(2, NOW - 30 * DAY),
          point(3, NOW + 2 * HOUR + 1),
          point(4, NOW - 14 * DAY + 2 * MINUTE),
          point(5, NOW + 2 * HOUR - 2 * MINUTE),
          point(6, NOW),
        ],
      },
    ];

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(plan.skipped).toBe(3);
    expect(
      datums(plan)
        .flatMap((datum) => datum.Values)
        .sort(),
    ).toEqual([4, 5, 6]);
    expectWithinLimits(plan);
  });

  it('skips values CloudWatch refuses (magnitude over 2^360, or non-zero under 2^-360), counting them, and keeps zero and the bounds', () => {
    const values = [1e300, -1e300, 1e-300, -1e-300, 2 ** 361, 2 ** -361, 0, 2 ** 360, -(2 ** 360), 2 ** -360, 1];
    const series = [{ name: 'loss', points: values.map((value, step) => point(value, NOW, step)) }];

    const plan = planPutMetricData(series, DIMENSIONS, NOW);

    expect(plan.skipped).toBe(6);
    expect(datums(plan).flatMap((datum) => datum.Values)).toEqual([0, 2 ** 360, -(2 ** 360), 2 ** -360, 1]);
    expectWithinLimits(plan);
  });

  it('sends nothing, counting every point skipped, when all are outside the window', () => {
    const plan = planPutMetricData([{ name: 'loss', points: [point(1, NOW - 15 * DAY), point(2, NOW + 3 * HOUR)] }], DIMENSIONS, NOW);

    expect(plan).toEqual({ requests: [], skipped: 2 });
  });
});

/**
 * Random series with duplicate values, bursts in a few minutes, points spread over the window, points
 * outside it and values CloudWatch refuses; `outside` counts the points that cannot be sent.
 */
function randomSeries(random: () => number): { series: MetricSeries[]; outside: number } {
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]) => items[int(items.length)];
  let outside = 0;
  const names = new Set<string>();
  const metricCount = 1 + int(6);
  while (names.size < metricCount) names.add(`m${names.size}${'x'.repeat(int(3) === 0 ? 240 : int(20))}`);
  const series = [...names].map((name) => {
    const valuePool = Array.from({ length: 1 + int(400) }, () => (random() - 0.5) * 10 ** (int(20) - 10));
    const points = Array.from({ length: int(2000) }, (_, step) => {
      const zone = random();
      let timestamp: number;
      if (zone < 0.6)
        timestamp = NOW - int(5) * MINUTE + int(MINUTE); // a burst in the last few minutes
      else if (zone < 0.85)
        timestamp = NOW - 14 * DAY + 2 * MINUTE + int(14 * DAY + 2 * HOUR - 4 * MINUTE); // anywhere inside
      else if (zone < 0.93)
        timestamp = NOW - 14 * DAY - 1 - int(30 * DAY); // too old
      else timestamp = NOW + 2 * HOUR + 1 + int(DAY); // too far ahead
      const kind = random();
      const value = kind < 0.02 ? pick([1e200, -1e200, 1e-200, -1e-200]) : kind < 0.7 ? pick(valuePool) : random() * 1000;
      if (zone >= 0.85 || kind < 0.02) outside++;
      return point(value, timestamp, step);
    });
    return { name, points };
  });
  return { series, outside };
}

describe('planPutMetricData on random batches', () => {
  const sendable = ({ value, timestamp }: StoredPoint) =>
    timestamp >= NOW - 14 * DAY && timestamp <= NOW + 2 * HOUR && (value === 0 || (Math.abs(value) <= 2 ** 360 && Math.abs(value) >= 2 ** -360));
  const inside = (series: readonly MetricSeries[]) => series.map(({ name, points }) => ({ name, points: points.filter(sendable) }));

  function checkInvariants(seed: number, limits: Limits): void {
    const random = seededRandom(seed);
    const { series, outside } = randomSeries(random);
    const total = series.reduce((sum, { points }) => sum + points.length, 0);

    const plan = planPutMetricData(series, DIMENSIONS, NOW, limits);

    expectWithinLimits(plan, limits);
    expect(plan.skipped).toBe(outside);
    expect(sumCounts(plan)).toBe(total - outside);
    // Every point inside the window is sent, in its own minute, with its value, exactly once.
    expect(sentValues(plan)).toEqual(expectedValues(inside(series)));
    // No more datums than the values per datum require.
    const expectedDatums = [...expectedValues(inside(series)).values()].reduce((sum, values) => sum + Math.ceil(values.size / limits.valuesPerDatum), 0);
    expect(datums(plan)).toHaveLength(expectedDatums);
  }

  it.each(Array.from({ length: 25 }, (_, i) => i + 1))("keep the invariants under CloudWatch's limits (seed %i)", (seed) => {
    checkInvariants(seed, PUT_METRIC_DATA_LIMITS);
  });

  it.each(Array.from({ length: 25 }, (_, i) => 1000 + i))('keep the invariants under small limits (seed %i)', (seed) => {
    const random = seededRandom(seed * 7919);
    const valuesPerDatum = 1 + Math.floor(random() * 5);
    // Room for the envelope and the largest datum (a 250-character name and 5 long values), and some more.
    const limits = { datumsPerRequest: 1 + Math.floor(random() * 5), valuesPerDatum, requestBytes: 1_200 + Math.floor(random() * 3_000) };

    checkInvariants(seed, limits);
  });
});
