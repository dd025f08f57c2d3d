import { MlopsError } from './errors';

export interface RetryOptions {
  /** Attempts in all, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** The first back-off ceiling; it doubles per attempt (full jitter). @default 200 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** @default - a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'EC2ThrottledException', 'RequestLimitExceeded']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ENETUNREACH']);
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * True for failures where the request may not have arrived or was turned away before running:
 * throttling, network errors, Lambda service faults and the function's own timeout. Retrying
 * those is safe only for idempotent requests (a register call with a client token).
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof MlopsError) return error.errorType === 'Sandbox.Timedout';
  if (!(error instanceof Error)) return false;
  const details = error as Error & { code?: string; $retryable?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number } };
  if (details.$retryable || THROTTLING.has(error.name) || TIMEOUTS.has(error.name)) return true;
  if (details.code !== undefined && NETWORK.has(details.code)) return true;
  return details.$fault === 'server' && (details.$metadata?.httpStatusCode ?? 0) >= 500;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it succeeds or fails with a non-transient error or runs out of attempts. */
export async function retryTransient<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { maxAttempts = 4, baseDelayMs = 200, maxDelayMs = 5000, sleep = timer } = options;
  for (let round = 1; ; round++) {
    try {
      return await attempt();
    } catch (error) {
      if (round >= maxAttempts || !isTransient(error)) throw error;
      await sleep(Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (round - 1)));
    }
  }
}
