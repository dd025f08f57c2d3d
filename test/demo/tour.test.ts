import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { VersionRef } from '../../client/registry/registry-client';
import { runTour, type TourRegistry, type TourResult, TRAIN_SCRIPT } from '../../demo/tour';
import type { AliasChangeRecord, ModelVersionRecord } from '../../lambda/registry/core/model';
import { type ModelDetails, queryRegistry } from '../../lambda/registry/core/query-registry';
import { registerModel } from '../../lambda/registry/core/register-model';
import { QueryRegistryRequest, RegisterModelRequest, SetModelAliasRequest } from '../../lambda/registry/core/schemas';
import { setModelAlias } from '../../lambda/registry/core/set-model-alias';
import { ConflictError } from '../../lambda/shared/errors';
import type { Page } from '../../lambda/shared/page';
import { parseRequest } from '../../lambda/shared/validation';
import { InMemoryArtifactStore, InMemoryRegistryStore, RecordingEventPublisher, sha256Base64, sha256Hex } from '../lambda/registry/fakes';
import { FakeClock } from '../lambda/shared/fake-clock';

const execFileAsync = promisify(execFile);
const BUCKET = 'demo-artifacts';

/**
 * The registry the tour talks to, on the real use cases, request schemas and in-memory stores:
 * a request the deployed functions would refuse fails here too. Uploads go to an in-memory
 * bucket with S3's full-object checksum, as a single PUT gets.
 */
function inMemoryRegistry(): TourRegistry {
  const store = new InMemoryRegistryStore();
  const artifacts = new InMemoryArtifactStore();
  const events = new RecordingEventPublisher();
  const clock = new FakeClock('2026-11-24T14:00:00.000Z');
  const register = registerModel({ store, artifacts, events, clock, artifactBucket: BUCKET });
  const moveAlias = setModelAlias({ store, events, clock });
  const query = queryRegistry(store);
  const ask = async <T>(request: QueryRegistryRequest) => (await query(parseRequest(QueryRegistryRequest, request))) as T;
  let uploads = 0;
  return {
    async registerModelFromFile(file, request) {
      const body = await readFile(file);
      const uri = `s3://${BUCKET}/models/${request.name}/upload-${++uploads}/${basename(file)}`;
      artifacts.put(uri, body, { checksumSha256: sha256Base64(body), checksumType: 'FULL_OBJECT' });
      clock.advance(60_000);
      return register(parseRequest(RegisterModelRequest, { ...request, artifact: { uri, sha256: sha256Hex(body) } }));
    },
    async setAlias(request) {
      clock.advance(60_000);
      return moveAlias(parseRequest(SetModelAliasRequest, request));
    },
    getModel: (name) => ask<ModelDetails>({ query: 'getModel', name }),
    getVersion: (name, ref: VersionRef = 'latest') =>
      ask<ModelVersionRecord>({
        query: 'getVersion',
        name,
        ...(typeof ref === 'number' ? { version: ref } : ref === 'latest' ? { version: 'latest' as const } : { alias: ref }),
      }),
    aliasHistory: (name, alias, page = {}) => ask<Page<AliasChangeRecord>>({ query: 'aliasHistory', name, ...(alias === undefined ? {} : { alias }), ...page }),
  };
}

interface ScriptRun {
  readonly stdout: string;
  readonly files: Record<'model.json' | 'metrics.json' | 'train.csv' | 'validation.csv', string>;
  readonly metrics: Record<string, number>;
  readonly model: {
    readonly features: string[];
    readonly weights: number[];
    readonly bias: number;
    readonly hyperparameters: Record<string, number>;
    readonly data: Record<'train' | 'validation', { file: string; rows: number; sha256: string }>;
  };
}

let workRoot: string;
let runs = 0;
const freshDir = (label: string) => join(workRoot, `${label}-${++runs}`);

async function trainScript(args: { epochs: number; learningRate: number; seed: number }): Promise<ScriptRun> {
  const out = freshDir('script');
  const { stdout } = await execFileAsync(process.execPath, [
    TRAIN_SCRIPT,
    '--epochs',
    String(args.epochs),
    '--learning-rate',
    String(args.learningRate),
    '--seed',
    String(args.seed),
    '--out',
    out,
  ]);
  const read = (file: string) => readFileSync(join(out, file), 'utf8');
  const files = {
    'model.json': read('model.json'),
    'metrics.json': read('metrics.json'),
    'train.csv': read('train.csv'),
    'validation.csv': read('validation.csv'),
  };
  return { stdout, files, metrics: JSON.parse(files['metrics.json']), model: JSON.parse(files['model.json']) };
}

beforeAll(() => {
  workRoot = mkdtempSync(join(tmpdir(), 'demo-tour-'));
});

afterAll(() => {
  rmSync(workRoot, { recursive: true, force: true });
});

describe('train-model.mjs', () => {
  let quick: ScriptRun;
  let thorough: ScriptRun;

  beforeAll(async () => {
    [quick, thorough] = await Promise.all([trainScript({ epochs: 5, learningRate: 0.1, seed: 7 }), trainScript({ epochs: 200, learningRate: 0.5, seed: 7 })]);
  });

  it('writes the model, validation metrics and the data with their digests', () => {
    const { files, metrics, model } = thorough;

    expect(Object.keys(metrics).sort()).toEqual(['accuracy', 'auc', 'logloss']);
    expect(metrics.accuracy).toBeGreaterThan(0.5);
    expect(metrics.accuracy).toBeLessThanOrEqual(1);
    expect(metrics.logloss).toBeGreaterThan(0);
    expect(model.features).toHaveLength(model.weights.length);
    expect(model.hyperparameters).toEqual({ epochs: 200, learningRate: 0.5, seed: 7 });
    const trainLines = files['train.csv'].trimEnd().split('\n');
    expect(trainLines[0]).toBe(`${model.features.join(',')},churned`);
    expect(trainLines).toHaveLength(1 + model.data.train.rows);
    expect(model.data.train.rows + model.data.validation.rows).toBe(2000);
    expect(model.data.train.sha256).toBe(sha256Hex(files['train.csv']));
    expect(model.data.validation.sha256).toBe(sha256Hex(files['validation.csv']));
  });

  it('prints its progress and the final metrics', () => {
    const lines = thorough.stdout.trimEnd().split('\n');

    expect(lines[0]).toMatch(/^data: 1600 training and 400 validation rows/);
    expect(lines.filter((line) => line.startsWith('epoch '))).toHaveLength(5);
    expect(lines).toContain(
      `validation: accuracy=${thorough.metrics.accuracy.toFixed(4)} auc=${thorough.metrics.auc.toFixed(4)} logloss=${thorough.metrics.logloss.toFixed(4)}`,
    );
  });

  it('gives the same bytes for the same arguments', async () => {
    const again = await trainScript({ epochs: 5, learningRate: 0.1, seed: 7 });

    expect(again.files).toEqual(quick.files);
  });

  it('draws a different data set from another seed', async () => {
    const other = await trainScript({ epochs: 5, learningRate: 0.1, seed: 8 });

    expect(other.model.data.train.sha256).not.toBe(quick.model.data.train.sha256);
  });

  it('trains a clearly better model with more epochs on the same data', () => {
    expect(thorough.model.data.train.sha256).toBe(quick.model.data.train.sha256);
    expect(thorough.metrics.auc - quick.metrics.auc).toBeGreaterThan(0.05);
    expect(thorough.metrics.logloss).toBeLessThan(quick.metrics.logloss - 0.1);
  });

  it('fails with a usage message on a bad argument', async () => {
    const run = execFileAsync(process.execPath, [TRAIN_SCRIPT, '--epochs', 'many', '--out', freshDir('bad')]);

    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--epochs must be a whole number[\s\S]*usage:/) });
  });
});

describe('runTour', () => {
  let registry: TourRegistry;
  let workDir: string;
  let lines: string[];
  let result: TourResult;

  beforeAll(async () => {
    registry = inMemoryRegistry();
    workDir = freshDir('tour');
    lines = [];
    result = await runTour({ registry, workDir, print: (line) => lines.push(line) });
  });

  it('registers two versions with the metrics, hyperparameters and data the script wrote', async () => {
    expect(result.modelName).toBe('churn-demo');
    expect(result.versions.map((version) => version.version)).toEqual([1, 2]);
    const runDirs = [join(workDir, 'run-quick'), join(workDir, 'run-thorough')];
    for (const [index, version] of result.versions.entries()) {
      const runDir = runDirs[index];
      const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
      const model = JSON.parse(readFileSync(join(runDir, 'model.json'), 'utf8'));
      expect(version.metrics).toEqual(metrics);
      expect(version.parameters).toEqual({
        epochs: String(model.hyperparameters.epochs),
        learning_rate: String(model.hyperparameters.learningRate),
        seed: String(model.hyperparameters.seed),
      });
      expect(version).toMatchObject({ framework: 'logistic-regression (demo)', tags: { demo: 'true', stage: 'candidate' }, createdBy: 'mlops-demo' });
      expect(version.artifact.sha256).toBe(sha256Hex(readFileSync(join(runDir, 'model.json'))));
      expect(version.datasets).toContainEqual(
        expect.objectContaining({ role: 'training', uri: `file://${join(runDir, 'train.csv')}`, sha256: model.data.train.sha256 }),
      );
    }
    expect(result.versions[0].parameters.epochs).toBe('5');
    expect(result.versions[1].parameters.epochs).toBe('200');
  });

  it('points production at the version with the higher auc and records the move', async () => {
    const [quick, thorough] = result.versions;
    expect(thorough.metrics.auc).toBeGreaterThan(quick.metrics.auc);

    expect(result.production).toBe(thorough.version);
    expect(await registry.getModel('churn-demo')).toMatchObject({ latestVersion: 2, aliases: { production: 2 } });
    expect(result.history).toEqual([
      expect.objectContaining({
        alias: 'production',
        revision: 1,
        fromVersion: undefined,
        toVersion: 2,
        changedBy: 'mlops-demo',
        reason: expect.stringMatching(/^auc \d\.\d{4} beats \d\.\d{4} of version 1/),
      }),
    ]);
  });

  it('prints each step in plain lines and tables, without JSON', () => {
    const text = lines.join('\n');

    expect(lines.filter((line) => /^\[\d\/5\] /.test(line))).toHaveLength(5);
    expect(text).toMatch(/quick run: 5 epochs at learning rate 0\.1 -> auc 0\.\d{4}/);
    expect(text).toMatch(/thorough run: 200 epochs at learning rate 0\.5 -> auc 0\.\d{4}/);
    expect(text).toMatch(/version 1 \(quick run\): s3:\/\/demo-artifacts\/models\/churn-demo\/.+\/model\.json, sha256 [0-9a-f]{12}/);
    expect(text).toMatch(/version 2 \(thorough run\): s3:\/\/demo-artifacts\//);
    expect(text).toMatch(/training data: train\.csv, 1600 rows, sha256 [0-9a-f]{12}, the same for both versions/);
    expect(text).toMatch(/METRIC +V1 +V2 +BETTER\n +accuracy .+\n +auc +0\.\d{4} +0\.\d{4} +v2\n +logloss \(lower is better\) +0\.\d{4} +0\.\d{4} +v2/);
    expect(text).toContain('production created at version 2 (revision 1)');
    expect(text).toMatch(/CHANGED +REV +FROM +TO +BY +REASON\n +2026-11-24 14:0\d +1 +- +2 +mlops-demo +auc /);
    expect(text).toContain('The model now: churn-demo, latest version 2, aliases: production -> v2');
    expect(text).toContain('churn-demo@production gets version 2');
    expect(text).not.toMatch(/[{}]/);
  });

  it('moves production on a second tour, guarded by where it pointed', async () => {
    const again: string[] = [];

    const second = await runTour({ registry, workDir: freshDir('tour'), print: (line) => again.push(line) });

    expect(second.versions.map((version) => version.version)).toEqual([3, 4]);
    expect(second.production).toBe(4);
    expect(second.history.map((move) => [move.revision, move.fromVersion, move.toVersion])).toEqual([
      [2, 2, 4],
      [1, undefined, 2],
    ]);
    expect(again).toContain('  production moved from version 2 to 4 (revision 2)');
  });

  it('fails without moving production when someone else moved it since the tour looked', async () => {
    const inner = inMemoryRegistry();
    const racing: TourRegistry = {
      ...inner,
      async setAlias(request) {
        await inner.setAlias({ name: request.name, alias: 'production', version: 1, actor: 'someone-else' });
        return inner.setAlias(request);
      },
    };

    const run = runTour({ registry: racing, workDir: freshDir('tour'), print: () => undefined, modelName: 'churn-race' });

    await expect(run).rejects.toThrow(ConflictError);
    await expect(run).rejects.toThrow('alias "production" of churn-race points at version 1; expected it not to exist');
    expect((await inner.getModel('churn-race')).aliases).toEqual({ production: 1 });
  });
});
