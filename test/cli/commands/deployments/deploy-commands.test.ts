import type { CliClock } from '../../../../cli/context';
import { cliHarness } from '../../harness';
import { change, checkOf, creatingDeployment, deployment, revision, traffic } from './deployment-fixtures';

const DEPLOY_ENV = {
  MLOPS_CREATE_DEPLOYMENT_FUNCTION: 'create-fn',
  MLOPS_UPDATE_DEPLOYMENT_FUNCTION: 'update-fn',
  MLOPS_ROLLBACK_DEPLOYMENT_FUNCTION: 'rollback-fn',
  MLOPS_DELETE_DEPLOYMENT_FUNCTION: 'delete-fn',
  MLOPS_QUERY_DEPLOYMENTS_FUNCTION: 'query-deployments-fn',
  MLOPS_QUERY_MONITORING_FUNCTION: 'query-monitoring-fn',
  MLOPS_ACTOR: 'ana@laptop',
};

const cli = cliHarness();
let now = Date.parse('2026-12-01T10:07:00.000Z');
const clock: CliClock = {
  now: () => now,
  sleep: async (ms) => {
    now += ms;
  },
};
const run = (args: string[]) => cli.run(args, { env: DEPLOY_ENV, context: { clock } });

beforeEach(() => {
  cli.reset();
  now = Date.parse('2026-12-01T10:07:00.000Z');
});

describe('mlops deploy create', () => {
  it('creates a serverless deployment with the defaults, says what it costs idle, and prints it', async () => {
    cli.answer('create-fn', () => creatingDeployment());

    const { code, stdout, stderr } = await run(['deploy', 'create', 'churn-live', '--image', 'churn-scorer:4']);

    expect(code).toBe(0);
    expect(cli.invocations('create-fn')).toEqual([
      {
        name: 'churn-live',
        image: 'churn-scorer',
        version: 4,
        compute: { kind: 'serverless', memoryMb: 2048, maxConcurrency: 5 },
        strategy: { kind: 'all-at-once', bakeMinutes: 10 },
        alarms: { errorRatePercent: 5, latencyP99Ms: 1000 },
        clientToken: expect.any(String),
        actor: 'ana@laptop',
      },
    ]);
    expect(stderr).toBe('serverless, 2 GB, up to 5 requests at once: billed per request, nothing while idle\n');
    expect(stdout).toContain('deployment churn-live  CREATING\n');
    expect(stdout).toMatch(/^traffic +none yet: revision 1 \(churn-scorer:4\) is being created$/m);
  });

  it('deploys on instances with a canary and its alarms, saying they are billed by the hour', async () => {
    cli.answer('create-fn', (payload) => ({ ...creatingDeployment(), compute: payload.compute }));

    const { code, stderr } = await run([
      'deploy',
      'create',
      'churn-live',
      '--image',
      'churn-scorer:4',
      '--instance-type',
      'ml.m5.large',
      '--instance-count',
      '2',
      '--canary-percent',
      '20',
      '--bake',
      '5m',
      '--max-error-rate',
      '0.5',
      '--max-latency-p99',
      '800ms',
    ]);

    expect(code).toBe(0);
    expect(cli.invocations('create-fn')[0]).toMatchObject({
      compute: { kind: 'instances', instanceType: 'ml.m5.large', count: 2 },
      strategy: { kind: 'canary', percent: 20, bakeMinutes: 5 },
      alarms: { errorRatePercent: 0.5, latencyP99Ms: 800 },
    });
    expect(stderr).toBe('2 x ml.m5.large: billed by the hour while the deployment exists, idle or not\n');
  });

  it('follows an alias with --follow and an image without a version', async () => {
    cli.answer('create-fn', () => creatingDeployment());

    await run(['deploy', 'create', 'churn-live', '--image', 'churn-scorer', '--follow', 'churn@production']);

    expect(cli.invocations('create-fn')[0]).toMatchObject({ image: 'churn-scorer', follow: { model: 'churn', alias: 'production' } });
    expect(cli.invocations('create-fn')[0]).not.toHaveProperty('version');
  });

  it.each([
    [['--image', 'churn-scorer'], '--image needs a version'],
    [['--image', 'churn-scorer:4', '--follow', 'churn@production'], 'without a version with --follow'],
    [['--image', 'churn-scorer:4', '--strategy', 'canary', '--step-percent', '20'], '--step-percent do not apply to --strategy canary'],
    [['--image', 'churn-scorer:4', '--memory', '2048', '--instance-type', 'ml.m5.large'], '--memory apply to serverless deployments'],
    [['--image', 'churn-scorer:4', '--instance-count', '2'], '--instance-count needs --instance-type'],
    [['--image', 'churn-scorer:4', '--canary-percent', '10'], 'strategy: canary and linear split traffic between two fleets'],
    [['--image', 'churn-scorer:4', '--instance-type', 'ml.m5.huge'], 'compute.instanceType: is not an instance type SageMaker hosts endpoints on'],
    [['--image', 'churn-scorer:4', '--bake', '90s'], 'expected whole minutes'],
  ])('refuses %j before calling anything', async (args, message) => {
    cli.answer('create-fn', () => creatingDeployment());

    const { code, stderr } = await run(['deploy', 'create', 'churn-live', ...args]);

    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
    expect(cli.invocations('create-fn')).toEqual([]);
  });

  it('with --wait, follows the deployment to IN_SERVICE, a line per status off a terminal', async () => {
    cli.answer('create-fn', () => creatingDeployment());
    const answers = [creatingDeployment(), deployment()];
    cli.answer('query-deployments-fn', () => answers.shift());

    const { code, stdout, stderr } = await run(['deploy', 'create', 'churn-live', '--image', 'churn-scorer:4', '--wait', '--poll', '5s']);

    expect(code).toBe(0);
    expect(stderr.split('\n')).toEqual([
      'serverless, 2 GB, up to 5 requests at once: billed per request, nothing while idle',
      'churn-live  CREATING  revision 1 churn-scorer:4  elapsed 0ms',
      'churn-live  IN_SERVICE  revision 1 churn-scorer:4  elapsed 5.0s',
      '',
    ]);
    expect(stdout).toContain('deployment churn-live  IN_SERVICE\n');
    expect(stdout).toMatch(/^traffic +100% churn-scorer:4 \(revision 1\)$/m);
  });

  it('with --wait, exits 1 when the deployment FAILED', async () => {
    cli.answer('create-fn', () => creatingDeployment());
    cli.answer('query-deployments-fn', () => deployment({ status: 'FAILED', current: undefined, reason: 'the container did not pass its ping' }));

    const { code, stdout } = await run(['deploy', 'create', 'churn-live', '--image', 'churn-scorer:4', '--wait']);

    expect(code).toBe(1);
    expect(stdout).toMatch(/^reason +the container did not pass its ping$/m);
  });
});

describe('mlops deploy update, rollback, delete', () => {
  it('updates to a version with a strategy for this update, and exits 1 when --wait sees it rolled back', async () => {
    const updating = deployment({ status: 'UPDATING', lastRevision: 2, pending: revision(2, 5, { bakeUntil: '2026-12-01T10:12:00.000Z' }) });
    cli.answer('update-fn', () => updating);
    cli.answer('query-deployments-fn', () => deployment({ lastRevision: 2, reason: 'alarm mlops-churn-live-5xx-rate fired: rolled back' }));

    const { code, stdout } = await run(['deploy', 'update', 'churn-live', '--version', '5', '--bake', '2', '--wait']);

    expect(cli.invocations('update-fn')).toEqual([{ name: 'churn-live', version: 5, strategy: { kind: 'all-at-once', bakeMinutes: 2 }, actor: 'ana@laptop' }]);
    expect(stdout).toMatch(/^reason +alarm mlops-churn-live-5xx-rate fired: rolled back$/m);
    expect(code).toBe(1);
  });

  it('shows the platform bake of a serverless rollout as its traffic', async () => {
    cli.answer('update-fn', () => deployment({ status: 'UPDATING', pending: revision(2, 5, { bakeUntil: '2026-12-01T10:12:00.000Z' }) }));

    const { stdout } = await run(['deploy', 'update', 'churn-live', '--version', '5']);

    expect(stdout).toMatch(/^traffic +100% churn-scorer:5 \(revision 2\), baking for 5m 00s more: an alarm sends it back to churn-scorer:4$/m);
  });

  it('rolls back in one call, and passes a refusal on with its message', async () => {
    cli.answer('rollback-fn', () => ({ errorType: 'ConflictError', errorMessage: 'deployment churn-live is UPDATING: SageMaker runs its rollout' }));

    const { code, stderr } = await run(['deploy', 'rollback', 'churn-live']);

    expect(code).not.toBe(0);
    expect(stderr).toContain('SageMaker runs its rollout');
    expect(cli.invocations('rollback-fn')).toEqual([{ name: 'churn-live', actor: 'ana@laptop' }]);
  });

  it('deletes, and --json prints the record only', async () => {
    cli.answer('delete-fn', () => deployment({ status: 'DELETING' }));

    const { code, stdout } = await run(['--json', 'deploy', 'delete', 'churn-live']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(deployment({ status: 'DELETING' }));
  });
});

describe('mlops deploy status, list, history', () => {
  it('status shows what is served, its traffic, compute and cost, strategy, alarms, the rollback target, the versions rolled back, a traffic chart, each revision and the drift verdict', async () => {
    const record = deployment({
      lastRevision: 3,
      current: revision(2, 5),
      previous: revision(1, 4),
      follow: { model: 'churn', alias: 'production' },
      rolledBackVersions: [6],
    });
    cli.answer('query-deployments-fn', (payload) => (payload.query === 'getDeployment' ? record : traffic()));
    cli.answer('query-monitoring-fn', () => ({ ...checkOf('drift'), driftedFeatures: ['monthly_charges', 'support_calls'] }));

    const { code, stdout } = await run(['deploy', 'status', 'churn-live', '--hours', '3']);

    expect(code).toBe(0);
    expect(cli.invocations('query-deployments-fn')).toEqual([
      { query: 'getDeployment', name: 'churn-live' },
      { query: 'deploymentTraffic', name: 'churn-live', hours: 3 },
    ]);
    expect(cli.invocations('query-monitoring-fn')).toEqual([{ query: 'getCheck', monitor: 'churn-live' }]);
    expect(stdout).toBe(
      [
        'deployment churn-live  IN_SERVICE',
        '',
        'endpoint     mlops-churn-live',
        'serving      churn-scorer:5 (churn v6), revision 2, since 2026-12-01 10:00',
        'traffic      100% churn-scorer:5 (revision 2)',
        "follows      churn@production: a move rolls its version's image out",
        'compute      serverless, 2 GB, up to 5 requests at once: billed per request, nothing while idle',
        'strategy     all at once, then 10m of bake',
        "alarms       roll back when the new version's 5xx share passes 5% or its p99 model latency 1000 ms",
        'rollback to  churn-scorer:4, revision 1',
        'rolled back  churn-scorer:6: following churn@production passes over it (deploy update --version N rolls one out anyway)',
        'created      2026-12-01 10:00 by ana@laptop',
        'updated      2026-12-01 10:06',
        '',
        'traffic over the last 3 hours, this one included (requests per hour, from the capture)',
        '  ▁▃█',
        '  300 requests, 4 callers (20 requests named no caller); latest hour 200',
        '  CloudWatch: 300 invocations, 3 answered 5xx (1%), model latency p99 41.5 ms in the worst hour',
        '',
        'REVISION  IMAGE           MODELS    INVOCATIONS  5XX    P99',
        '       2  churn-scorer:5  churn v6          290    3  41 ms',
        '       1  churn-scorer:4  churn v5           10    0      -',
        '',
        'drift     DRIFT in monthly_charges, support_calls: the window to 2026-12-01 10:00, 250 records, drift share 0.5 (mlops monitor status churn-live)',
        '',
      ].join('\n'),
    );
  });

  it('status says when the monitor has no check yet, and --json holds the record, traffic and verdict', async () => {
    cli.answer('query-deployments-fn', (payload) => (payload.query === 'getDeployment' ? deployment() : traffic()));
    cli.answer('query-monitoring-fn', () => ({ errorType: 'NotFoundError', errorMessage: 'monitor churn-live has no checks yet' }));

    const text = await run(['deploy', 'status', 'churn-live']);
    const json = await run(['--json', 'deploy', 'status', 'churn-live']);

    expect(text.stdout).toContain('drift     no check yet: its monitor checks each hour (mlops monitor list)');
    expect(JSON.parse(json.stdout)).toEqual({ ...deployment(), traffic: traffic(), drift: null });
  });

  it('list shows every deployment in a table, and says how to start when there is none', async () => {
    const pages = [{ items: [deployment(), deployment({ name: 'fraud', compute: { kind: 'instances', instanceType: 'ml.m5.large', count: 2 } })] }];
    cli.answer('query-deployments-fn', () => pages.shift() ?? { items: [] });

    expect((await run(['deploy', 'list'])).stdout).toBe(
      [
        'NAME        STATUS      SERVING         ROLLING OUT  COMPUTE          FOLLOWS  UPDATED',
        'churn-live  IN_SERVICE  churn-scorer:4  -            serverless 2 GB  -        2026-12-01 10:06',
        'fraud       IN_SERVICE  churn-scorer:4  -            2 x ml.m5.large  -        2026-12-01 10:06',
        '',
      ].join('\n'),
    );
    expect((await run(['deploy', 'list'])).stdout).toBe('no deployments yet: mlops deploy create NAME --image IMAGE:VERSION\n');
  });

  it('history lists the state changes newest first', async () => {
    cli.answer('query-deployments-fn', () => ({
      items: [change({ from: 'CREATING', to: 'IN_SERVICE', reason: 'the endpoint is InService', at: '2026-12-01T10:06:00.000Z', by: undefined }), change()],
    }));

    expect((await run(['deploy', 'history', 'churn-live'])).stdout).toBe(
      [
        'AT                REVISION  CHANGE                  IMAGE           BY          REASON',
        '2026-12-01 10:06         1  CREATING -> IN_SERVICE  churn-scorer:4  -           the endpoint is InService',
        '2026-12-01 10:00         1  - -> CREATING           churn-scorer:4  ana@laptop  created',
        '',
      ].join('\n'),
    );
  });
});
