import { latencyOverhead } from '../../bench/latency-overhead';

describe('latencyOverhead', () => {
  test('gives each path its p50 and p95 and the wrapper over the wrapped at each', () => {
    // Arrange: the wrapped path takes 1..20 ms, the wrapper 10 ms more on every request.
    const wrapped = Array.from({ length: 20 }, (_, index) => index + 1);
    const wrapper = wrapped.map((ms) => ms + 10);

    // Act
    const overhead = latencyOverhead(wrapper, wrapped);

    // Assert: by nearest rank, p50 of 20 samples is the 10th, p95 the 19th; a fixed cost weighs less on the tail.
    expect(overhead).toEqual({
      wrapper: { samples: 20, p50Ms: 20, p95Ms: 29 },
      wrapped: { samples: 20, p50Ms: 10, p95Ms: 19 },
      ratio: { p50: 2, p95: 1.53 },
    });
  });

  test('reads the quantiles whatever order the samples came in', () => {
    const overhead = latencyOverhead([8, 1, 4, 2], [2, 1, 1, 2]);

    expect(overhead.ratio).toEqual({ p50: 2, p95: 4 });
    expect(overhead.wrapper).toMatchObject({ p50Ms: 2, p95Ms: 8 });
  });

  test('fails without samples of both paths', () => {
    expect(() => latencyOverhead([1], [])).toThrow('latencyOverhead needs samples of both paths');
    expect(() => latencyOverhead([], [1])).toThrow('latencyOverhead needs samples of both paths');
  });
});
