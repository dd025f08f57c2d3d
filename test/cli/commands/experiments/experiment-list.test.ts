import type { ExperimentRecord } from '../../../../lambda/experiments/core/model';
import { cliHarness } from '../../harness';
import { TRACKING_ENV } from './run-fixtures';

const cli = cliHarness();

const experiment = (name: string, runCount: number, lastRunAt: string): ExperimentRecord => ({
  name,
  runCount,
  lastRunAt,
  createdAt: '2026-11-02T08:00:00.000Z',
});

beforeEach(() => {
  cli.reset();
});

describe('mlops experiment list', () => {
  it('prints each experiment with its run count, last run and creation', async () => {
    // Arrange
    cli.answer('query-runs-fn', () => ({
      items: [experiment('churn', 3, '2026-11-20T09:30:00.000Z'), experiment('fraud', 112, '2026-11-24T10:55:00.000Z')],
    }));

    // Act
    const { code, stdout } = await cli.run(['experiment', 'list'], { env: TRACKING_ENV });

    // Assert
    expect(code).toBe(0);
    expect(cli.invocations('query-runs-fn')).toEqual([{ query: 'listExperiments', limit: 20 }]);
    expect(stdout).toBe(
      ['NAME   RUNS  LAST RUN          CREATED', 'churn     3  2026-11-20 09:30  2026-11-02 08:00', 'fraud   112  2026-11-24 10:55  2026-11-02 08:00', ''].join(
        '\n',
      ),
    );
  });

  it('follows pages until --limit experiments are in, asking each page for what is still wanted', async () => {
    cli.answer('query-runs-fn', (payload) =>
      payload.nextToken === undefined
        ? { items: [experiment('a', 1, '2026-11-20T09:30:00.000Z'), experiment('b', 1, '2026-11-20T09:30:00.000Z')], nextToken: 'page-2' }
        : { items: [experiment('c', 1, '2026-11-20T09:30:00.000Z')], nextToken: 'page-3' },
    );

    const { stdout } = await cli.run(['--json', 'experiment', 'list', '--limit', '3'], { env: TRACKING_ENV });

    expect(cli.invocations('query-runs-fn')).toEqual([
      { query: 'listExperiments', limit: 3 },
      { query: 'listExperiments', limit: 1, nextToken: 'page-2' },
    ]);
    expect(JSON.parse(stdout).map((record: ExperimentRecord) => record.name)).toEqual(['a', 'b', 'c']);
  });

  it('says there are no experiments yet, and how one starts', async () => {
    cli.answer('query-runs-fn', () => ({ items: [] }));

    const { code, stdout } = await cli.run(['experiment', 'list'], { env: TRACKING_ENV });

    expect(code).toBe(0);
    expect(stdout).toBe('no experiments yet: a run starts one (mlops run exec --experiment NAME -- ...)\n');
  });

  it('fails with exit code 2 on a --limit that is not a positive count', async () => {
    const { code } = await cli.run(['experiment', 'list', '--limit', '0'], { env: TRACKING_ENV });

    expect(code).toBe(2);
    expect(cli.invocations()).toEqual([]);
  });
});
