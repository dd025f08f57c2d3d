import type { Clock } from './clock';
import { ConflictError } from './errors';

export interface RetryPolicy {
  /** Give up after this long, leaving the caller time to answer within the function timeout. */
  readonly deadlineMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { deadlineMs: 20_000, baseDelayMs: 5, maxDelayMs: 250 };

/**
 * Runs `attempt` until it returns a result, backing off with full jitter whenever it returns
 * `undefined` (it lost an optimistic race). Losers spread out, so many concurrent callers settle
 * in a few rounds instead of colliding again.
 */
export async function retryOptimistically<T>(
  clock: Clock,
  policy: RetryPolicy,
  attempt: () => Promise<T | undefined>,
  describeContention: () => string,
): Promise<T> {
  const deadline = clock.now().getTime() + policy.deadlineMs;
  for (let round = 0; ; round++) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (clock.now().getTime() >= deadline) throw new ConflictError(describeContention());
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(round, 16));
    await clock.sleep(Math.random() * ceiling);
  }
}
