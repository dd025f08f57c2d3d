import type { ChunkResult } from '../../../lambda/monitoring/core/ports';
import { buildBaseline } from '../../../lambda/monitoring/core/profile/baseline-profile';
import { columnsFromCsv } from '../../../lambda/monitoring/core/profile/dataset-columns';
import { generateRows, toCsv } from '../../cli/fixtures/monitor/drift-data';
import { baselineRecord, checkIdOf, checkRecord } from '../../support/monitoring-records';
import { InMemoryCaptureStore, InMemoryMonitoringObjects, InMemoryMonitoringStore } from './fakes';

/** The fakes must keep the ports' contracts as the adapters do, or the core tests prove nothing. */

const HOUR = 3_600_000;
const profile = (rows: number) => buildBaseline(columnsFromCsv(toCsv(generateRows(rows, 1, false))), { createdAt: '2026-05-20T09:00:00.000Z', sketchBins: 10 });

describe('InMemoryMonitoringStore', () => {
  it("moves a monitor's latest check forward in window end only, keeping every check", async () => {
    const store = new InMemoryMonitoringStore();
    const nine = checkRecord('2026-11-25T09:00:00.000Z');
    const ten = checkRecord('2026-11-25T10:00:00.000Z');

    await store.recordCheck(ten);
    await store.recordCheck(nine);

    expect(await store.latestCheck('fraud-live')).toEqual(ten);
    expect((await store.listChecks('fraud-live', { limit: 10 })).items).toEqual([ten, nine]);
  });

  it('replaces a rerun check, and its latest when it is the latest', async () => {
    const store = new InMemoryMonitoringStore();
    await store.recordCheck(checkRecord('2026-11-25T09:00:00.000Z'));
    const rerun = checkRecord('2026-11-25T09:00:00.000Z', { status: 'drift', driftShare: 0.6 });

    await store.recordCheck(rerun);

    expect(await store.getCheck('fraud-live', checkIdOf('2026-11-25T09:00:00.000Z'))).toEqual(rerun);
    expect(await store.latestCheck('fraud-live')).toEqual(rerun);
    expect((await store.listChecks('fraud-live', { limit: 10 })).items).toHaveLength(1);
  });

  it('pages checks newest first and lists monitors by name', async () => {
    const store = new InMemoryMonitoringStore();
    for (const hour of ['07', '08', '09']) await store.recordCheck(checkRecord(`2026-11-25T${hour}:00:00.000Z`));
    await store.recordCheck(checkRecord('2026-11-25T09:00:00.000Z', { monitor: 'churn-prod' }));

    const first = await store.listChecks('fraud-live', { limit: 2 });
    const second = await store.listChecks('fraud-live', { limit: 2, nextToken: first.nextToken });

    expect([...first.items, ...second.items].map((check) => check.windowEnd.slice(11, 13))).toEqual(['09', '08', '07']);
    expect(second.nextToken).toBeUndefined();
    expect((await store.listMonitors()).map((check) => check.monitor)).toEqual(['churn-prod', 'fraud-live']);
  });

  it('answers undefined for what it does not hold', async () => {
    const store = new InMemoryMonitoringStore();

    expect(await store.getCheck('fraud-live', 'x')).toBeUndefined();
    expect(await store.latestCheck('fraud-live')).toBeUndefined();
    expect(await store.getBaseline('fraud-detector', 12)).toBeUndefined();
  });

  it('keeps a baseline record as given, a copy and not the caller object', async () => {
    const store = new InMemoryMonitoringStore();
    const record = baselineRecord();

    await store.putBaseline(record);

    expect(await store.getBaseline('fraud-detector', 12)).toEqual(record);
    expect(await store.getBaseline('fraud-detector', 12)).not.toBe(record);
  });

  it('opens the retrain gate unless it opened within the cooldown; again at the same alarm time; never for an older alarm', async () => {
    const store = new InMemoryMonitoringStore();
    const at = '2026-11-25T09:00:00.000Z';
    const plus = (hours: number) => new Date(Date.parse(at) + hours * HOUR).toISOString();

    const opened = [
      await store.openRetrainGate('fraud-live', at, 24 * HOUR),
      await store.openRetrainGate('fraud-live', plus(23), 24 * HOUR),
      await store.openRetrainGate('fraud-live', '2026-11-25T10:00:00+01:00', 24 * HOUR),
      await store.openRetrainGate('fraud-live', plus(-1), 24 * HOUR),
      await store.openRetrainGate('fraud-live', plus(24), 24 * HOUR),
    ];

    expect(opened).toEqual([true, false, true, false, true]);
    expect(store.gates.get('fraud-live')).toBe(plus(24));
  });
});

describe('InMemoryMonitoringObjects', () => {
  it("writes a version's first profile without replace, refuses a second, and replaces when asked", async () => {
    const objects = new InMemoryMonitoringObjects();

    const first = await objects.putBaseline('churn', 3, profile(100), false);
    const second = await objects.putBaseline('churn', 3, profile(50), false);
    const afterRefusal = (await objects.getBaseline('churn', 3))?.rows;
    const replaced = await objects.putBaseline('churn', 3, profile(50), true);

    expect(first).toBe('s3://monitoring-bucket/baselines/churn/3/profile.json');
    expect(second).toBeUndefined();
    expect(afterRefusal).toBe(100);
    expect(replaced).toBe(first);
    expect((await objects.getBaseline('churn', 3))?.rows).toBe(50);
  });

  it('reads a profile back through the schema, as the adapter does, equal to what was written', async () => {
    const objects = new InMemoryMonitoringObjects();
    const written = profile(100);
    await objects.putBaseline('churn', 3, written, false);

    expect(await objects.getBaseline('churn', 3)).toEqual(written);
    expect(await objects.getBaseline('churn', 4)).toBeUndefined();
  });

  it("lists only the chunk results of chunks 0 to chunks - 1, leaving an earlier run's extra ones out", async () => {
    const objects = new InMemoryMonitoringObjects();
    const result = (records: number) => ({ sketch: {}, tally: { records, outsideWindow: 0, unreadable: 0 } }) as unknown as ChunkResult;
    for (const index of [0, 1, 2]) await objects.putChunkResult('m', 'c', index, result(index));

    const results = await objects.listChunkResults('m', 'c', 2);

    expect(results.map((chunk) => chunk.tally.records)).toEqual([0, 1]);
  });

  it('keeps a check plan and its manifest, and answers undefined for a plan or report never written', async () => {
    const objects = new InMemoryMonitoringObjects();
    const plan = { version: 3, windowStart: 'a', windowEnd: 'b', objects: 2, bytes: 10, chunks: 1 };

    const manifestKey = await objects.putCheckPlan('m', 'c', plan, [{ index: 0 }]);

    expect(manifestKey).toBe('checks/m/c/manifest.json');
    expect(await objects.getCheckPlan('m', 'c')).toEqual(plan);
    expect(objects.manifest(manifestKey)).toEqual([{ index: 0 }]);
    expect(await objects.getCheckPlan('m', 'other')).toBeUndefined();
    expect(await objects.getReport('m', 'c')).toBeUndefined();
  });
});

describe('InMemoryCaptureStore', () => {
  const start = Date.parse('2026-06-01T11:00:00.000Z');
  const end = Date.parse('2026-06-01T12:00:00.000Z');

  it("lists the files of the window's hour folders, directly under the prefix or under variant folders", async () => {
    const capture = new InMemoryCaptureStore()
      .add('capture', 'endpoint/AllTraffic/2026/06/01/11/a.jsonl', 'aa')
      .add('capture', 'endpoint/Shadow/2026/06/01/11/b.jsonl', 'bbb')
      .add('capture', 'endpoint/AllTraffic/2026/06/01/12/later.jsonl', 'x')
      .add('monitoring-bucket', 'collected/m/2026/06/01/11/c.jsonl', 'c')
      .add('monitoring-bucket', 'collected/m/2026/06/01/10/earlier.jsonl', 'c');

    const variants = await capture.list({ bucket: 'capture', prefix: 'endpoint/' }, start, end);
    const collected = await capture.list({ bucket: 'monitoring-bucket', prefix: 'collected/m/' }, start, end);

    expect(variants).toEqual([
      { bucket: 'capture', key: 'endpoint/AllTraffic/2026/06/01/11/a.jsonl', size: 2 },
      { bucket: 'capture', key: 'endpoint/Shadow/2026/06/01/11/b.jsonl', size: 3 },
    ]);
    expect(collected).toEqual([{ bucket: 'monitoring-bucket', key: 'collected/m/2026/06/01/11/c.jsonl', size: 1 }]);
  });

  it('answers undefined for a bucket it does not have, an empty list for an empty prefix', async () => {
    const capture = new InMemoryCaptureStore();

    expect(await capture.list({ bucket: 'nowhere', prefix: '' }, start, end)).toBeUndefined();
    expect(await capture.list({ bucket: 'monitoring-bucket', prefix: 'collected/m/' }, start, end)).toEqual([]);
    expect(await capture.read({ bucket: 'nowhere', key: 'k' })).toBeUndefined();
  });

  it('creates a file once: a second create of the key is refused and leaves the first', async () => {
    const capture = new InMemoryCaptureStore();

    const created = [await capture.create('collected/m/k.jsonl', 'first'), await capture.create('collected/m/k.jsonl', 'second')];

    expect(created).toEqual([true, false]);
    expect(await capture.read({ bucket: 'monitoring-bucket', key: 'collected/m/k.jsonl' })).toBe('first');
  });

  it('keeps a vanishing file listed but unreadable', async () => {
    const capture = new InMemoryCaptureStore().add('capture', 'p/2026/06/01/11/a.jsonl', 'a').vanishOnRead('capture', 'p/2026/06/01/11/a.jsonl');

    const listed = await capture.list({ bucket: 'capture', prefix: 'p/' }, start, end);

    expect(listed).toHaveLength(1);
    expect(await capture.read(listed![0])).toBeUndefined();
  });
});
