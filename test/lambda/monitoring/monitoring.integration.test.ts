import type { CheckStep, Chunk } from '../../../lambda/monitoring/core/check-drift';
import type { collectData } from '../../../lambda/monitoring/core/collect-data';
import type { BaselineRecord, CheckRecord } from '../../../lambda/monitoring/core/model';
import { MONITORING_EVENTS, MONITORING_METRICS } from '../../../lambda/monitoring/core/monitoring-names';
import type { BaselineProfile } from '../../../lambda/monitoring/core/profile/baseline-profile';
import type { DriftCheckReport } from '../../../lambda/monitoring/core/report/drift-check-report';
import type { CheckDriftRequest, MonitorConfig } from '../../../lambda/monitoring/core/schemas';
import { FEATURES, generateRows, type Row, SHIFTED, toCsv } from '../../cli/fixtures/monitor/drift-data';
import { scanTable } from '../../emulators/function-harness';
import { createMonitoringFixture, type MonitoringFixture, type MonitoringFunctionName } from '../../emulators/monitoring-fixture';
import { type CaptureFile, endpointCaptureFiles, hourPath } from './e2e/endpoint-capture';
import { type MetricSeries, metricSumsAt } from './e2e/metric-readings';
import { expectRelativelyClose } from './reference/relative-error';

type CollectDataResult = Awaited<ReturnType<ReturnType<typeof collectData>>>;

/**
 * The monitoring capability end to end on the emulators, through the real handlers: a baseline
 * profiled from a training file; endpoint traffic captured as SageMaker writes it, checked against
 * it (a window like the training data, then one whose `income` and `plan` shifted) with metrics in
 * CloudWatch, a DriftDetected event on the bus and reports in S3; the same window fanned out over
 * chunks as the state machine's Distributed Map runs it; records pushed with CollectData.
 */

// Each fixture provisions tables and buckets and loads six handlers; a 2-core machine may be busy.
jest.setTimeout(120_000);

const MODEL = 'churn';
const VERSION = 1;
const TRAINING_ROWS = 3000;
const WINDOW_ROWS = 1200;

type Feature = (typeof FEATURES)[number];

/** The model's inputs, in the training file's column order (which CSV payloads follow). */
const FEATURE_KINDS: Record<Feature, 'numeric' | 'categorical'> = {
  age: 'numeric',
  income: 'numeric',
  score: 'numeric',
  tenure: 'numeric',
  plan: 'categorical',
};

/** With more than 1000 reference values, `auto` decides by distances (Evidently's rule), not by tests. */
const decidingMethod = (feature: Feature) => (FEATURE_KINDS[feature] === 'numeric' ? 'wasserstein' : 'jensen_shannon');

const HOUR_MS = 3_600_000;
/** Windows end at recent whole hours (CloudWatch takes data points up to two weeks old), one hour folder each. */
const windowEndHoursAgo = (hours: number) => (Math.floor(Date.now() / HOUR_MS) - hours) * HOUR_MS;
const STABLE_END = windowEndHoursAgo(4);
const SHIFTED_END = windowEndHoursAgo(3);
const LARGE_END = windowEndHoursAgo(2);
const COLLECTED_END = windowEndHoursAgo(1);

/** The training file: the model's inputs and its label `churned`, which the baseline leaves out. */
const TRAINING_KEY = `training-data/${MODEL}/train.csv`;
const trainingRows = generateRows(TRAINING_ROWS, 1, false);
const trainingCsv = toCsv(trainingRows.map((row, index) => ({ ...row, churned: index % 7 === 0 ? 1 : 0 })));
const trainingUri = (fixture: MonitoringFixture) => `s3://${fixture.artifactBucketName}/${TRAINING_KEY}`;

/** A monitor of an endpoint whose data capture goes to `data-capture/<monitor>/` in the monitoring bucket. */
function endpointMonitor(fixture: MonitoringFixture, monitor: string): MonitorConfig {
  return {
    monitor,
    model: MODEL,
    version: VERSION,
    capture: { bucket: fixture.monitoringBucketName, prefix: `data-capture/${monitor}/` },
    windowMinutes: 60,
    // Two of the five inputs drifting is drift for these monitors; the default share is a half.
    thresholds: { driftShare: 0.4 },
  };
}

/** An hour of traffic over two production variants, six capture files each. */
function endpointTraffic(config: MonitorConfig, rows: readonly Row[], windowEnd: number): CaptureFile[] {
  return endpointCaptureFiles(rows, {
    prefix: config.capture.prefix,
    variants: ['AllTraffic', 'Canary'],
    features: FEATURES,
    window: { start: windowEnd - config.windowMinutes * 60_000, end: windowEnd },
    filesPerVariant: 6,
  });
}

async function registerTrainingBaseline(fixture: MonitoringFixture): Promise<BaselineRecord> {
  await fixture.putObject(fixture.artifactBucketName, TRAINING_KEY, trainingCsv);
  await fixture.registerVersion(MODEL, VERSION);
  return fixture.call<BaselineRecord>('registerBaseline', { model: MODEL, version: VERSION, source: { uri: trainingUri(fixture), exclude: ['churned'] } });
}

const putFiles = (fixture: MonitoringFixture, files: readonly CaptureFile[]) =>
  Promise.all(files.map(({ key, body }) => fixture.putObject(fixture.monitoringBucketName, key, body)));

/** EventBridge's `time` of a scheduled event, which the schedule passes as `windowEnd`. */
const scheduleTime = (time: number) => new Date(time).toISOString().replace('.000Z', 'Z');

/** The state machine's first step, as the schedule starts it. */
const planCheck = (fixture: MonitoringFixture, config: MonitorConfig, windowEnd: number) =>
  fixture.call<CheckStep>('checkDrift', { phase: 'plan', config, windowEnd: scheduleTime(windowEnd) } satisfies CheckDriftRequest);

const getCheck = (fixture: MonitoringFixture, monitor: string, checkId: string) =>
  fixture.call<CheckRecord>('queryMonitoring', { query: 'getCheck', monitor, checkId });
const getReport = (fixture: MonitoringFixture, monitor: string, checkId: string) =>
  fixture.call<DriftCheckReport>('queryMonitoring', { query: 'getReport', monitor, checkId });

const verdictsOf = (features: readonly { feature: string; status: string }[]) => Object.fromEntries(features.map(({ feature, status }) => [feature, status]));
const allStable = () => Object.fromEntries(FEATURES.map((feature) => [feature, 'stable']));
const shiftedDrifted = () => ({ ...allStable(), ...Object.fromEntries(SHIFTED.map((feature) => [feature, 'drifted'])) });

/** What CloudWatch holds of a check at its window's end, in the series the alarms and dashboard read. */
async function publishedMetrics(fixture: MonitoringFixture, check: CheckRecord) {
  const monitor = { Monitor: check.monitor };
  const series: MetricSeries[] = [
    { name: MONITORING_METRICS.driftShare, dimensions: monitor },
    { name: MONITORING_METRICS.driftedFeatures, dimensions: monitor },
    { name: MONITORING_METRICS.recordsChecked, dimensions: monitor },
    ...FEATURES.map((feature) => ({
      name: MONITORING_METRICS.featureDriftScore,
      dimensions: { ...monitor, Feature: feature, Method: decidingMethod(feature) },
    })),
  ];
  const [driftShare, driftedFeatures, recordsChecked, ...scores] = await metricSumsAt(
    fixture.clients.cloudWatch,
    fixture.metricsNamespace,
    series,
    Date.parse(check.windowEnd),
  );
  return { driftShare, driftedFeatures, recordsChecked, featureDriftScores: Object.fromEntries(FEATURES.map((feature, index) => [feature, scores[index]])) };
}

const featureScores = (check: CheckRecord) => Object.fromEntries(check.features.map(({ feature, score }) => [feature, score]));

const driftEventsAbout = async (fixture: MonitoringFixture, monitor: string) =>
  (await fixture.events()).filter(({ detailType, detail }) => detailType === MONITORING_EVENTS.driftDetected && detail.monitor === monitor);

/** Reads until `done` holds or the time is up, and returns the last reading for the assertion to show. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let monitoring: MonitoringFixture;
let baseline: BaselineRecord;

beforeAll(async () => {
  monitoring = await createMonitoringFixture();
  baseline = await registerTrainingBaseline(monitoring);
});

afterAll(async () => {
  await monitoring?.dispose();
});

describe('registerBaseline from a training file in the artifact bucket', () => {
  const numericProfileOf = (name: Feature) => {
    const values = trainingRows.map((row) => row[name] as number);
    return expect.objectContaining({
      name,
      kind: 'numeric',
      sketch: expect.objectContaining({ count: TRAINING_ROWS, missing: 0, min: Math.min(...values), max: Math.max(...values) }),
    });
  };

  const categoricalProfileOf = (name: Feature) => {
    const byFrequency = [...new Set(trainingRows.map((row) => String(row[name])))]
      .map((category) => [category, trainingRows.filter((row) => row[name] === category).length] as const)
      .sort(([, countA], [, countB]) => countB - countA);
    // The categories, most frequent first, then the pooled bin of values the training data never had.
    const sketch = {
      categories: byFrequency.map(([category]) => category),
      counts: [...byFrequency.map(([, count]) => count), 0],
      count: TRAINING_ROWS,
      missing: 0,
      unseenExamples: [],
    };
    return { name, kind: 'categorical', sketch };
  };

  test('records every model input with its type and the row count, leaving out the excluded label', async () => {
    // Assert
    expect(baseline).toEqual({
      model: MODEL,
      version: VERSION,
      uri: `s3://${monitoring.monitoringBucketName}/baselines/${MODEL}/${VERSION}/profile.json`,
      createdAt: expect.any(String),
      rows: TRAINING_ROWS,
      features: FEATURES.map((name) => ({ name, kind: FEATURE_KINDS[name] })),
      source: trainingUri(monitoring),
    });
    expect(await monitoring.call('queryMonitoring', { query: 'getBaseline', model: MODEL, version: VERSION })).toEqual(baseline);
  });

  test('stores the profile in the monitoring bucket with the training data counts and extremes', async () => {
    // Act
    const profile = JSON.parse(await monitoring.getText(monitoring.monitoringBucketName, `baselines/${MODEL}/${VERSION}/profile.json`)) as BaselineProfile;

    // Assert
    expect(profile).toMatchObject({ formatVersion: 1, rows: TRAINING_ROWS, source: trainingUri(monitoring), createdAt: baseline.createdAt });
    expect(profile.features).toEqual(FEATURES.map((name) => (FEATURE_KINDS[name] === 'numeric' ? numericProfileOf(name) : categoricalProfileOf(name))));
  });

  test("is never replaced silently: registering the version's baseline again is a ConflictError naming replace, and changes nothing", async () => {
    // Arrange
    const before = await monitoring.getText(monitoring.monitoringBucketName, `baselines/${MODEL}/${VERSION}/profile.json`);

    // Act
    const invocation = await monitoring.invoke('registerBaseline', {
      model: MODEL,
      version: VERSION,
      source: { uri: trainingUri(monitoring), exclude: ['churned', 'age'] },
    });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ConflictError', errorMessage: expect.stringContaining('pass replace: true to replace it') });
    expect(await monitoring.getText(monitoring.monitoringBucketName, `baselines/${MODEL}/${VERSION}/profile.json`)).toBe(before);
    expect(await monitoring.call('queryMonitoring', { query: 'getBaseline', model: MODEL, version: VERSION })).toEqual(baseline);
  });

  test('is not overwritten by a registration racing a first one: S3 refuses the second profile', async () => {
    // Arrange: the profile of a first registration stored, its record not yet written.
    await monitoring.registerVersion(MODEL, VERSION + 1);
    const key = `baselines/${MODEL}/${VERSION + 1}/profile.json`;
    await monitoring.putObject(monitoring.monitoringBucketName, key, '{"first":true}');

    // Act
    const invocation = await monitoring.invoke('registerBaseline', {
      model: MODEL,
      version: VERSION + 1,
      source: { uri: trainingUri(monitoring), exclude: ['churned'] },
    });

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ConflictError' });
    expect(await monitoring.getText(monitoring.monitoringBucketName, key)).toBe('{"first":true}');
  });
});

describe('an hour of endpoint traffic drawn like the training data', () => {
  let config: MonitorConfig;
  let step: CheckStep;
  let check: CheckRecord;

  beforeAll(async () => {
    config = endpointMonitor(monitoring, 'churn-endpoint');
    await putFiles(monitoring, endpointTraffic(config, generateRows(WINDOW_ROWS, 2, false), STABLE_END));
    step = await planCheck(monitoring, config, STABLE_END);
    check = await getCheck(monitoring, config.monitor, step.checkId);
  });

  test('is checked in the plan step, every feature stable and the data set not drifted', () => {
    // Assert
    expect(step).toMatchObject({ status: 'done', check: { status: 'no_drift', records: WINDOW_ROWS, driftShare: 0, driftedFeatures: 0 } });
    expect(check).toMatchObject({
      status: 'no_drift',
      records: WINDOW_ROWS,
      driftShare: 0,
      driftedFeatures: [],
      windowEnd: new Date(STABLE_END).toISOString(),
    });
    expect(verdictsOf(check.features)).toEqual(allStable());
  });

  test('publishes a drift share of 0, no drifted features and the records checked to CloudWatch', async () => {
    // Act
    const published = await publishedMetrics(monitoring, check);

    // Assert
    expect(published).toEqual({ driftShare: 0, driftedFeatures: 0, recordsChecked: WINDOW_ROWS, featureDriftScores: featureScores(check) });
  });

  test('puts no DriftDetected event', async () => {
    // Assert: moto delivers an event to the observing log group before PutEvents returns (the
    // drifted window's event is there without waiting), so none now means none was put.
    expect(await driftEventsAbout(monitoring, config.monitor)).toEqual([]);
  });
});

describe('an hour of endpoint traffic in which income and plan shifted', () => {
  let config: MonitorConfig;
  let step: CheckStep;
  let check: CheckRecord;

  beforeAll(async () => {
    config = endpointMonitor(monitoring, 'churn-endpoint');
    await putFiles(monitoring, endpointTraffic(config, generateRows(WINDOW_ROWS, 3, true), SHIFTED_END));
    step = await planCheck(monitoring, config, SHIFTED_END);
    check = await getCheck(monitoring, config.monitor, step.checkId);
  });

  test('flags exactly income and plan as drifted, each feature scored by its deciding method', () => {
    // Assert
    expect(step).toMatchObject({ status: 'done', check: { status: 'drift', records: WINDOW_ROWS, driftShare: 0.4, driftedFeatures: 2 } });
    expect(check).toMatchObject({ status: 'drift', driftShare: 0.4, driftedFeatures: [...SHIFTED] });
    expect(verdictsOf(check.features)).toEqual(shiftedDrifted());
    for (const { feature, method, score, status } of check.features) {
      expect({ feature, method }).toEqual({ feature, method: decidingMethod(feature as Feature) });
      // Both deciding methods are distances with the default threshold 0.1.
      expect({ feature, drifted: score! >= 0.1 }).toEqual({ feature, drifted: status === 'drifted' });
    }
  });

  test('publishes the drift share, drifted features, records checked and every feature score to CloudWatch', async () => {
    // Act
    const published = await publishedMetrics(monitoring, check);

    // Assert
    expect(published).toEqual({ driftShare: 0.4, driftedFeatures: 2, recordsChecked: WINDOW_ROWS, featureDriftScores: featureScores(check) });
  });

  test('puts one DriftDetected event naming the monitor, the model version, the drifted features and the reports', async () => {
    // Act
    const events = await eventually(
      () => driftEventsAbout(monitoring, config.monitor),
      (found) => found.length > 0,
    );

    // Assert
    expect(events.map(({ detail }) => detail)).toEqual([
      {
        monitor: config.monitor,
        checkId: check.checkId,
        model: MODEL,
        version: VERSION,
        windowStart: new Date(SHIFTED_END - HOUR_MS).toISOString(),
        windowEnd: new Date(SHIFTED_END).toISOString(),
        records: WINDOW_ROWS,
        datasetDrift: true,
        driftShare: 0.4,
        driftedFeatures: [...SHIFTED],
        reportUri: check.reportUri,
        htmlReportUri: check.htmlReportUri,
      },
    ]);
  });

  test('stores a JSON report with the same verdicts and an HTML report with a chart per drifted feature', async () => {
    // Arrange
    const reportKey = `reports/${config.monitor}/${check.checkId}`;

    // Act
    const stored = (await monitoring.listObjects(monitoring.monitoringBucketName, `reports/${config.monitor}/`)).map(({ key }) => key);
    const report = JSON.parse(await monitoring.getText(monitoring.monitoringBucketName, `${reportKey}.json`)) as DriftCheckReport;
    const html = await monitoring.getText(monitoring.monitoringBucketName, `${reportKey}.html`);

    // Assert
    expect(stored).toEqual(expect.arrayContaining([`${reportKey}.json`, `${reportKey}.html`]));
    expect([check.reportUri, check.htmlReportUri]).toEqual([
      `s3://${monitoring.monitoringBucketName}/${reportKey}.json`,
      `s3://${monitoring.monitoringBucketName}/${reportKey}.html`,
    ]);
    expect(report).toMatchObject({
      monitor: config.monitor,
      checkId: check.checkId,
      model: { name: MODEL, version: VERSION },
      capture: { records: WINDOW_ROWS, outsideWindow: 0, unreadable: 0, objects: 12 },
      drift: { driftedFeatures: [...SHIFTED], driftShare: 0.4, datasetDrift: true, referenceRows: TRAINING_ROWS, currentRows: WINDOW_ROWS },
    });
    expect(verdictsOf(report.drift.features)).toEqual(shiftedDrifted());
    const charted = [...html.matchAll(/<figure>\s*<svg role="img" aria-label="[^"]*, for ([^"]+)"/g)].map(([, feature]) => feature);
    expect(charted).toEqual([...SHIFTED]);
    expect(await getReport(monitoring, config.monitor, check.checkId)).toEqual(report);
  });

  test("is the monitor's latest check, first in its history and in the list of monitors", async () => {
    // Act
    const latest = await monitoring.call<CheckRecord>('queryMonitoring', { query: 'getCheck', monitor: config.monitor });
    const history = await monitoring.call<{ items: CheckRecord[] }>('queryMonitoring', { query: 'listChecks', monitor: config.monitor });
    const { monitors } = await monitoring.call<{ monitors: CheckRecord[] }>('queryMonitoring', { query: 'listMonitors' });

    // Assert
    expect(latest).toEqual(check);
    expect(history.items[0]).toEqual(check);
    expect(monitors.find(({ monitor }) => monitor === config.monitor)).toEqual(check);
  });
});

describe('a window larger than the inline limit, fanned out as the Distributed Map runs it', () => {
  let fanOut: MonitoringFixture;
  let traffic: CaptureFile[];
  let inline: CheckStep;
  let planned: Extract<CheckStep, { status: 'fanOut' }>;
  let manifest: Chunk[];
  let finished: CheckStep;

  beforeAll(async () => {
    // The same window in two fixtures: one checks it inline; in the other, whose inline limit is half
    // the window's bytes, it fans out (into chunks of about an eighth: a quarter of the limit).
    traffic = endpointTraffic(endpointMonitor(monitoring, 'churn-large'), generateRows(2 * WINDOW_ROWS, 5, true), LARGE_END);
    const windowBytes = traffic.reduce((total, { body }) => total + Buffer.byteLength(body), 0);
    fanOut = await createMonitoringFixture({ inlineWindowBytes: Math.floor(windowBytes / 2) });
    await registerTrainingBaseline(fanOut);
    await Promise.all([putFiles(monitoring, traffic), putFiles(fanOut, traffic)]);
    inline = await planCheck(monitoring, endpointMonitor(monitoring, 'churn-large'), LARGE_END);

    const step = await planCheck(fanOut, endpointMonitor(fanOut, 'churn-large'), LARGE_END);
    if (step.status !== 'fanOut') throw new Error(`expected the plan to fan out, got ${JSON.stringify(step)}`);
    planned = step;
    manifest = JSON.parse(await fanOut.getText(fanOut.monitoringBucketName, planned.manifestKey)) as Chunk[];
    // The Map state's input is the plan's output; its ItemSelector makes each item's payload.
    await Promise.all(manifest.map((chunk) => fanOut.call('sketchCaptureChunk', { config: planned.config, checkId: planned.checkId, chunk })));
    finished = await fanOut.call<CheckStep>('checkDrift', { phase: 'finish', config: planned.config, checkId: planned.checkId } satisfies CheckDriftRequest);
  });

  afterAll(async () => {
    await fanOut?.dispose();
  });

  test('plans a manifest of chunks that lists every capture file of the window once', () => {
    // Assert
    expect(inline.status).toBe('done');
    expect(planned).toMatchObject({
      status: 'fanOut',
      checkId: inline.checkId,
      manifestKey: `checks/churn-large/${inline.checkId}/manifest.json`,
      chunks: manifest.length,
    });
    expect(manifest.length).toBeGreaterThan(1);
    expect(manifest.map(({ index }) => index)).toEqual(manifest.map((_, position) => position));
    for (const chunk of manifest) {
      expect(chunk).toMatchObject({ version: VERSION, windowStart: new Date(LARGE_END - HOUR_MS).toISOString(), windowEnd: new Date(LARGE_END).toISOString() });
    }
    expect(manifest.flatMap(({ keys }) => keys).sort()).toEqual(traffic.map(({ key }) => key).sort());
  });

  test("finishes with the inline check's verdicts and scores", async () => {
    // Act
    const [inlineReport, fannedOutReport] = await Promise.all([
      getReport(monitoring, 'churn-large', inline.checkId),
      getReport(fanOut, 'churn-large', planned.checkId),
    ]);

    // Assert
    const outcome = (step: CheckStep) =>
      step.status === 'done'
        ? { status: step.check.status, records: step.check.records, driftShare: step.check.driftShare, driftedFeatures: step.check.driftedFeatures }
        : step;
    expect(outcome(finished)).toEqual(outcome(inline));
    expect(outcome(finished)).toEqual({ status: 'drift', records: 2 * WINDOW_ROWS, driftShare: 0.4, driftedFeatures: 2 });
    expect(fannedOutReport.capture).toEqual(inlineReport.capture);
    expect(fannedOutReport.drift.driftedFeatures).toEqual(inlineReport.drift.driftedFeatures);
    const shape = (report: DriftCheckReport) =>
      report.drift.features.map(({ feature, status, decidedBy, scores }) => ({ feature, status, decidedBy, methods: scores.map(({ method }) => method) }));
    expect(shape(fannedOutReport)).toEqual(shape(inlineReport));
    inlineReport.drift.features.forEach((feature, index) => {
      feature.scores.forEach((score, method) => {
        const label = `${feature.feature} ${score.method}`;
        expectRelativelyClose(fannedOutReport.drift.features[index].scores[method].score, score.score, 1e-9, label);
      });
    });
  });
});

describe('records an application pushes with collectData', () => {
  const monitor = 'churn-app';
  const windowStart = COLLECTED_END - HOUR_MS;
  const rows = generateRows(WINDOW_ROWS, 4, true);
  const batches = [
    { batchId: 'batch-1', records: rows.slice(0, WINDOW_ROWS / 2), inferenceTime: new Date(windowStart + 10 * 60_000).toISOString() },
    { batchId: 'batch-2', records: rows.slice(WINDOW_ROWS / 2), inferenceTime: new Date(windowStart + 40 * 60_000).toISOString() },
  ];
  let collected: CollectDataResult[];
  let retried: CollectDataResult;
  let step: CheckStep;

  beforeAll(async () => {
    collected = [];
    for (const batch of batches) collected.push(await monitoring.call<CollectDataResult>('collectData', { monitor, ...batch }));
    retried = await monitoring.call<CollectDataResult>('collectData', { monitor, ...batches[0] });
    const config: MonitorConfig = {
      ...endpointMonitor(monitoring, monitor),
      capture: { bucket: monitoring.monitoringBucketName, prefix: `collected/${monitor}/` },
    };
    step = await planCheck(monitoring, config, COLLECTED_END);
  });

  test('stores each batch as one capture file in the hour folder of its inference time, once however often it is sent', async () => {
    // Act
    const stored = (await monitoring.listObjects(monitoring.monitoringBucketName, `collected/${monitor}/`)).map(({ key }) => key);

    // Assert
    const expected = batches.map(({ batchId, records }) => ({
      monitor,
      records: records.length,
      key: `collected/${monitor}/${hourPath(windowStart)}${batchId}.jsonl`,
    }));
    expect(collected).toEqual(expected);
    expect(retried).toEqual(expected[0]);
    expect(stored.sort()).toEqual(expected.map(({ key }) => key).sort());
  });

  test('counts each batch once in RecordsCollected, at its inference time, the retry included', async () => {
    // Act
    const counted = await Promise.all(
      batches.map(
        async ({ inferenceTime }) =>
          (
            await metricSumsAt(
              monitoring.clients.cloudWatch,
              monitoring.metricsNamespace,
              [{ name: MONITORING_METRICS.recordsCollected, dimensions: { Monitor: monitor } }],
              Date.parse(inferenceTime),
            )
          )[0],
      ),
    );

    // Assert
    expect(counted).toEqual(batches.map(({ records }) => records.length));
  });

  test("writes the records in SageMaker's capture format, each with its batch's inference time", async () => {
    // Act
    const lines = (await monitoring.getText(monitoring.monitoringBucketName, collected[0].key))
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { captureData: { endpointInput: { observedContentType: string; data: string } }; eventMetadata: { inferenceTime: string } },
      );

    // Assert
    expect(lines.map(({ captureData }) => JSON.parse(captureData.endpointInput.data))).toEqual(batches[0].records);
    expect(new Set(lines.map(({ captureData }) => captureData.endpointInput.observedContentType))).toEqual(new Set(['application/json']));
    expect(new Set(lines.map(({ eventMetadata }) => eventMetadata.inferenceTime))).toEqual(new Set([batches[0].inferenceTime]));
  });

  test("are read by a check of the monitor's collected/ prefix, which flags income and plan", async () => {
    // Act
    const check = await getCheck(monitoring, monitor, step.checkId);

    // Assert
    expect(step).toMatchObject({ status: 'done', check: { status: 'drift', records: WINDOW_ROWS } });
    expect(verdictsOf(check.features)).toEqual(shiftedDrifted());
  });
});

describe('invalid requests', () => {
  /** Everything the functions could have written: monitoring objects and table items. */
  const storedState = async () => ({
    objects: await monitoring.listObjects(monitoring.monitoringBucketName),
    items: await scanTable(monitoring.clients.dynamodb, monitoring.monitoringTableName),
  });

  /** The field paths a ValidationError message names: `path: message; path: message`. */
  const issuePaths = (message: string) => message.split('; ').map((issue) => issue.slice(0, issue.indexOf(': ')));

  const cases: [MonitoringFunctionName, string, () => unknown][] = [
    ['registerBaseline', 'source.format', () => ({ model: MODEL, version: VERSION, source: { uri: trainingUri(monitoring), format: 'parquet' } })],
    [
      'checkDrift',
      'config.capture.prefix',
      () => {
        const config = endpointMonitor(monitoring, 'churn-endpoint');
        return {
          phase: 'plan',
          config: { ...config, capture: { ...config.capture, prefix: `/${config.capture.prefix}` } },
          windowEnd: scheduleTime(SHIFTED_END),
        };
      },
    ],
    ['collectData', 'records[1].age', () => ({ monitor: 'churn-app', records: [{ age: 41 }, { age: { years: 40 } }], batchId: 'rejected' })],
  ];

  test.each(cases)('%s fails with a ValidationError naming %s, and writes nothing', async (name, path, request) => {
    // Arrange
    const before = await storedState();

    // Act
    const invocation = await monitoring.invoke(name, request());

    // Assert
    expect(invocation).toMatchObject({ errorType: 'ValidationError' });
    expect('errorMessage' in invocation && issuePaths(invocation.errorMessage)).toEqual([path]);
    expect(await storedState()).toEqual(before);
  });
});
