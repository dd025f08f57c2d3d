import { ConflictError } from '../../../lambda/shared/errors';
import { DEFAULT_RETRY_POLICY, retryOptimistically } from '../../../lambda/shared/optimistic-retry';
import { FakeClock } from './fake-clock';

const policy = { deadlineMs: 1_000, baseDelayMs: 10, maxDelayMs: 80 };

/** An attempt that loses `losses` races, then returns `result`. */
function losingAttempt<T>(losses: number, result: T) {
  let calls = 0;
  const attempt = jest.fn(async () => (calls++ < losses ? undefined : result));
  return attempt;
}

describe('retryOptimistically', () => {
  afterEach(() => jest.restoreAllMocks());

  it('returns the first result without sleeping', async () => {
    const clock = new FakeClock();

    const result = await retryOptimistically(clock, policy, losingAttempt(0, 'won'), () => 'contention');

    expect(result).toBe('won');
    expect(clock.sleeps).toEqual([]);
  });

  it('retries lost races until an attempt returns a result', async () => {
    const clock = new FakeClock();
    const attempt = losingAttempt(4, 'won');

    const result = await retryOptimistically(clock, policy, attempt, () => 'contention');

    expect(result).toBe('won');
    expect(attempt).toHaveBeenCalledTimes(5);
    expect(clock.sleeps).toHaveLength(4);
  });

  it('backs off with full jitter under an exponential ceiling capped at maxDelayMs', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999999);
    const clock = new FakeClock();

    await retryOptimistically(clock, policy, losingAttempt(5, 'won'), () => 'contention');

    expect(clock.sleeps.map(Math.round)).toEqual([10, 20, 40, 80, 80]);
  });

  it('returns falsy results other than undefined', async () => {
    const clock = new FakeClock();

    await expect(retryOptimistically(clock, policy, losingAttempt(0, 0), () => 'contention')).resolves.toBe(0);
  });

  it('fails with ConflictError, described by the caller, once the deadline passes', async () => {
    const clock = new FakeClock();
    const start = clock.now().getTime();

    const attempt = retryOptimistically(
      clock,
      DEFAULT_RETRY_POLICY,
      async () => undefined,
      () => 'too many concurrent moves',
    );

    await expect(attempt).rejects.toThrow(new ConflictError('too many concurrent moves'));
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(DEFAULT_RETRY_POLICY.deadlineMs);
  });

  it('fails with the error an attempt throws, without retrying', async () => {
    const clock = new FakeClock();
    const attempt = jest.fn(async () => {
      throw new Error('boom');
    });

    await expect(retryOptimistically(clock, policy, attempt, () => 'contention')).rejects.toThrow('boom');
    expect(attempt).toHaveBeenCalledTimes(1);
  });
});
