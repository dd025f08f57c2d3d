import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { MAX_BASELINE_PROFILE_BYTES } from '../../../../client/monitoring/monitoring-client';
import { BaselineProfileSchema } from '../../../../lambda/monitoring/core/profile/baseline-schema';
import { baselineRecord } from '../../../support/monitoring-records';
import { seededRandom } from '../../../support/seeded-random';
import { generateRows, toCsv } from '../../fixtures/monitor/drift-data';
import { cliHarness } from '../../harness';
import { MONITORING_ENV } from './monitor-fixtures';

const cli = cliHarness();
const NOW = Date.parse('2026-11-25T09:30:00.000Z');
const clock = { now: () => NOW, sleep: async () => undefined };

let directory: string;
/** Ten rows, small enough to know the profile by heart; `label` is left out in most tests. */
let small: string;
let training: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'mlops-baseline-'));
  small = join(directory, 'small.csv');
  writeFileSync(
    small,
    [
      'age,income,plan,label',
      '30,40000,basic,0',
      '35,,basic,1',
      '40,50000,plus,0',
      '45,55000,basic,0',
      '50,60000,pro,1',
      '55,65000,plus,0',
      '60,70000,basic,0',
      '65,75000,basic,1',
      '70,80000,plus,0',
      '75,90000,basic,0',
    ].join('\n'),
  );
  training = join(directory, 'training.csv');
  writeFileSync(training, toCsv(generateRows(2000, 1, false)));
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

beforeEach(() => {
  cli.reset();
});

const baseline = (...args: string[]) => cli.run(['monitor', 'baseline', ...args], { context: { clock } });

describe('mlops monitor baseline', () => {
  it('writes the profile and lists the features profiled', async () => {
    // Arrange
    const out = join(directory, 'small-profile.json');

    // Act
    const { code, stdout, stderr } = await baseline(small, '--out', out, '--exclude', 'label');

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const size = readFileSync(out).length;
    expect(stdout).toBe(
      [
        `profiled ${small}: 10 rows, 3 features; wrote ${out} (${(size / 1024).toFixed(1)} KiB)`,
        '',
        'NAME    TYPE         COUNT  MISSING %    MIN    P50    MAX  CATEGORIES',
        'age     numeric         10        0.0     30   52.5     75',
        'income  numeric          9       10.0  40000  65000  90000',
        'plan    categorical     10        0.0                       3: basic, plus, pro',
        '',
      ].join('\n'),
    );
  });

  it('writes compact JSON that the baseline schema accepts, sketched at --bins', async () => {
    // Arrange
    const out = join(directory, 'training-profile.json');

    // Act
    const { code } = await baseline(training, '--out', out, '--bins', '100', '--categorical', 'plan');

    // Assert
    expect(code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain('\n');
    const profile = z.parse(BaselineProfileSchema, JSON.parse(text));
    expect(profile).toMatchObject({ formatVersion: 1, createdAt: '2026-11-25T09:30:00.000Z', rows: 2000, source: training });
    expect(profile.features.map((feature) => [feature.name, feature.kind])).toEqual([
      ['age', 'numeric'],
      ['income', 'numeric'],
      ['score', 'numeric'],
      ['tenure', 'numeric'],
      ['plan', 'categorical'],
    ]);
    const income = profile.features[1];
    expect(income.kind === 'numeric' && income.sketch.edges.length).toBeLessThanOrEqual(101);
  });

  it('prints what it wrote as JSON with --json', async () => {
    // Arrange
    const out = join(directory, 'small-profile.json');

    // Act
    const { code, stdout } = await baseline(small, '--out', out, '--exclude', 'label', '--json');

    // Assert
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      source: small,
      out,
      sizeBytes: readFileSync(out).length,
      rows: 10,
      features: [
        { name: 'age', kind: 'numeric', count: 10, missing: 0, min: 30, p50: 52.5, max: 75 },
        { name: 'income', kind: 'numeric', count: 9, missing: 1, min: 40000, p50: 65000, max: 90000 },
        { name: 'plan', kind: 'categorical', count: 10, missing: 0, categories: ['basic', 'plus', 'pro'] },
      ],
    });
  });

  describe('fails with one line and the usage status', () => {
    it('fails without --out', async () => {
      // Act
      const { code, stderr } = await baseline(small);

      // Assert
      expect(code).toBe(2);
      expect(stderr).toContain("error: required option '--out <profile.json>' not specified");
    });

    it('fails on --bins that are not a multiple of 10', async () => {
      // Act
      const { code, stderr } = await baseline(small, '--out', join(directory, 'p.json'), '--bins', '15');

      // Assert
      expect(code).toBe(2);
      expect(stderr).toContain("error: option '--bins <n>' argument '15' is invalid. expected a multiple of 10, from 10 to 10000.");
    });

    it('fails when the training file does not exist', async () => {
      // Act
      const { code, stdout, stderr } = await baseline(join(directory, 'missing.jsonl'), '--out', join(directory, 'p.json'));

      // Assert
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`error: cannot read ${join(directory, 'missing.jsonl')}: no such file or directory\n`);
    });

    it('fails when the profile cannot be written', async () => {
      // Arrange
      const out = join(directory, 'no-such-directory', 'p.json');

      // Act
      const { code, stderr } = await baseline(small, '--out', out);

      // Assert
      expect(code).toBe(2);
      expect(stderr).toBe(`error: cannot write ${out}: no such file or directory\n`);
    });

    it('fails on a CSV without a header row', async () => {
      // Arrange
      const empty = join(directory, 'empty.csv');
      writeFileSync(empty, '\n');

      // Act
      const { code, stderr } = await baseline(empty, '--out', join(directory, 'p.json'));

      // Assert
      expect(code).toBe(2);
      expect(stderr).toBe(`error: ${empty}: the CSV is empty: it needs a header row\n`);
    });
  });
});

describe('mlops monitor baseline --model --version', () => {
  const register = (...args: string[]) => cli.run(['monitor', 'baseline', ...args], { context: { clock }, env: MONITORING_ENV });
  /** The baseline function answering as the platform does: the record of the profile it stored. */
  const answerRegistrations = () =>
    cli.answer('register-baseline-fn', (payload) => {
      const profile = payload.profile as { rows: number; source?: string; features: { name: string; kind: 'numeric' | 'categorical' }[] } | undefined;
      const source = payload.source as { uri: string } | undefined;
      return baselineRecord({
        model: payload.model as string,
        version: payload.version as number,
        uri: `s3://monitoring-bucket/baselines/${String(payload.model)}/${String(payload.version)}/profile.json`,
        rows: profile?.rows ?? 2000,
        features: profile ? profile.features.map(({ name, kind }) => ({ name, kind })) : baselineRecord().features,
        source: profile?.source ?? source?.uri,
      });
    });

  beforeEach(() => {
    answerRegistrations();
  });

  it("registers the profile as the version's baseline and says where it is stored", async () => {
    // Act
    const { code, stdout, stderr } = await register(small, '--exclude', 'label', '--model', 'fraud-detector', '--version', '12');

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        `profiled ${small}: 10 rows, 3 features`,
        '',
        'NAME    TYPE         COUNT  MISSING %    MIN    P50    MAX  CATEGORIES',
        'age     numeric         10        0.0     30   52.5     75',
        'income  numeric          9       10.0  40000  65000  90000',
        'plan    categorical     10        0.0                       3: basic, plus, pro',
        '',
        'registered the baseline of fraud-detector version 12: 10 rows, 3 features (2 numeric, 1 categorical)',
        '',
        'stored   s3://monitoring-bucket/baselines/fraud-detector/12/profile.json',
        `source   ${small}`,
        'created  2026-11-25 09:30',
        '',
      ].join('\n'),
    );
    const [payload] = cli.invocations('register-baseline-fn');
    expect(Object.keys(payload)).toEqual(['model', 'version', 'profile', 'replace']);
    // An existing baseline is replaced only with --replace.
    expect(payload).toMatchObject({ model: 'fraud-detector', version: 12, replace: false });
    const profile = z.parse(BaselineProfileSchema, payload.profile);
    expect(profile).toMatchObject({ rows: 10, source: small, createdAt: '2026-11-25T09:30:00.000Z' });
    expect(profile.features.map((feature) => feature.name)).toEqual(['age', 'income', 'plan']);
  });

  it('registers exactly the profile it writes with --out', async () => {
    // Arrange
    const out = join(directory, 'registered-profile.json');

    // Act
    const { code, stdout } = await register(training, '--out', out, '--bins', '100', '--model', 'churn', '--version', '3');

    // Assert
    expect(code).toBe(0);
    expect(stdout).toContain(`profiled ${training}: 2000 rows, 5 features; wrote ${out} (`);
    expect(stdout).toContain('registered the baseline of churn version 3: 2000 rows, 5 features (4 numeric, 1 categorical)');
    expect(cli.invocations('register-baseline-fn')[0].profile).toEqual(JSON.parse(readFileSync(out, 'utf8')));
  });

  it('prints the summary with the registered baseline as JSON with --json', async () => {
    const { code, stdout } = await register(small, '--exclude', 'label', '--model', 'fraud-detector', '--version', '12', '--json');

    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      source: small,
      rows: 10,
      baseline: { model: 'fraud-detector', version: 12, uri: 's3://monitoring-bucket/baselines/fraud-detector/12/profile.json' },
    });
    expect(summary).not.toHaveProperty('out');
    expect(summary.sizeBytes).toBe(Buffer.byteLength(JSON.stringify(cli.invocations('register-baseline-fn')[0].profile)));
  });

  it('uploads the training file and has the function profile it with --remote', async () => {
    // Arrange
    cli.mocks.s3.on(PutObjectCommand).resolves({ VersionId: 'obj-1' });

    // Act
    const { code, stdout, stderr } = await register(
      small,
      '--exclude',
      'label',
      '--categorical',
      'age',
      '--model',
      'fraud-detector',
      '--version',
      '12',
      '--remote',
    );

    // Assert
    expect(code).toBe(0);
    const put = cli.mocks.s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put.Bucket).toBe('artifacts-bucket');
    expect(put.Key).toMatch(/^training-data\/fraud-detector\/12\/[0-9a-f-]{36}\/small\.csv$/);
    const uri = `s3://artifacts-bucket/${put.Key}`;
    expect(cli.invocations('register-baseline-fn')).toEqual([
      { model: 'fraud-detector', version: 12, source: { uri, format: 'csv', exclude: ['label'], categorical: ['age'] }, replace: false },
    ]);
    expect(stderr).toMatch(/^uploaded small\.csv \(\d+ B\) to s3:\/\/artifacts-bucket\/training-data\/fraud-detector\/12\/.*\/small\.csv\n$/);
    expect(stdout).toBe(
      [
        'registered the baseline of fraud-detector version 12: 2000 rows, 3 features (2 numeric, 1 categorical)',
        '',
        'stored   s3://monitoring-bucket/baselines/fraud-detector/12/profile.json',
        `source   ${uri}`,
        'created  2026-11-25 09:30',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['locally', []],
    ['with --remote', ['--remote']],
  ])("asks for the version's baseline to be replaced with --replace, %s", async (_, extra) => {
    cli.mocks.s3.on(PutObjectCommand).resolves({ VersionId: 'obj-1' });

    const { code } = await register(small, '--model', 'fraud-detector', '--version', '12', '--replace', ...extra);

    expect(code).toBe(0);
    expect(cli.invocations('register-baseline-fn')).toEqual([expect.objectContaining({ model: 'fraud-detector', version: 12, replace: true })]);
  });

  describe('fails', () => {
    it('fails with exit code 2, before registering, on a profile too large for one Lambda request, suggesting --remote', async () => {
      // Arrange: 40 features of 10,001 distinct values at 10,000 bins make a profile of about 8 MiB.
      const random = seededRandom(7);
      const header = Array.from({ length: 40 }, (_, index) => `f${index}`);
      const rows = Array.from({ length: 10_001 }, () => header.map(() => random()).join(','));
      const wide = join(directory, 'wide.csv');
      writeFileSync(wide, [header.join(','), ...rows].join('\n'));

      // Act
      const { code, stdout, stderr } = await register(wide, '--bins', '10000', '--model', 'fraud-detector', '--version', '12');

      // Assert
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(
        new RegExp(
          `^error: the profile of ${wide} is \\d+\\.\\d MiB, more than one Lambda request takes \\(6\\.0 MiB\\): ` +
            'add --remote to upload the training file to the artifact bucket and profile it in the function, or profile with fewer --bins\n$',
        ),
      );
      expect(Number(/is (\d+\.\d) MiB/.exec(stderr)![1]) * 1024 * 1024).toBeGreaterThan(MAX_BASELINE_PROFILE_BYTES);
      expect(cli.invocations()).toEqual([]);
    }, 30_000);

    it.each([
      [['--model', 'fraud-detector'], 'error: --model and --version go together: the model version whose baseline this is'],
      [['--version', '12', '--out', 'p.json'], 'error: --model and --version go together: the model version whose baseline this is'],
      [['--remote', '--out', 'p.json'], 'error: --remote registers the baseline: add --model and --version'],
      [['--replace', '--out', 'p.json'], 'error: --replace replaces a registered baseline: add --model and --version'],
      [
        ['--model', 'm', '--version', '1', '--remote', '--out', 'p.json'],
        'error: --remote profiles in the function, which writes no local profile: leave out --out',
      ],
      [['--model', 'm', '--version', '1', '--remote', '--bins', '100'], "error: --remote profiles at the function's 1000 bins: leave out --bins"],
    ])('fails with exit code 2 on %j', async (args, message) => {
      const { code, stderr } = await register(small, ...args);

      expect(code).toBe(2);
      expect(stderr).toContain(`${message}\n`);
      expect(cli.invocations()).toEqual([]);
    });

    it('fails with exit code 2 on a version that is not a number', async () => {
      const { code, stderr } = await register(small, '--model', 'fraud-detector', '--version', 'latest');

      expect(code).toBe(2);
      expect(stderr).toContain("error: option '--version <n>' argument 'latest' is invalid. expected a version number (1, 2, ...).");
    });

    it('fails with exit code 2, uploading nothing, when the training file for --remote does not exist', async () => {
      const missing = join(directory, 'missing.csv');

      const { code, stderr } = await register(missing, '--model', 'fraud-detector', '--version', '12', '--remote');

      expect(code).toBe(2);
      expect(stderr).toBe(`error: cannot read ${missing}: no such file or directory\n`);
      expect(cli.mocks.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    });

    it("fails with exit code 1 with the function's message when the model has no such version", async () => {
      cli.answer('register-baseline-fn', () => ({ errorType: 'NotFoundError', errorMessage: 'model fraud-detector has no version 99' }));

      const { code, stdout, stderr } = await register(small, '--model', 'fraud-detector', '--version', '99');

      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe('error (NotFoundError): model fraud-detector has no version 99\n');
    });
  });
});
