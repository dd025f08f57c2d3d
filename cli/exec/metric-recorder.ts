import { MAX_METRICS_PER_RUN, MAX_PARAMS_PER_RUN, MAX_TAGS_PER_RUN } from '../../lambda/experiments/core/schemas';
import { parseMetricLine, type TrackingUpdate } from './metric-lines';

/** What the recorder logs to: an `ActiveRun`, which buffers and sends in batches. */
export interface RunLog {
  log(metrics: Record<string, number>, step?: number, timestamp?: number): void;
  logParams(params: Record<string, string>): void;
  setTags(tags: Record<string, string>): void;
}

export interface MetricRecorderOptions {
  /** Prints one warning line (to stderr). */
  readonly warn: (message: string) => void;
  /** Epoch milliseconds: the time a point without its own timestamp was printed. */
  readonly now: () => number;
  /** The params the run started with: params are write-once. */
  readonly initialParams?: Readonly<Record<string, string>>;
  readonly initialTags?: Readonly<Record<string, string>>;
  /** Warnings printed before the rest are counted silently. @default 10 */
  readonly maxWarnings?: number;
}

const preview = (line: string) => {
  const text = line.trim();
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/**
 * Reads a command's output lines and logs the tracking lines among them to the run. A line the
 * tracker would refuse (malformed, a param changed, over the run's limits) is skipped with a
 * warning before it is sent, so it cannot fail the batch the good lines around it travel in.
 */
export class MetricRecorder {
  /** Metric values logged. */
  points = 0;
  /** Tracking lines skipped. */
  skipped = 0;
  private readonly lineNumbers = { stdout: 0, stderr: 0 };
  private readonly params: Map<string, string>;
  private readonly tags: Set<string>;
  private readonly metricNames = new Set<string>();

  constructor(
    private readonly run: RunLog,
    private readonly options: MetricRecorderOptions,
  ) {
    this.params = new Map(Object.entries(options.initialParams ?? {}));
    this.tags = new Set(Object.keys(options.initialTags ?? {}));
  }

  read(line: string, stream: 'stdout' | 'stderr'): void {
    const number = ++this.lineNumbers[stream];
    const parsed = parseMetricLine(line);
    if (parsed.kind === 'output') return;
    const problem = parsed.kind === 'malformed' ? parsed.problem : this.refusal(parsed.update);
    if (problem !== undefined || parsed.kind === 'malformed') this.skip(`${stream} line ${number} (${preview(line)}): ${problem}`);
    else this.apply(parsed.update);
  }

  /** Says how many warnings were not printed, if any. */
  finish(): void {
    const limit = this.options.maxWarnings ?? 10;
    if (this.skipped > limit) this.options.warn(`${this.skipped - limit} more tracking lines were skipped without a warning`);
  }

  private skip(message: string): void {
    this.skipped++;
    const limit = this.options.maxWarnings ?? 10;
    if (this.skipped <= limit) this.options.warn(`skipped ${message}`);
  }

  /** Why the tracker would refuse the update, given what this run has logged so far. */
  private refusal(update: TrackingUpdate): string | undefined {
    const changed = Object.entries(update.params ?? {}).find(([key, value]) => this.params.has(key) && this.params.get(key) !== value);
    if (changed) return `param ${changed[0]} is "${this.params.get(changed[0])}" already (params are write-once)`;
    const over = (known: { has(key: string): boolean; size: number }, keys: string[], max: number) =>
      known.size + keys.filter((key) => !known.has(key)).length > max;
    if (over(this.metricNames, Object.keys(update.metrics ?? {}), MAX_METRICS_PER_RUN)) return `a run holds at most ${MAX_METRICS_PER_RUN} distinct metrics`;
    if (over(this.params, Object.keys(update.params ?? {}), MAX_PARAMS_PER_RUN)) return `a run holds at most ${MAX_PARAMS_PER_RUN} params`;
    if (over(this.tags, Object.keys(update.tags ?? {}), MAX_TAGS_PER_RUN)) return `a run holds at most ${MAX_TAGS_PER_RUN} tags`;
    return undefined;
  }

  private apply(update: TrackingUpdate): void {
    const newParams = Object.entries(update.params ?? {}).filter(([key]) => !this.params.has(key));
    if (newParams.length > 0) {
      newParams.forEach(([key, value]) => this.params.set(key, value));
      this.run.logParams(Object.fromEntries(newParams));
    }
    if (update.tags && Object.keys(update.tags).length > 0) {
      Object.keys(update.tags).forEach((key) => this.tags.add(key));
      this.run.setTags({ ...update.tags });
    }
    const metrics = update.metrics ?? {};
    const names = Object.keys(metrics);
    if (names.length > 0) {
      names.forEach((name) => this.metricNames.add(name));
      this.run.log({ ...metrics }, update.step, update.timestamp ?? this.options.now());
      this.points += names.length;
    }
  }
}
