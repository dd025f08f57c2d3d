/**
 * Scenarios that together drive every code path of the monitoring handlers that sends an SDK call
 * (run by the handler tests and by the IAM coverage test), and the baselines, capture files and
 * monitoring items they start from.
 */
import { monitoringObjectKeys } from '../../../../lambda/monitoring/adapters/s3-monitoring-objects';
import { monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import { addCaptureFile, emptyTally } from '../../../../lambda/monitoring/core/capture/capture-file';
import { hourFolder } from '../../../../lambda/monitoring/core/capture/hour-folders';
import type { Chunk } from '../../../../lambda/monitoring/core/check-drift';
import type { CheckRecord } from '../../../../lambda/monitoring/core/model';
import { type BaselineProfile, buildBaseline } from '../../../../lambda/monitoring/core/profile/baseline-profile';
import { columnsFromCsv } from '../../../../lambda/monitoring/core/profile/dataset-columns';
import { emptyWindow } from '../../../../lambda/monitoring/core/profile/window-sketch';
import { windowToWire } from '../../../../lambda/monitoring/core/profile/window-wire';
import type { MonitorConfig } from '../../../../lambda/monitoring/core/schemas';
import { generateRows, type Row, toCsv } from '../../../cli/fixtures/monitor/drift-data';
import type { HandlerScenario, HandlerScenarios } from '../../handler-support/scenarios';
import { type FakeS3, FUNCTION_ENVIRONMENT, invoke, type MonitoringFunction, type PlatformFakes } from '../../handler-support/sdk-mocks';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';
import { createMonitorScenarios, deleteMonitorScenarios, monitorEventsScenarios } from './stored-monitor-scenarios';

export const MONITORING_BUCKET = FUNCTION_ENVIRONMENT.MONITORING_BUCKET_NAME;
export const ARTIFACT_BUCKET = FUNCTION_ENVIRONMENT.ARTIFACT_BUCKET_NAME;
export const MODEL = 'churn';
export const VERSION = 3;
export const MONITOR = 'churn-prod';

/** The window the checks look at: the hour before noon, its records sent at half past eleven. */
export const WINDOW_END = '2026-06-01T12:00:00.000Z';
export const INFERENCE_TIME = '2026-06-01T11:30:00.000Z';
export const CHECK_ID = '20260601T120000Z';
export const CAPTURE_PREFIX = `collected/${MONITOR}/`;
export const HOUR_FOLDER = CAPTURE_PREFIX + hourFolder(Date.parse(INFERENCE_TIME));
/** Where a deployment's requests are captured (its endpoint's folder, variants beneath), as stored monitors read them. */
export const DEPLOYMENT_CAPTURE_PREFIX = 'captured/mlops-fraud-api/';
const DEPLOYMENT_CAPTURE_KEY = `${DEPLOYMENT_CAPTURE_PREFIX}main/${hourFolder(Date.parse(INFERENCE_TIME))}capture-1.jsonl`;

/** Training data, production data drawn the same way, and production data with `income` and `plan` shifted. */
export const TRAINING = generateRows(1000, 1, false);
export const STABLE = generateRows(200, 3, false);
export const SHIFTED = generateRows(200, 2, true);

export const baselineOf = (rows: readonly Row[]): BaselineProfile =>
  buildBaseline(columnsFromCsv(toCsv(rows)), { createdAt: '2026-05-20T09:00:00.000Z', sketchBins: 100 });

export const monitorConfig = (overrides: Partial<MonitorConfig> = {}): MonitorConfig => ({
  monitor: MONITOR,
  model: MODEL,
  version: VERSION,
  capture: { bucket: MONITORING_BUCKET, prefix: CAPTURE_PREFIX },
  windowMinutes: 60,
  minRecords: 50,
  ...overrides,
});

/** Records as `CollectData` stores them: one capture line each, its input as JSON. */
export function collectedFile(rows: readonly Row[], inferenceTime = INFERENCE_TIME): string {
  return rows
    .map((row, index) =>
      JSON.stringify({
        captureData: { endpointInput: { observedContentType: 'application/json', encoding: 'JSON', data: JSON.stringify(row) } },
        eventMetadata: { eventId: `event-${index}`, inferenceTime },
        eventVersion: '0',
      }),
    )
    .join('\n');
}

/** Records as a SageMaker endpoint captures them: CSV rows without a header, base64-encoded, in the baseline's feature order. */
export function sageMakerCaptureFile(rows: readonly Row[], columns: readonly string[]): string {
  return rows
    .map((row, index) =>
      JSON.stringify({
        captureData: {
          endpointInput: {
            observedContentType: 'text/csv',
            mode: 'INPUT',
            encoding: 'BASE64',
            data: Buffer.from(columns.map((column) => row[column]).join(',')).toString('base64'),
          },
          endpointOutput: { observedContentType: 'text/csv; charset=utf-8', mode: 'OUTPUT', encoding: 'BASE64', data: Buffer.from('0.42').toString('base64') },
        },
        eventMetadata: { eventId: `event-${index}`, inferenceTime: INFERENCE_TIME },
        eventVersion: '0',
      }),
    )
    .join('\n');
}

/** A registered version with its baseline, as RegisterModel and RegisterBaseline leave them. */
export function registeredWithBaseline({ registry, s3 }: PlatformFakes, version = VERSION): BaselineProfile {
  const baseline = baselineOf(TRAINING);
  registry.put(registryItems.version(MODEL, version));
  s3.put(MONITORING_BUCKET, monitoringObjectKeys.baseline(MODEL, version), JSON.stringify(baseline));
  return baseline;
}

/** Capture files of `rows`, `perFile` records each, in the window's hour folder. */
export function captured(s3: FakeS3, rows: readonly Row[], perFile = rows.length): string[] {
  const keys: string[] = [];
  for (let start = 0; start < rows.length; start += perFile) {
    const key = `${HOUR_FOLDER}batch-${String(start).padStart(5, '0')}.jsonl`;
    s3.put(MONITORING_BUCKET, key, collectedFile(rows.slice(start, start + perFile)));
    keys.push(key);
  }
  return keys;
}

export const collectDataScenarios: readonly HandlerScenario[] = [
  {
    name: 'a batch of records',
    event: { monitor: MONITOR, records: STABLE.slice(0, 10) },
    // The capture file, then the records-collected metric.
    sends: ['PutObjectCommand', 'PutMetricDataCommand'],
  },
  {
    name: 'a batch with its id and inference time',
    event: { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: INFERENCE_TIME },
    sends: ['PutObjectCommand', 'PutMetricDataCommand'],
  },
  {
    name: 'a retried batch',
    arrange: async () => {
      await invoke('CollectData', { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: INFERENCE_TIME });
    },
    event: { monitor: MONITOR, records: STABLE.slice(0, 10), batchId: 'batch-7', inferenceTime: INFERENCE_TIME },
    // The file is there already: nothing is counted again.
    sends: ['PutObjectCommand'],
  },
];

export const registerBaselineScenarios: readonly HandlerScenario[] = [
  {
    name: 'a profile computed elsewhere',
    arrange: ({ registry }) => registry.put(registryItems.version(MODEL, VERSION)),
    event: { model: MODEL, version: VERSION, profile: baselineOf(TRAINING) },
    // Does the version exist, and has it a baseline already? Then the profile, then its record.
    sends: ['GetCommand', 'GetCommand', 'PutObjectCommand', 'PutCommand'],
  },
  {
    name: 'training data in the artifact bucket',
    arrange: ({ registry, s3 }) => {
      registry.put(registryItems.version(MODEL, VERSION));
      s3.put(ARTIFACT_BUCKET, 'training-data/churn/3/train.csv', toCsv(TRAINING));
    },
    event: { model: MODEL, version: VERSION, source: { uri: `s3://${ARTIFACT_BUCKET}/training-data/churn/3/train.csv`, categorical: ['plan'] } },
    sends: ['GetCommand', 'GetCommand', 'GetObjectCommand', 'PutObjectCommand', 'PutCommand'],
  },
  {
    name: 'a baseline replaced on purpose',
    arrange: ({ registry, monitoring }) => {
      registry.put(registryItems.version(MODEL, VERSION));
      monitoring.put({
        ...monitoringKeys.baseline(MODEL, VERSION),
        model: MODEL,
        version: VERSION,
        uri: `s3://${MONITORING_BUCKET}/baselines/${MODEL}/${VERSION}/profile.json`,
        createdAt: '2026-05-01T08:00:00.000Z',
        rows: 10,
        features: [],
      });
    },
    event: { model: MODEL, version: VERSION, profile: baselineOf(TRAINING), replace: true },
    // Replacing is asked for: whether there is a baseline is not read.
    sends: ['GetCommand', 'PutObjectCommand', 'PutCommand'],
  },
];

/** A plan reads the baseline, lists the capture prefix's folders, then each hour folder of the window. */
const PLAN = ['GetObjectCommand', 'ListObjectsV2Command', 'ListObjectsV2Command'];
/** A finished check writes its HTML and JSON reports, the check and the monitor's latest, then its metrics. */
const FINISH = ['PutObjectCommand', 'PutObjectCommand', 'PutCommand', 'PutCommand', 'PutMetricDataCommand'];

export const checkDriftScenarios: readonly HandlerScenario[] = [
  {
    name: 'a window without drift, checked at once',
    arrange: (fakes) => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, STABLE, 100);
    },
    event: { phase: 'plan', config: monitorConfig(), windowEnd: WINDOW_END },
    sends: [...PLAN, 'GetObjectCommand', 'GetObjectCommand', ...FINISH],
  },
  {
    name: 'a drifted window',
    arrange: (fakes) => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, SHIFTED);
    },
    event: { phase: 'plan', config: monitorConfig(), windowEnd: WINDOW_END },
    sends: [...PLAN, 'GetObjectCommand', ...FINISH, 'PutEventsCommand'],
  },
  {
    name: 'a SageMaker endpoint capture with variant folders',
    arrange: (fakes) => {
      const baseline = registeredWithBaseline(fakes);
      const prefix = `${CAPTURE_PREFIX}AllTraffic/${hourFolder(Date.parse(INFERENCE_TIME))}`;
      fakes.s3.put(
        MONITORING_BUCKET,
        `${prefix}capture-1.jsonl`,
        sageMakerCaptureFile(
          SHIFTED.slice(0, 100),
          baseline.features.map((feature) => feature.name),
        ),
      );
    },
    event: { phase: 'plan', config: monitorConfig(), windowEnd: WINDOW_END },
    sends: [...PLAN, 'GetObjectCommand', ...FINISH, 'PutEventsCommand'],
  },
  {
    name: "a deployment's capture (a stored monitor's), under captured/",
    arrange: (fakes) => {
      const baseline = registeredWithBaseline(fakes);
      fakes.s3.put(
        MONITORING_BUCKET,
        `${DEPLOYMENT_CAPTURE_PREFIX}main/${hourFolder(Date.parse(INFERENCE_TIME))}capture-1.jsonl`,
        sageMakerCaptureFile(
          STABLE.slice(0, 100),
          baseline.features.map((feature) => feature.name),
        ),
      );
    },
    event: { phase: 'plan', config: monitorConfig({ capture: { bucket: MONITORING_BUCKET, prefix: DEPLOYMENT_CAPTURE_PREFIX } }), windowEnd: WINDOW_END },
    sends: [...PLAN, 'GetObjectCommand', ...FINISH],
  },
  {
    name: 'a quiet window, too few records for a verdict',
    arrange: (fakes) => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, SHIFTED.slice(0, 10));
    },
    event: { phase: 'plan', config: monitorConfig(), windowEnd: WINDOW_END },
    // Records checked is published; drift metrics and the event are not.
    sends: [...PLAN, 'GetObjectCommand', ...FINISH],
  },
  {
    name: 'a monitor following an alias',
    arrange: (fakes) => {
      registeredWithBaseline(fakes);
      fakes.registry.put(registryItems.alias(MODEL, 'production', VERSION, 1));
      captured(fakes.s3, STABLE);
    },
    event: { phase: 'plan', config: monitorConfig({ version: undefined, alias: 'production' }), windowEnd: WINDOW_END },
    sends: ['GetCommand', ...PLAN, 'GetObjectCommand', ...FINISH],
  },
  {
    name: 'a window too large for one call, fanned out',
    arrange: (fakes) => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, generateRows(1000, 4, false), 100);
    },
    event: { phase: 'plan', config: monitorConfig(), windowEnd: WINDOW_END },
    // The plan and the manifest of chunks for the Distributed Map.
    sends: [...PLAN, 'PutObjectCommand', 'PutObjectCommand'],
  },
  {
    name: 'the finish of a fanned-out check',
    arrange: async (fakes) => {
      const baseline = registeredWithBaseline(fakes);
      captured(fakes.s3, generateRows(1000, 4, false), 100);
      await invoke('CheckDrift', { phase: 'plan', config: monitorConfig(), windowEnd: WINDOW_END });
      sketchChunksOf(fakes.s3, baseline);
    },
    event: { phase: 'finish', config: monitorConfig(), checkId: CHECK_ID },
    // The plan, the baseline, the chunks' sketches listed and read, then the check finished as one.
    sends: ['GetObjectCommand', 'GetObjectCommand', 'ListObjectsV2Command', ...Array(chunksOf(1000, 100)).fill('GetObjectCommand'), ...FINISH],
  },
];

/** How many chunks a window of `rows` records in files of `perFile` fans out to: one file a chunk, at this inline size. */
function chunksOf(rows: number, perFile: number): number {
  return Math.ceil(rows / perFile);
}

/** The manifest of a planned check, as the Distributed Map reads it. */
export const manifestOf = (s3: FakeS3): Chunk[] => JSON.parse(s3.get(MONITORING_BUCKET, monitoringObjectKeys.manifest(MONITOR, CHECK_ID))!);

/** Writes each chunk's sketch of a planned check, as the Distributed Map's `SketchCaptureChunk` calls would. */
function sketchChunksOf(s3: FakeS3, baseline: BaselineProfile): void {
  for (const chunk of manifestOf(s3)) {
    const sketch = emptyWindow(baseline);
    const tally = emptyTally();
    for (const key of chunk.keys)
      addCaptureFile(sketch, s3.get(MONITORING_BUCKET, key)!, { start: Date.parse(chunk.windowStart), end: Date.parse(chunk.windowEnd) }, tally);
    s3.put(MONITORING_BUCKET, monitoringObjectKeys.chunkResult(MONITOR, CHECK_ID, chunk.index), JSON.stringify({ sketch: windowToWire(sketch), tally }));
  }
}

export const sketchCaptureChunkScenarios: readonly HandlerScenario[] = [
  {
    name: 'a chunk of capture files',
    arrange: (fakes) => {
      registeredWithBaseline(fakes);
      captured(fakes.s3, SHIFTED, 100);
    },
    event: {
      config: monitorConfig(),
      checkId: CHECK_ID,
      chunk: {
        index: 2,
        version: VERSION,
        windowStart: '2026-06-01T11:00:00.000Z',
        windowEnd: WINDOW_END,
        keys: [`${HOUR_FOLDER}batch-00000.jsonl`, `${HOUR_FOLDER}batch-00100.jsonl`],
      },
    },
    // The baseline, each capture file, then the chunk's sketch.
    sends: ['GetObjectCommand', 'GetObjectCommand', 'GetObjectCommand', 'PutObjectCommand'],
  },
  {
    name: "a chunk of a deployment's capture",
    arrange: (fakes) => {
      const baseline = registeredWithBaseline(fakes);
      fakes.s3.put(
        MONITORING_BUCKET,
        DEPLOYMENT_CAPTURE_KEY,
        sageMakerCaptureFile(
          SHIFTED.slice(0, 50),
          baseline.features.map((feature) => feature.name),
        ),
      );
    },
    event: {
      config: monitorConfig({ capture: { bucket: MONITORING_BUCKET, prefix: DEPLOYMENT_CAPTURE_PREFIX } }),
      checkId: CHECK_ID,
      chunk: { index: 0, version: VERSION, windowStart: '2026-06-01T11:00:00.000Z', windowEnd: WINDOW_END, keys: [DEPLOYMENT_CAPTURE_KEY] },
    },
    sends: ['GetObjectCommand', 'GetObjectCommand', 'PutObjectCommand'],
  },
];

const alarm = (alarmTime: string) => ({ monitor: MONITOR, model: MODEL, cooldownSeconds: 86_400, alarmTime });

export const retrainGateScenarios: readonly HandlerScenario[] = [
  {
    name: 'a first drift alarm',
    event: alarm(WINDOW_END),
    // The gate opens, and a retrain is asked for.
    sends: ['UpdateCommand', 'PutEventsCommand'],
  },
  {
    name: 'a drift alarm within the cooldown',
    arrange: ({ monitoring }) => monitoring.put({ ...monitoringKeys.gate(MONITOR), openedAt: '2026-06-01T06:00:00.000Z' }),
    event: alarm(WINDOW_END),
    sends: ['UpdateCommand'],
  },
];

/** A check as CheckDrift records it. */
export function checkRecord(overrides: Partial<CheckRecord> = {}): CheckRecord {
  return {
    monitor: MONITOR,
    checkId: CHECK_ID,
    model: MODEL,
    version: VERSION,
    windowStart: '2026-06-01T11:00:00.000Z',
    windowEnd: WINDOW_END,
    checkedAt: '2026-06-01T12:01:00.000Z',
    status: 'drift',
    records: 200,
    driftShare: 0.4,
    driftedFeatures: ['income', 'plan'],
    features: [{ feature: 'income', method: 'ks', score: 1e-30, status: 'drifted' }],
    reportUri: `s3://${MONITORING_BUCKET}/${monitoringObjectKeys.report(MONITOR, CHECK_ID)}.json`,
    htmlReportUri: `s3://${MONITORING_BUCKET}/${monitoringObjectKeys.report(MONITOR, CHECK_ID)}.html`,
    ...overrides,
  };
}

/** Two checks of the monitor, its latest, its report, and a baseline record, as CheckDrift and RegisterBaseline leave them. */
export function monitoredModel({ monitoring, s3 }: PlatformFakes): void {
  const earlier = checkRecord({
    checkId: '20260601T110000Z',
    windowStart: '2026-06-01T10:00:00.000Z',
    windowEnd: '2026-06-01T11:00:00.000Z',
    status: 'no_drift',
    driftedFeatures: [],
  });
  const latest = checkRecord();
  monitoring.put(
    { ...monitoringKeys.check(MONITOR, earlier.checkId), ...earlier },
    { ...monitoringKeys.check(MONITOR, latest.checkId), ...latest },
    { ...monitoringKeys.latest(MONITOR), ...latest },
    {
      ...monitoringKeys.baseline(MODEL, VERSION),
      model: MODEL,
      version: VERSION,
      uri: `s3://${MONITORING_BUCKET}/${monitoringObjectKeys.baseline(MODEL, VERSION)}`,
      createdAt: '2026-05-20T09:00:00.000Z',
      rows: 1000,
      features: [],
    },
  );
  s3.put(MONITORING_BUCKET, `${monitoringObjectKeys.report(MONITOR, CHECK_ID)}.json`, JSON.stringify({ monitor: MONITOR, checkId: CHECK_ID }));
}

export const queryMonitoringScenarios: readonly HandlerScenario[] = [
  { name: 'listMonitors', arrange: monitoredModel, event: { query: 'listMonitors' }, sends: ['QueryCommand'] },
  { name: 'listStoredMonitors', arrange: monitoredModel, event: { query: 'listStoredMonitors' }, sends: ['QueryCommand'] },
  { name: 'listChecks', arrange: monitoredModel, event: { query: 'listChecks', monitor: MONITOR, limit: 1 }, sends: ['QueryCommand'] },
  { name: 'getCheck, the latest', arrange: monitoredModel, event: { query: 'getCheck', monitor: MONITOR }, sends: ['GetCommand'] },
  { name: 'getCheck by id', arrange: monitoredModel, event: { query: 'getCheck', monitor: MONITOR, checkId: '20260601T110000Z' }, sends: ['GetCommand'] },
  { name: 'getReport', arrange: monitoredModel, event: { query: 'getReport', monitor: MONITOR }, sends: ['GetCommand', 'GetObjectCommand'] },
  { name: 'getBaseline', arrange: monitoredModel, event: { query: 'getBaseline', model: MODEL, version: VERSION }, sends: ['GetCommand'] },
];

export const monitoringScenarios: HandlerScenarios<MonitoringFunction> = {
  CollectData: collectDataScenarios,
  RegisterBaseline: registerBaselineScenarios,
  CheckDrift: checkDriftScenarios,
  SketchCaptureChunk: sketchCaptureChunkScenarios,
  RetrainGate: retrainGateScenarios,
  QueryMonitoring: queryMonitoringScenarios,
  CreateMonitor: createMonitorScenarios,
  DeleteMonitor: deleteMonitorScenarios,
  MonitorEvents: monitorEventsScenarios,
};

/** What the tables and buckets hold, for assertions that a call wrote nothing. */
export function storedState({ registry, monitoring, s3 }: PlatformFakes) {
  const objects = (bucket: string) => Object.fromEntries(s3.keys(bucket).map((key) => [key, s3.get(bucket, key)]));
  return { registry: registry.all(), monitoring: monitoring.all(), monitoringBucket: objects(MONITORING_BUCKET), artifactBucket: objects(ARTIFACT_BUCKET) };
}

/** Fixes the time `new Date()` and `Date.now()` tell, and nothing else: the SDK mocks' promises and Powertools' timers run as usual. Undo with `jest.useRealTimers()`. */
export function freezeDate(iso: string): void {
  jest.useFakeTimers({
    now: Date.parse(iso),
    doNotFake: [
      'nextTick',
      'setImmediate',
      'clearImmediate',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
  });
}
