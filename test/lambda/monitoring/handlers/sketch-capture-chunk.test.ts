import { monitoringObjectKeys } from '../../../../lambda/monitoring/adapters/s3-monitoring-objects';
import { addCaptureFile, emptyTally } from '../../../../lambda/monitoring/core/capture/capture-file';
import { emptyWindow } from '../../../../lambda/monitoring/core/profile/window-sketch';
import { windowToWire } from '../../../../lambda/monitoring/core/profile/window-wire';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf, invoke, type PlatformFakes, resetSdkMocks, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';
import {
  baselineOf,
  CHECK_ID,
  collectedFile,
  HOUR_FOLDER,
  INFERENCE_TIME,
  MODEL,
  MONITOR,
  MONITORING_BUCKET,
  monitorConfig,
  registeredWithBaseline,
  SHIFTED,
  STABLE,
  sketchCaptureChunkScenarios,
  storedState,
  TRAINING,
  VERSION,
  WINDOW_END,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(sketchCaptureChunkScenarios, name);

const WINDOW_START = '2026-06-01T11:00:00.000Z';
const FIRST_FILE = `${HOUR_FOLDER}batch-00000.jsonl`;
const SECOND_FILE = `${HOUR_FOLDER}batch-00100.jsonl`;
const PARTIAL_KEY = `checks/${MONITOR}/${CHECK_ID}/partials/000002.json`;

const chunkRequest = (keys: readonly string[], index = 2, config = monitorConfig()) => ({
  config,
  checkId: CHECK_ID,
  chunk: { index, version: VERSION, windowStart: WINDOW_START, windowEnd: WINDOW_END, keys },
});

describe('SketchCaptureChunk handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
  });

  it("writes the chunk's sketch under checks/<monitor>/<check id>/partials/<index, six digits>.json and answers the records it sketched", async () => {
    const { result, fakes } = await runScenario('SketchCaptureChunk', scenario('a chunk of capture files'));

    expect(result).toEqual({ records: 200 });
    expect(monitoringObjectKeys.chunkResult(MONITOR, CHECK_ID, 2)).toBe(PARTIAL_KEY);
    expect(fakes.s3.keys(MONITORING_BUCKET, 'checks/')).toEqual([PARTIAL_KEY]);
    expect(inputsOf('PutObjectCommand')).toEqual([{ Bucket: MONITORING_BUCKET, Key: PARTIAL_KEY, Body: expect.any(String), ContentType: 'application/json' }]);
  });

  it("stores the chunk's capture files sketched in the baseline's frame, and the tally of what it read", async () => {
    const { fakes } = await runScenario('SketchCaptureChunk', scenario('a chunk of capture files'));

    const expected = emptyWindow(baselineOf(TRAINING));
    const tally = emptyTally();
    for (const key of [FIRST_FILE, SECOND_FILE])
      addCaptureFile(expected, fakes.s3.get(MONITORING_BUCKET, key)!, { start: Date.parse(WINDOW_START), end: Date.parse(WINDOW_END) }, tally);
    const partial = JSON.parse(fakes.s3.get(MONITORING_BUCKET, PARTIAL_KEY)!);
    expect(partial).toEqual({ sketch: JSON.parse(JSON.stringify(windowToWire(expected))), tally: { records: 200, outsideWindow: 0, unreadable: 0 } });
    expect(partial.sketch.rows).toBe(200);
    expect(partial.sketch.features.map((feature: { name: string }) => feature.name)).toEqual(['age', 'income', 'score', 'tenure', 'plan']);
  });

  it("reads the baseline of the chunk's version and each of its capture files, and nothing else", async () => {
    await runScenario('SketchCaptureChunk', scenario('a chunk of capture files'));

    expect(inputsOf('GetObjectCommand')).toEqual([
      { Bucket: MONITORING_BUCKET, Key: monitoringObjectKeys.baseline(MODEL, VERSION) },
      { Bucket: MONITORING_BUCKET, Key: FIRST_FILE },
      { Bucket: MONITORING_BUCKET, Key: SECOND_FILE },
    ]);
  });

  it("reads capture files from the monitor's capture bucket and writes the sketch to the monitoring bucket", async () => {
    registeredWithBaseline(fakes);
    fakes.s3.put('endpoint-capture', 'churn-endpoint/AllTraffic/2026/06/01/11/a.jsonl', collectedFile(STABLE.slice(0, 30)));
    const config = monitorConfig({ capture: { bucket: 'endpoint-capture', prefix: 'churn-endpoint/' } });

    const result = await invoke('SketchCaptureChunk', chunkRequest(['churn-endpoint/AllTraffic/2026/06/01/11/a.jsonl'], 0, config));

    expect(result).toEqual({ records: 30 });
    expect(inputsOf('GetObjectCommand')[1]).toEqual({ Bucket: 'endpoint-capture', Key: 'churn-endpoint/AllTraffic/2026/06/01/11/a.jsonl' });
    expect(fakes.s3.keys(MONITORING_BUCKET, 'checks/')).toEqual([`checks/${MONITOR}/${CHECK_ID}/partials/000000.json`]);
    expect(fakes.s3.keys('endpoint-capture')).toEqual(['churn-endpoint/AllTraffic/2026/06/01/11/a.jsonl']);
  });

  it("counts the records outside the chunk's window and unreadable lines in its tally, without sketching them", async () => {
    registeredWithBaseline(fakes);
    const body = [
      collectedFile(STABLE.slice(0, 20)),
      collectedFile(SHIFTED.slice(0, 7), '2026-06-01T10:59:59.999Z'),
      'garbage',
      collectedFile(SHIFTED.slice(0, 3), WINDOW_END),
    ].join('\n');
    fakes.s3.put(MONITORING_BUCKET, FIRST_FILE, body);

    const result = await invoke('SketchCaptureChunk', chunkRequest([FIRST_FILE]));

    expect(result).toEqual({ records: 20 });
    const partial = JSON.parse(fakes.s3.get(MONITORING_BUCKET, PARTIAL_KEY)!);
    expect(partial.tally).toEqual({ records: 20, outsideWindow: 10, unreadable: 1 });
    expect(partial.sketch.rows).toBe(20);
  });

  it('replaces the sketch of a chunk sketched again (a retried Map item)', async () => {
    registeredWithBaseline(fakes);
    fakes.s3.put(MONITORING_BUCKET, FIRST_FILE, collectedFile(STABLE.slice(0, 20)));
    await invoke('SketchCaptureChunk', chunkRequest([FIRST_FILE]));
    fakes.s3.put(MONITORING_BUCKET, FIRST_FILE, collectedFile(STABLE.slice(0, 50), INFERENCE_TIME));

    const result = await invoke('SketchCaptureChunk', chunkRequest([FIRST_FILE]));

    expect(result).toEqual({ records: 50 });
    expect(fakes.s3.keys(MONITORING_BUCKET, 'checks/')).toEqual([PARTIAL_KEY]);
    expect(JSON.parse(fakes.s3.get(MONITORING_BUCKET, PARTIAL_KEY)!).tally.records).toBe(50);
  });

  it('fails with NotFoundError naming the version when it has no baseline, writing nothing', async () => {
    fakes.registry.put(registryItems.version(MODEL, VERSION));
    fakes.s3.put(MONITORING_BUCKET, FIRST_FILE, collectedFile(STABLE.slice(0, 20)));
    const before = storedState(fakes);

    const error = await thrownBy(invoke('SketchCaptureChunk', chunkRequest([FIRST_FILE])));

    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe(`model ${MODEL} version ${VERSION} has no baseline; register one with mlops monitor baseline`);
    expect(storedState(fakes)).toEqual(before);
  });

  it('fails with ValidationError naming the key when a capture file of the chunk does not exist, writing no partial sketch', async () => {
    registeredWithBaseline(fakes);
    fakes.s3.put(MONITORING_BUCKET, FIRST_FILE, collectedFile(STABLE.slice(0, 20)));
    const before = storedState(fakes);

    const error = await thrownBy(invoke('SketchCaptureChunk', chunkRequest([FIRST_FILE, SECOND_FILE])));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe(`chunk.keys[1]: is not an object of bucket ${MONITORING_BUCKET}`);
    expect(storedState(fakes)).toEqual(before);
  });

  it('fails with ValidationError naming the first key when the capture bucket does not exist, writing nothing', async () => {
    registeredWithBaseline(fakes);
    const before = storedState(fakes);

    const error = await thrownBy(
      invoke('SketchCaptureChunk', chunkRequest([FIRST_FILE], 2, monitorConfig({ capture: { bucket: 'no-such-capture-bucket', prefix: 'x/' } }))),
    );

    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('chunk.keys[0]: is not an object of bucket no-such-capture-bucket');
    expect(storedState(fakes)).toEqual(before);
  });

  it.each([
    ['no keys', { chunk: { ...chunkRequest([FIRST_FILE]).chunk, keys: [] } }, /^chunk\.keys: Too small/],
    ['a negative index', { chunk: { ...chunkRequest([FIRST_FILE]).chunk, index: -1 } }, /^chunk\.index: /],
    ['a window start that is not a time', { chunk: { ...chunkRequest([FIRST_FILE]).chunk, windowStart: 'eleven' } }, /^chunk\.windowStart: /],
    ['an empty key', { chunk: { ...chunkRequest([FIRST_FILE]).chunk, keys: [''] } }, /^chunk\.keys\[0\]: /],
    ['no check id', { checkId: undefined }, /^checkId: /],
    ['an unknown chunk field', { chunk: { ...chunkRequest([FIRST_FILE]).chunk, bytes: 10 } }, /^chunk\.bytes: is not a known field$/],
  ])('fails with ValidationError for a chunk with %s, sending nothing', async (_, change, message) => {
    registeredWithBaseline(fakes);
    const before = storedState(fakes);

    const error = await thrownBy(invoke('SketchCaptureChunk', { ...chunkRequest([FIRST_FILE]), ...change }));

    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(message);
    expect(sentCommands()).toEqual([]);
    expect(storedState(fakes)).toEqual(before);
  });
});
