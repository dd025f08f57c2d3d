import type { SourceRun, SourceRuns } from '../../../../lambda/registry/core/ports';
import { registerModel } from '../../../../lambda/registry/core/register-model';
import { RegisterModelRequest } from '../../../../lambda/registry/core/schemas';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock } from '../../shared/fake-clock';
import { InMemoryArtifactStore, InMemoryRegistryStore, RecordingEventPublisher, sha256Base64 } from '../fakes';

const BUCKET = 'artifact-bucket';
const URI = `s3://${BUCKET}/models/churn/model.tar.gz`;
const RUN_ID = 'a'.repeat(32);

/** Runs by id, and the links the registry asked for. */
class FakeSourceRuns implements SourceRuns {
  readonly links: string[] = [];
  constructor(private readonly runs: Record<string, SourceRun>) {}
  async get(runId: string) {
    return this.runs[runId];
  }
  async linkVersion(runId: string, name: string, version: number) {
    if (!this.links.includes(`${runId} ${name}:${version}`)) this.links.push(`${runId} ${name}:${version}`);
  }
}

function setUp(runs: Record<string, SourceRun> = {}) {
  const store = new InMemoryRegistryStore();
  const artifacts = new InMemoryArtifactStore();
  artifacts.put(URI, 'weights', { checksumSha256: sha256Base64('weights'), checksumType: 'FULL_OBJECT' });
  const sourceRuns = new FakeSourceRuns(runs);
  const register = registerModel({ store, artifacts, events: new RecordingEventPublisher(), clock: new FakeClock(), artifactBucket: BUCKET, sourceRuns });
  const command = (overrides: Record<string, unknown> = {}) => parseRequest(RegisterModelRequest, { name: 'churn', artifact: { uri: URI }, ...overrides });
  return { store, sourceRuns, register, command };
}

const run: SourceRun = {
  runId: RUN_ID,
  experiment: 'churn-training',
  runName: 'churn-training-7',
  status: 'COMPLETED',
  params: { lr: '0.1', epochs: '20' },
  finalMetrics: { auc: 0.93, loss: 0.21 },
};

describe('registerModel with a tracked source run', () => {
  it("copies the run's params and final metrics into the version, the request's own values winning, and links the run", async () => {
    const { store, sourceRuns, register, command } = setUp({ [RUN_ID]: run });

    await register(command({ sourceRunId: RUN_ID, metrics: { auc: 0.95 }, parameters: { epochs: '25' } }));

    expect(await store.getVersion('churn', 1)).toMatchObject({
      sourceRunId: RUN_ID,
      sourceRun: { experiment: 'churn-training', runName: 'churn-training-7' },
      parameters: { lr: '0.1', epochs: '25' },
      metrics: { auc: 0.95, loss: 0.21 },
    });
    expect(sourceRuns.links).toEqual([`${RUN_ID} churn:1`]);
  });

  it('refuses a run id of the tracked form that names no run, at sourceRunId, and writes nothing', async () => {
    const { store, register, command } = setUp();

    const registering = register(command({ sourceRunId: RUN_ID }));

    await expect(registering).rejects.toThrow(ValidationError);
    await expect(registering).rejects.toThrow(/^sourceRunId: is not a run known to experiment tracking/);
    expect(await store.getModel('churn')).toBeUndefined();
  });

  it('keeps another kind of run id (a SageMaker job, a CI run) as given', async () => {
    const { store, sourceRuns, register, command } = setUp();

    await register(command({ sourceRunId: 'sagemaker-training-job-42' }));

    const stored = await store.getVersion('churn', 1);
    expect(stored?.sourceRunId).toBe('sagemaker-training-job-42');
    expect(stored?.sourceRun).toBeUndefined();
    expect(sourceRuns.links).toEqual([]);
  });

  it('links again on a replayed client token, so a link lost to a failure is made by the retry', async () => {
    const { sourceRuns, register, command } = setUp({ [RUN_ID]: run });
    await register(command({ sourceRunId: RUN_ID, clientToken: 'once' }));
    sourceRuns.links.length = 0;

    const replayed = await register(command({ sourceRunId: RUN_ID, clientToken: 'once' }));

    expect(replayed.version).toBe(1);
    expect(sourceRuns.links).toEqual([`${RUN_ID} churn:1`]);
  });

  it.each([
    ['a metric DynamoDB cannot store', { finalMetrics: { auc: 0.93, rows: 2 ** 63 } }, /metrics\.rows: /],
    ['a metric below 1e-130', { finalMetrics: { tiny: 1e-200 } }, /metrics\.tiny: must be 0 or at least 1e-130/],
    ['a __proto__ param', { params: JSON.parse('{"__proto__": "x"}') as Record<string, string> }, /parameters\.__proto__: is a reserved name/],
    ['a param with an OSC escape', { params: { lr: '0.1\u001b]0;pwned\u0007' } }, /parameters\.lr: must not hold control characters/],
  ])('refuses a run that brings %s (stored under older rules) at sourceRunId, taking no version number', async (_, brings, issue) => {
    const { store, register, command } = setUp({ [RUN_ID]: { ...run, ...brings } });

    const registering = register(command({ sourceRunId: RUN_ID }));

    await expect(registering).rejects.toThrow(ValidationError);
    await expect(registering).rejects.toThrow(/^sourceRunId: run churn-training-7 brings params or metrics a version cannot hold/);
    await expect(registering).rejects.toThrow(issue);
    expect(await store.getModel('churn')).toBeUndefined();
  });

  it("copies from an MLflow run only what a version can hold (MLflow's NaN, infinities, long params stay on the run), and registers", async () => {
    const mlflowRun: SourceRun = {
      ...run,
      origin: 'mlflow',
      params: { lr: '0.1', config: 'x'.repeat(5000), 'my param': 'ok' },
      finalMetrics: { auc: 0.93, loss: Number.NaN, grad: Number.POSITIVE_INFINITY },
    };
    const { store, sourceRuns, register, command } = setUp({ [RUN_ID]: mlflowRun });

    await register(command({ sourceRunId: RUN_ID }));

    const version = await store.getVersion('churn', 1);
    expect(version?.parameters).toEqual({ lr: '0.1', 'my param': 'ok' });
    expect(version?.metrics).toEqual({ auc: 0.93 });
    expect(sourceRuns.links).toEqual([`${RUN_ID} churn:1`]);
  });

  it('copies none of an MLflow run whose params would make the version too large, and registers', async () => {
    const params = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`p${i}_${'k'.repeat(200)}`, 'v'.repeat(900)]));
    const { store, register, command } = setUp({ [RUN_ID]: { ...run, origin: 'mlflow', params } });

    await register(command({ sourceRunId: RUN_ID, parameters: { own: '1' } }));

    expect(await store.getVersion('churn', 1)).toMatchObject({ sourceRunId: RUN_ID, parameters: { own: '1' }, metrics: {} });
  });

  it('refuses a run whose params and metrics would make the version too large', async () => {
    const huge: SourceRun = {
      ...run,
      params: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}_${'k'.repeat(240)}`, 'v'.repeat(1000)])),
      finalMetrics: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`m${i}_${'k'.repeat(240)}`, i])),
    };
    const { store, register, command } = setUp({ [RUN_ID]: huge });

    await expect(register(command({ sourceRunId: RUN_ID }))).rejects.toThrow(/^sourceRunId: run churn-training-7 brings too many params and metrics/);
    expect(await store.getModel('churn')).toBeUndefined();
  });
});
