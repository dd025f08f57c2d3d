import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { pruneCache, synthesisKey, synthesizeCached } from '../../local/synth-cache';

const temporaryDirectory = () => mkdtempSync(path.join(tmpdir(), 'mlops-synth-cache-test-'));

/** A source tree with one file in each hashed place. */
function sourceTree(): string {
  const root = temporaryDirectory();
  for (const [file, text] of Object.entries({
    'lambda/registry/handler.ts': 'export const handler = 1;',
    'lib/stack.ts': 'export class Stack {}',
    'client/shared/catalogue.ts': 'export const OPERATIONS = {};',
    'cdk.json': '{"context":{}}',
    'package-lock.json': '{"lockfileVersion":3}',
    'tsconfig.json': '{}',
    'local/synthesize.ts': 'export {};',
  })) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('synthesisKey', () => {
  test('is the same for the same sources and props, and changes with a source file, cdk.json, the lock file or the monitors', () => {
    const root = sourceTree();
    const monitors = [{ monitorName: 'm', model: 'churn', alias: 'production', schedule: Duration.minutes(15) }];
    const key = synthesisKey({ monitors }, root);

    expect(synthesisKey({ monitors }, root)).toBe(key);
    expect(synthesisKey({ monitors: [{ ...monitors[0], schedule: Duration.minutes(30) }] }, root)).not.toBe(key);
    expect(synthesisKey({}, root)).not.toBe(key);
    for (const file of ['lambda/registry/handler.ts', 'lib/stack.ts', 'client/shared/catalogue.ts', 'cdk.json', 'package-lock.json']) {
      const tree = sourceTree();
      writeFileSync(path.join(tree, file), 'changed');
      expect(synthesisKey({ monitors }, tree)).not.toBe(key);
    }
    const added = sourceTree();
    writeFileSync(path.join(added, 'lambda', 'new-handler.ts'), '');
    expect(synthesisKey({ monitors }, added)).not.toBe(key);
  });

  test('is undefined for props that are not plain data (constructs): such a synthesis is not cached', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(synthesisKey({ monitors: [{ monitorName: 'm', model: 'churn', alias: 'p', retrainTarget: circular as never }] }, sourceTree())).toBeUndefined();
  });
});

describe('synthesizeCached', () => {
  test('reads an entry of the same sources and props from the cache, without synthesizing', () => {
    const cacheDirectory = temporaryDirectory();
    const entry = path.join(cacheDirectory, synthesisKey({})!);
    mkdirSync(path.join(entry, 'asset.abc'), { recursive: true });
    writeFileSync(path.join(entry, 'asset.abc', 'index.mjs'), 'export const handler = () => 1;');
    const template = {
      Resources: {
        RegisterModelFn: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:asset:path': 'asset.abc' },
          Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'RegisterModel' } } },
        },
      },
    };
    writeFileSync(path.join(entry, 'MlopsPlatform.template.json'), JSON.stringify(template));

    const synthesis = synthesizeCached({ cacheDirectory });

    expect(synthesis.cached).toBe(true);
    expect(synthesis.functions).toEqual([{ name: 'RegisterModel', logicalId: 'RegisterModelFn', bundlePath: path.join(entry, 'asset.abc', 'index.mjs') }]);
    expect(synthesis.template).toEqual(template);
    rmSync(cacheDirectory, { recursive: true, force: true });
  });
});

describe('pruneCache', () => {
  test('keeps the three most recently used entries and partial ones still being written; removes the rest and abandoned partials', () => {
    const cacheDirectory = temporaryDirectory();
    const now = Date.now();
    const entries = { a: 5, b: 4, c: 3, d: 2, e: 1, '.partial-x-1-aa': 2 * 60, '.partial-y-2-bb': 0 };
    for (const [name, ageMinutes] of Object.entries(entries)) {
      mkdirSync(path.join(cacheDirectory, name));
      const at = new Date(now - ageMinutes * 60_000);
      utimesSync(path.join(cacheDirectory, name), at, at);
    }

    pruneCache(cacheDirectory, now);

    expect(readdirSync(cacheDirectory).sort()).toEqual(['.partial-y-2-bb', 'c', 'd', 'e']);
    expect(existsSync(path.join(cacheDirectory, 'a'))).toBe(false);
    rmSync(cacheDirectory, { recursive: true, force: true });
  });
});
