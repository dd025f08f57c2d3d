import type { RunIndexEntry } from '../../../../lambda/mlflow/core/model';
import { RunIndexCache } from '../../../../lambda/mlflow/core/run-index-cache';
import { FakeClock } from '../../shared/fake-clock';

const entry = (runId: string, changedAt: string, runName = runId): RunIndexEntry => ({
  runId,
  experiment: 'churn',
  runName,
  status: 'RUNNING',
  startTime: '2026-01-01T00:00:00.000Z',
  lifecycleStage: 'active',
  params: {},
  tags: {},
  metrics: {},
  datasets: [],
  changedAt,
});

/** A run index whose reads the test releases one by one, recording what each asked for. */
class GatedIndex {
  readonly reads: (string | undefined)[] = [];
  entries: RunIndexEntry[] = [];
  private pending: (() => void)[] = [];
  gated = false;

  runIndex = async (experiment: string, changedSince?: string) => {
    this.reads.push(changedSince);
    const snapshot = this.entries.filter((each) => each.experiment === experiment && (changedSince === undefined || each.changedAt > changedSince));
    if (this.gated) await new Promise<void>((resolve) => this.pending.push(resolve));
    return snapshot;
  };

  release(): void {
    for (const resolve of this.pending.splice(0)) resolve();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('RunIndexCache', () => {
  it('reads the whole index first, then only what changed since its last read (less the overlap)', async () => {
    const clock = new FakeClock('2026-01-01T00:01:00.000Z');
    const index = new GatedIndex();
    index.entries = [entry('a', '2026-01-01T00:00:10.000Z'), entry('b', '2026-01-01T00:00:20.000Z')];
    const cache = new RunIndexCache(index, clock, { overlapMs: 10_000 });

    expect((await cache.runs('churn')).map(({ runId }) => runId).sort()).toEqual(['a', 'b']);
    index.entries = [entry('a', '2026-01-01T00:00:10.000Z'), entry('b', '2026-01-01T00:01:05.000Z', 'renamed'), entry('c', '2026-01-01T00:01:06.000Z')];
    clock.advance(10_000);
    const runs = await cache.runs('churn');

    expect(index.reads).toEqual([undefined, '2026-01-01T00:00:50.000Z']);
    expect(runs.map(({ runId, runName }) => `${runId}:${runName}`).sort()).toEqual(['a:a', 'b:renamed', 'c:c']);
  });

  it('keeps the newer of two copies of a run when a delta brings an older one', async () => {
    const index = new GatedIndex();
    index.entries = [entry('a', '2026-01-01T00:00:30.000Z', 'new')];
    const cache = new RunIndexCache(index, new FakeClock('2026-01-01T00:01:00.000Z'));
    await cache.runs('churn');
    index.entries = [entry('a', '2026-01-01T00:00:55.000Z', 'newest'), entry('a', '2026-01-01T00:00:20.000Z', 'old')];

    expect((await cache.runs('churn')).map(({ runName }) => runName)).toEqual(['newest']);
  });

  it('serves callers who arrive during a read with one later read, started after they arrived', async () => {
    const index = new GatedIndex();
    const cache = new RunIndexCache(index, new FakeClock('2026-01-01T00:01:00.000Z'));
    index.gated = true;
    const first = cache.runs('churn');
    await flush();
    // Written after the first read began: the callers below must see it.
    index.entries = [entry('late', '2026-01-01T00:01:00.000Z')];
    const later = [cache.runs('churn'), cache.runs('churn'), cache.runs('churn')];
    await flush();
    expect(index.reads).toHaveLength(1);

    index.release();
    await first;
    await flush();
    index.release();
    const results = await Promise.all(later);

    expect(index.reads).toHaveLength(2);
    for (const runs of results) expect(runs.map(({ runId }) => runId)).toEqual(['late']);
  });

  it('forgets the experiments read longest ago beyond its run limit', async () => {
    const index = new GatedIndex();
    index.entries = [entry('a', 'x'), { ...entry('b', 'x'), experiment: 'other' }];
    const cache = new RunIndexCache(index, new FakeClock('2026-01-01T00:00:00.000Z'), { maxRuns: 1 });
    await cache.runs('churn');
    await cache.runs('other');
    await cache.runs('churn');

    // 'churn' was evicted when 'other' was read: its second read is a full one again.
    expect(index.reads).toEqual([undefined, undefined, undefined]);
  });
});
