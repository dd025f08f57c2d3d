import { compareModelVersions, compareRuns } from '../../../client/experiments/compare-runs';
import { RUN_A, RUN_B, runRecord, summaryOf } from '../../cli/commands/experiments/run-fixtures';
import { fraudVersion } from '../../cli/fixtures';

/** Params and metrics named like `Object.prototype`'s members are the runs' own data, present or absent. */
describe('comparisons with keys named constructor or toString', () => {
  const withKeys = runRecord({ runId: RUN_A, runName: 'a', params: { constructor: 'x' }, metrics: { toString: summaryOf([0.9]) } });
  const without = runRecord({ runId: RUN_B, runName: 'b', params: {}, metrics: {} });

  it('counts a param only one run has as differing, null for the other', () => {
    expect(compareRuns([withKeys, without]).differingParams).toEqual({ constructor: ['x', null] });
  });

  it('leaves out a run without the metric asked for, rather than comparing a function', () => {
    const comparison = compareRuns([withKeys, without], { metric: 'toString' });

    expect(comparison.best).toEqual([{ runId: RUN_A, runName: 'a', value: 0.9 }]);
    expect(comparison.metrics).toEqual({ toString: [0.9, null] });
  });

  it('says which version lacks a metric named constructor', () => {
    const candidate = fraudVersion(12, { metrics: { constructor: 0.9 } });
    const production = fraudVersion(11, { metrics: { auc: 0.8 } });

    const comparison = compareModelVersions({ candidate, alias: { name: 'production', version: production }, earlier: [], aliases: {}, metric: 'constructor' });

    expect(comparison.verdict).toEqual({ result: 'unknown', missingFrom: [11] });
  });
});
