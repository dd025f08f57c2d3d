import { compareModelVersions, compareRuns, defaultMode } from '../../../client/experiments/compare-runs';
import { RUN_A, RUN_B, RUN_C, runRecord, summaryOf } from '../../cli/commands/experiments/run-fixtures';
import { fraudVersion } from '../../cli/fixtures';

describe('compareRuns', () => {
  const first = runRecord({
    runId: RUN_A,
    runName: 'a',
    params: { lr: '0.1', seed: '1' },
    metrics: { auc: summaryOf([0.8, 0.9]), val_loss: summaryOf([0.5]) },
  });
  const second = runRecord({ runId: RUN_B, runName: 'b', params: { lr: '0.2', seed: '1' }, metrics: { auc: summaryOf([0.85]), val_loss: summaryOf([0.4]) } });

  it('picks the best run by the first shared metric, higher is better for it, and lists the params that differ', () => {
    const comparison = compareRuns([first, second]);

    expect(comparison).toEqual({
      runIds: [RUN_A, RUN_B],
      metric: 'auc',
      mode: 'max',
      best: [{ runId: RUN_A, runName: 'a', value: 0.9 }],
      differingParams: { lr: ['0.1', '0.2'] },
      equalParams: 1,
      metrics: { auc: [0.9, 0.85], val_loss: [0.5, 0.4] },
    });
  });

  it('judges a loss lower is better, or by the mode given', () => {
    expect(compareRuns([first, second], { metric: 'val_loss' }).best).toEqual([{ runId: RUN_B, runName: 'b', value: 0.4 }]);
    expect(compareRuns([first, second], { metric: 'val_loss', mode: 'max' }).best).toEqual([{ runId: RUN_A, runName: 'a', value: 0.5 }]);
  });

  it('names every run tied for best', () => {
    const third = runRecord({ runId: RUN_C, runName: 'c', metrics: { auc: summaryOf([0.9]) } });

    expect(compareRuns([first, second, third], { metric: 'auc' }).best.map((run) => run.runId)).toEqual([RUN_A, RUN_C]);
  });

  it('has no metric and no best when the runs share no metric and none is asked for', () => {
    const other = runRecord({ runId: RUN_C, metrics: { f1: summaryOf([0.7]) } });

    const comparison = compareRuns([first, other]);

    expect(comparison.metric).toBeUndefined();
    expect(comparison.best).toEqual([]);
  });

  it.each([
    ['val_loss', 'min'],
    ['train/RMSE', 'min'],
    ['mae', 'min'],
    ['error_rate', 'min'],
    ['mse', 'min'],
    ['auc', 'max'],
    ['accuracy', 'max'],
  ])('judges %s by %s by default', (metric, mode) => {
    expect(defaultMode(metric)).toBe(mode);
  });
});

describe('compareModelVersions', () => {
  const production = fraudVersion(11, { metrics: { auc: 0.91, val_loss: 0.3 } });
  const compare = (candidate: ReturnType<typeof fraudVersion>, options: { metric?: string; mode?: 'max' | 'min' } = {}) =>
    compareModelVersions({ candidate, earlier: [], alias: { name: 'production', version: production }, aliases: { production: 11 }, ...options });

  it('says the candidate is better on the first metric it shares with the aliased version, by how much', () => {
    const comparison = compare(fraudVersion(12, { metrics: { auc: 0.93, val_loss: 0.35 } }));

    expect(comparison.metric).toBe('auc');
    expect(comparison.verdict).toEqual({ result: 'better', candidateValue: 0.93, aliasValue: 0.91, difference: expect.closeTo(0.02) });
    expect(comparison.versions.map(({ version, aliases }) => [version, aliases])).toEqual([
      [12, []],
      [11, ['production']],
    ]);
  });

  it('says worse for a higher loss, and equal on the same value', () => {
    expect(compare(fraudVersion(12, { metrics: { val_loss: 0.35 } }), { metric: 'val_loss' }).verdict).toMatchObject({ result: 'worse' });
    expect(compare(fraudVersion(12, { metrics: { auc: 0.91 } })).verdict).toMatchObject({ result: 'equal' });
  });

  it('says when the alias points at the candidate, or there is no alias', () => {
    expect(compare(production).verdict).toEqual({ result: 'same-version' });
    expect(compareModelVersions({ candidate: fraudVersion(12), earlier: [production], aliases: {} }).verdict).toEqual({ result: 'no-alias' });
  });

  it('cannot tell when a version lacks the metric, and says which', () => {
    expect(compare(fraudVersion(12, { metrics: { auc: 0.9 } }), { metric: 'f1' }).verdict).toEqual({ result: 'unknown', missingFrom: [12, 11] });
  });
});
