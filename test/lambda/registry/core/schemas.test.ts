import { QueryRegistryRequest, RegisterModelRequest, SetModelAliasRequest } from '../../../../lambda/registry/core/schemas';
import { parseRequest } from '../../../../lambda/shared/validation';
import { refusedPaths } from '../../shared/refused-paths';

const artifact = { uri: 's3://artifact-bucket/churn/model.tar.gz' };

describe('RegisterModelRequest', () => {
  it('accepts a minimal request and fills the defaults', () => {
    const command = parseRequest(RegisterModelRequest, { name: 'churn-model_v2.1', artifact });

    expect(command).toEqual({
      name: 'churn-model_v2.1',
      artifact,
      metrics: {},
      parameters: {},
      tags: {},
      properties: {},
      datasets: [],
    });
  });

  it('defaults a dataset role to training and lowercases digests', () => {
    const digest = 'AB'.repeat(32);

    const command = parseRequest(RegisterModelRequest, {
      name: 'churn',
      artifact: { ...artifact, sha256: digest },
      datasets: [{ uri: 's3://data/train.parquet', sha256: digest }],
    });

    expect(command.artifact.sha256).toBe('ab'.repeat(32));
    expect(command.datasets).toEqual([{ uri: 's3://data/train.parquet', sha256: 'ab'.repeat(32), role: 'training' }]);
  });

  it.each([
    ['starts with a separator', '-churn'],
    ['holds a slash', 'churn/v2'],
    ['is empty', ''],
    ['is longer than 255 characters', 'm'.repeat(256)],
  ])('fails when the model name %s', (_, name) => {
    expect(refusedPaths(RegisterModelRequest, { name, artifact })).toEqual(['name']);
  });

  it('fails on a metric that is not a finite number, naming the metric', () => {
    const overflow = JSON.parse('{"auc": 1e400}') as Record<string, number>;

    expect(refusedPaths(RegisterModelRequest, { name: 'churn', artifact, metrics: overflow })).toEqual(['metrics.auc']);
  });

  it('fails on unknown fields at any depth, naming each', () => {
    const input = { name: 'churn', artifact: { ...artifact, region: 'eu-west-1' }, colour: 'blue' };

    expect(refusedPaths(RegisterModelRequest, input)).toEqual(['artifact.region', 'colour']);
  });

  it('fails on more than 50 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`key${i}`, 'value']));

    expect(refusedPaths(RegisterModelRequest, { name: 'churn', artifact, tags })).toEqual(['tags']);
  });

  it('accepts exactly 50 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`key${i}`, 'value']));

    expect(parseRequest(RegisterModelRequest, { name: 'churn', artifact, tags }).tags).toEqual(tags);
  });

  it('fails on an artifact URI that is not S3, a bad digest and a bad dataset, naming each by path', () => {
    const input = {
      name: 'churn',
      artifact: { uri: 'https://example.com/model.tar.gz', sha256: 'abc' },
      datasets: [{ uri: 's3://data/train.parquet' }, { uri: '', role: 'holdout' }],
    };

    expect(refusedPaths(RegisterModelRequest, input)).toEqual(['artifact.sha256', 'artifact.uri', 'datasets[1].role', 'datasets[1].uri']);
  });

  it('fails on a payload that is not an object, calling it payload', () => {
    expect(refusedPaths(RegisterModelRequest, 'churn')).toEqual(['payload']);
  });
});

describe('SetModelAliasRequest', () => {
  it('accepts a compare-and-set request with expectedVersion null', () => {
    const command = parseRequest(SetModelAliasRequest, { name: 'churn', alias: 'prod', version: 3, expectedVersion: null });

    expect(command).toEqual({ name: 'churn', alias: 'prod', version: 3, expectedVersion: null });
  });

  it.each(['latest', 'v12', 'v0'])('fails on the reserved alias %s', (alias) => {
    expect(refusedPaths(SetModelAliasRequest, { name: 'churn', alias, version: 1 })).toEqual(['alias']);
  });

  it('accepts aliases that only look like reserved ones', () => {
    expect(() => parseRequest(SetModelAliasRequest, { name: 'churn', alias: 'v12-canary', version: 1 })).not.toThrow();
    expect(() => parseRequest(SetModelAliasRequest, { name: 'churn', alias: 'latest-good', version: 1 })).not.toThrow();
  });

  it('fails on an uppercase alias and a version below 1, naming both', () => {
    expect(refusedPaths(SetModelAliasRequest, { name: 'churn', alias: 'Prod', version: 0 })).toEqual(['alias', 'version']);
  });
});

describe('QueryRegistryRequest', () => {
  it('fills the page limit for list queries', () => {
    expect(parseRequest(QueryRegistryRequest, { query: 'listModels' })).toEqual({ query: 'listModels', limit: 25 });
  });

  it('accepts getVersion by number, latest or alias', () => {
    expect(parseRequest(QueryRegistryRequest, { query: 'getVersion', name: 'churn', version: 3 })).toMatchObject({ version: 3 });
    expect(parseRequest(QueryRegistryRequest, { query: 'getVersion', name: 'churn', version: 'latest' })).toMatchObject({ version: 'latest' });
    expect(parseRequest(QueryRegistryRequest, { query: 'getVersion', name: 'churn', alias: 'prod' })).toMatchObject({ alias: 'prod' });
  });

  it('fails on getVersion with both a version and an alias, naming alias', () => {
    expect(refusedPaths(QueryRegistryRequest, { query: 'getVersion', name: 'churn', version: 2, alias: 'prod' })).toEqual(['alias']);
  });

  it.each([
    ['an unknown query', { query: 'deleteModel', name: 'churn' }],
    ['no query', { name: 'churn' }],
  ])('fails on %s, naming query', (_, input) => {
    expect(refusedPaths(QueryRegistryRequest, input)).toEqual(['query']);
  });

  it('fails on a page limit above 100 and an unknown field of the chosen query', () => {
    const input = { query: 'findVersions', tag: { key: 'stage' }, limit: 500, alias: 'prod' };

    expect(refusedPaths(QueryRegistryRequest, input)).toEqual(['alias', 'limit']);
  });
});
