import type { Clock } from '../../shared/clock';
import type { RunIndexEntry } from './model';
import type { MlflowTrackingStore } from './ports';

export interface RunIndexCacheOptions {
  /**
   * How far before its last read a refresh looks again: the index is a global secondary index,
   * updated a moment after the run, so a change can reach it after a read that started later.
   * @default 10_000
   */
  readonly overlapMs?: number;
  /**
   * Runs kept in memory, over all experiments; the experiments read longest ago go first.
   * @default 200_000
   */
  readonly maxRuns?: number;
}

interface CachedExperiment {
  readonly runs: Map<string, RunIndexEntry>;
  /** When the last read of the index started (epoch ms). */
  readAt: number;
}

/** The refresh of one experiment in flight, and the one queued behind it for callers who came later. */
interface Refreshes {
  running?: Promise<void>;
  queued?: Promise<void>;
}

/**
 * The experiments' run index entries held by one function instance between searches. The first
 * search of an experiment reads all its runs (its shards in parallel); the next ones read only the
 * runs changed since, which the index is sorted by. A run never leaves its experiment's index
 * (deleting one changes its lifecycle field), so entries are only ever added or replaced.
 */
export class RunIndexCache {
  private readonly experiments = new Map<string, CachedExperiment>();
  private readonly refreshes = new Map<string, Refreshes>();
  private readonly overlapMs: number;
  private readonly maxRuns: number;

  constructor(
    private readonly store: Pick<MlflowTrackingStore, 'runIndex'>,
    private readonly clock: Clock,
    options: RunIndexCacheOptions = {},
  ) {
    this.overlapMs = options.overlapMs ?? 10_000;
    this.maxRuns = options.maxRuns ?? 200_000;
  }

  /**
   * The experiment's runs as of now: everything committed before the call is in them. Concurrent
   * callers share reads: one that arrives while a refresh runs waits for the next refresh, which
   * starts after it arrived and serves everyone who came meanwhile.
   */
  async runs(experiment: string): Promise<readonly RunIndexEntry[]> {
    await this.refreshAfterNow(experiment);
    return [...(this.experiments.get(experiment)?.runs.values() ?? [])];
  }

  private refreshAfterNow(experiment: string): Promise<void> {
    let state = this.refreshes.get(experiment);
    if (!state) this.refreshes.set(experiment, (state = {}));
    const refreshes = state;
    if (!refreshes.running) {
      refreshes.running = this.refresh(experiment).finally(() => {
        refreshes.running = undefined;
      });
      return refreshes.running;
    }
    // The running refresh may have started before this caller's writes: wait for one that starts after.
    refreshes.queued ??= refreshes.running
      .catch(() => undefined)
      .then(() => {
        refreshes.queued = undefined;
        return this.refreshAfterNow(experiment);
      });
    return refreshes.queued;
  }

  private async refresh(experiment: string): Promise<void> {
    const readAt = this.clock.now().getTime();
    const cached = this.experiments.get(experiment);
    const since = cached && new Date(cached.readAt - this.overlapMs).toISOString();
    const entries = await this.store.runIndex(experiment, since);
    const current = cached ?? { runs: new Map<string, RunIndexEntry>(), readAt };
    for (const entry of entries) {
      const known = current.runs.get(entry.runId);
      if (!known || known.changedAt <= entry.changedAt) current.runs.set(entry.runId, entry);
    }
    current.readAt = readAt;
    // Most recently read last, so eviction takes the experiments read longest ago.
    this.experiments.delete(experiment);
    this.experiments.set(experiment, current);
    this.evict();
  }

  private evict(): void {
    let total = [...this.experiments.values()].reduce((sum, { runs }) => sum + runs.size, 0);
    for (const [name, { runs }] of this.experiments) {
      if (total <= this.maxRuns || this.experiments.size === 1) return;
      this.experiments.delete(name);
      total -= runs.size;
    }
  }
}
