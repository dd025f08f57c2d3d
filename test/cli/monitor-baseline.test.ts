import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { BaselineProfileSchema } from '../../lambda/monitoring/core/profile/baseline-schema';
import { generateRows, toCsv } from './fixtures/monitor/drift-data';
import { cliHarness } from './harness';

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
