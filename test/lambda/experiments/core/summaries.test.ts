import type { MetricSummary } from '../../../../lambda/experiments/core/model';
import { summarize, toSeries } from '../../../../lambda/experiments/core/summaries';

const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const at = (step: number, value: number, timestamp = T0 + step * 1000) => ({ step, value, timestamp });

describe('summarize', () => {
  it('starts a summary from the first batch: last at the highest step, min, max and count', () => {
    const summary = summarize(undefined, [at(0, 0.9), at(1, 0.4), at(2, 0.6)]);

    expect(summary).toEqual({ last: 0.6, lastStep: 2, lastTimestamp: T0 + 2000, min: 0.4, max: 0.9, count: 3 });
  });

  it('keeps the value at the highest step when an earlier step arrives late, in a later batch', () => {
    const first = summarize(undefined, [at(10, 0.1)]);

    const summary = summarize(first, [at(3, 0.7, T0 + 60_000)]);

    expect(summary).toEqual({ last: 0.1, lastStep: 10, lastTimestamp: T0 + 10_000, min: 0.1, max: 0.7, count: 2 });
  });

  it('keeps the value at the highest step when an earlier step comes later in the same batch', () => {
    expect(summarize(undefined, [at(5, 1), at(2, 7)])).toMatchObject({ last: 1, lastStep: 5 });
  });

  it('takes the later timestamp on equal steps, whichever comes first', () => {
    expect(summarize(undefined, [at(4, 1, T0 + 2), at(4, 2, T0 + 1)])).toMatchObject({ last: 1, lastTimestamp: T0 + 2 });
    expect(summarize(undefined, [at(4, 1, T0 + 1), at(4, 2, T0 + 2)])).toMatchObject({ last: 2, lastTimestamp: T0 + 2 });
  });

  it('takes the point logged last on equal step and timestamp', () => {
    expect(summarize(undefined, [at(4, 1, T0), at(4, 2, T0)])).toMatchObject({ last: 2 });
  });

  it('folds min, max and count across batches', () => {
    let summary: MetricSummary | undefined;
    summary = summarize(summary, [at(0, 5), at(1, 3)]);
    summary = summarize(summary, [at(2, 8)]);
    summary = summarize(summary, [at(3, -2), at(4, 4)]);

    expect(summary).toEqual({ last: 4, lastStep: 4, lastTimestamp: T0 + 4000, min: -2, max: 8, count: 5 });
  });

  it('keeps NaN out of min and max (a diverged loss MLflow logs), unless every point is NaN, while last follows the steps', () => {
    const nan = summarize(undefined, [{ step: 0, value: Number.NaN, timestamp: 1 }]);
    expect(nan).toMatchObject({ last: Number.NaN, min: Number.NaN, max: Number.NaN });
    const later = summarize(nan, [
      { step: 1, value: 0.5, timestamp: 2 },
      { step: 2, value: Number.NaN, timestamp: 3 },
    ]);

    expect(later).toEqual({ last: Number.NaN, lastStep: 2, lastTimestamp: 3, min: 0.5, max: 0.5, count: 3 });
  });

  it('fails on no points and no previous summary', () => {
    expect(() => summarize(undefined, [])).toThrow('at least one point');
  });

  it('returns the previous summary unchanged for no points', () => {
    const previous = summarize(undefined, [at(1, 1)]);

    expect(summarize(previous, [])).toEqual(previous);
  });
});

describe('toSeries', () => {
  it("groups points by metric in first-seen order, keeping each metric's points in the order given", () => {
    const series = toSeries(
      [
        { name: 'val/loss', value: 3, step: 9, timestamp: T0 + 3 },
        { name: 'acc', value: 0.1, step: 1, timestamp: T0 + 1 },
        { name: 'val/loss', value: 1, step: 2, timestamp: T0 + 2 },
        { name: 'acc', value: 0.2, step: 0, timestamp: T0 },
      ],
      T0 + 99,
    );

    expect(series).toEqual([
      { name: 'val/loss', points: [at(9, 3, T0 + 3), at(2, 1, T0 + 2)] },
      { name: 'acc', points: [at(1, 0.1, T0 + 1), at(0, 0.2, T0)] },
    ]);
  });

  it('gives points without a timestamp the time passed as now, keeping the ones given', () => {
    const series = toSeries(
      [
        { name: 'loss', value: 1, step: 0 },
        { name: 'loss', value: 2, step: 1, timestamp: T0 },
      ],
      T0 + 500,
    );

    expect(series).toEqual([{ name: 'loss', points: [at(0, 1, T0 + 500), at(1, 2, T0)] }]);
  });

  it('returns no series for no points', () => {
    expect(toSeries([], T0)).toEqual([]);
  });
});
