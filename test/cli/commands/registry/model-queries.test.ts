import { churnModel, fraudDetails, fraudModel, fraudVersion, prodMoves } from '../../fixtures';
import { cliHarness } from '../../harness';

const cli = cliHarness();

beforeEach(() => {
  cli.reset();
});

describe('mlops model list', () => {
  it('prints every model in an aligned table, following pages', async () => {
    // Arrange
    cli.answerQueries({
      listModels: (payload) => (payload.nextToken ? { items: [churnModel] } : { items: [fraudModel], nextToken: 'page-2' }),
    });

    // Act
    const { code, stdout, stderr } = await cli.run(['model', 'list']);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'NAME            LATEST  UPDATED           CREATED',
        'fraud-detector      12  2026-11-24 14:03  2026-11-02 08:00',
        'churn                3  2026-10-20 17:45  2026-10-01 09:30',
        '',
      ].join('\n'),
    );
    expect(cli.invocations('query-fn')).toEqual([
      { query: 'listModels', limit: 100 },
      { query: 'listModels', limit: 100, nextToken: 'page-2' },
    ]);
  });

  it('prints the records as JSON with --json', async () => {
    cli.answerQueries({ listModels: () => ({ items: [fraudModel, churnModel] }) });

    const { code, stdout } = await cli.run(['--json', 'model', 'list']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([fraudModel, churnModel]);
  });

  it('says so when there are no models', async () => {
    cli.answerQueries({ listModels: () => ({ items: [] }) });

    const { stdout } = await cli.run(['model', 'list']);

    expect(stdout).toBe('no models registered yet\n');
  });
});

describe('mlops model show', () => {
  it('prints the model summary and its aliases', async () => {
    cli.answerQueries({ getModel: () => fraudDetails });

    const { code, stdout } = await cli.run(['model', 'show', 'fraud-detector']);

    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'fraud-detector',
        '',
        'latest version  12',
        'created         2026-11-02 08:00',
        'updated         2026-11-24 14:03',
        '',
        'ALIAS    VERSION',
        'prod          11',
        'staging       12',
        '',
      ].join('\n'),
    );
  });

  it('prints one version with its artifact, metrics (decimal points aligned), parameters, tags and datasets', async () => {
    cli.answerQueries({ getModel: () => fraudDetails, getVersion: () => fraudVersion(11) });

    const { code, stdout } = await cli.run(['model', 'show', 'fraud-detector:11']);

    expect(code).toBe(0);
    expect(cli.invocations('query-fn')).toContainEqual({ query: 'getVersion', name: 'fraud-detector', version: 11 });
    expect(stdout).toBe(
      [
        'fraud-detector version 11',
        '',
        'aliases     prod',
        'created     2026-11-21 10:15 by ana@laptop',
        'framework   xgboost-2.1',
        'artifact    s3://artifacts-bucket/models/fraud-detector/v11/model.tar.gz',
        's3 version  obj-11',
        'size        46.0 MiB',
        `sha256      11${'ab'.repeat(31)} (client)`,
        '',
        'METRIC        VALUE',
        'auc          0.9132',
        'f1           0.8',
        'rows    120000',
        '',
        'PARAMETER  VALUE',
        'eta        0.1',
        'max_depth  6',
        '',
        'TAG    VALUE',
        'stage  gold',
        'team   risk',
        '',
        'DATASET                        ROLE      NAME  SHA256',
        `s3://data/fraud/train.parquet  training  -     ${'cd'.repeat(32)}`,
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['fraud-detector@prod', { alias: 'prod' }],
    ['fraud-detector:latest', { version: 'latest' }],
    ['fraud-detector:v3', { version: 3 }],
  ])('resolves %s through the registry', async (reference, selector) => {
    cli.answerQueries({ getModel: () => fraudDetails, getVersion: () => fraudVersion(11) });

    const { code } = await cli.run(['model', 'show', reference]);

    expect(code).toBe(0);
    expect(cli.invocations('query-fn')).toContainEqual({ query: 'getVersion', name: 'fraud-detector', ...selector });
  });

  it('prints the version record alone with --json', async () => {
    cli.answerQueries({ getModel: () => fraudDetails, getVersion: () => fraudVersion(11) });

    const { stdout } = await cli.run(['model', 'show', 'fraud-detector@prod', '--json']);

    expect(JSON.parse(stdout)).toEqual(fraudVersion(11));
  });

  it('fails with exit code 1 and the registry message when the model does not exist', async () => {
    cli.answerQueries({ getModel: () => ({ errorType: 'NotFoundError', errorMessage: 'no model named "nope"' }) });

    const { code, stdout, stderr } = await cli.run(['model', 'show', 'nope']);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error (NotFoundError): no model named "nope"\n');
  });

  it('fails with exit code 2 on a malformed reference, invoking nothing', async () => {
    const { code, stderr } = await cli.run(['model', 'show', 'fraud:beta']);

    expect(code).toBe(2);
    expect(stderr).toContain("argument 'model'");
    expect(cli.invocations()).toHaveLength(0);
  });
});

describe('mlops model versions', () => {
  it('prints the versions newest first with the aliases on them', async () => {
    cli.answerQueries({ getModel: () => fraudDetails, listVersions: () => ({ items: [fraudVersion(12, { metrics: {} }), fraudVersion(11)] }) });

    const { code, stdout } = await cli.run(['model', 'versions', 'fraud-detector']);

    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'VERSION  ALIASES  CREATED           BY          FRAMEWORK        SIZE  SHA256        METRICS',
        '     12  staging  2026-11-22 10:15  ana@laptop  xgboost-2.1  46.0 MiB  12ababababab  -',
        '     11  prod     2026-11-21 10:15  ana@laptop  xgboost-2.1  46.0 MiB  11ababababab  auc=0.9132 f1=0.8 rows=120000',
        '',
      ].join('\n'),
    );
  });
});

describe('models and versions deleted through MLflow', () => {
  it('list and versions add a deleted column only when a row was deleted', async () => {
    // Arrange
    cli.answerQueries({
      listModels: () => ({ items: [fraudModel, { ...churnModel, deletedAt: '2026-11-30T12:00:00.000Z' }] }),
      getModel: () => fraudDetails,
      listVersions: () => ({ items: [fraudVersion(12, { metrics: {}, deletedAt: '2026-11-30T12:00:00.000Z' }), fraudVersion(11, { metrics: {} })] }),
    });

    // Act
    const models = await cli.run(['model', 'list']);
    const versions = await cli.run(['model', 'versions', 'fraud-detector']);

    // Assert
    expect(models.stdout.split('\n').slice(0, 3)).toEqual([
      'NAME            LATEST  UPDATED           CREATED           DELETED',
      'fraud-detector      12  2026-11-24 14:03  2026-11-02 08:00  -',
      'churn                3  2026-10-20 17:45  2026-10-01 09:30  2026-11-30 12:00',
    ]);
    expect(versions.stdout.split('\n')[0]).toMatch(/METRICS {2}DELETED$/);
    expect(versions.stdout.split('\n')[1]).toMatch(/ -\s+2026-11-30 12:00$/);
    expect(versions.stdout.split('\n')[2]).toMatch(/ -\s+-$/);
  });

  it('show says when the model or the version was deleted', async () => {
    // Arrange
    const deletedAt = '2026-11-30T12:00:00.000Z';
    cli.answerQueries({ getModel: () => ({ ...fraudDetails, deletedAt }), getVersion: () => fraudVersion(11, { deletedAt }) });

    // Act
    const model = await cli.run(['model', 'show', 'fraud-detector']);
    const version = await cli.run(['model', 'show', 'fraud-detector:11']);

    // Assert
    expect(model.stdout).toContain('deleted         2026-11-30 12:00\n');
    expect(version.stdout).toContain('2026-11-30 12:00 (kept as the record of what was registered; it takes no alias and no new image)');
  });

  it('tables of models and versions none of which was deleted have no deleted column', async () => {
    cli.answerQueries({ listModels: () => ({ items: [fraudModel] }) });

    const { stdout } = await cli.run(['model', 'list']);

    expect(stdout).not.toContain('DELETED');
  });
});

describe('mlops model find', () => {
  it('finds versions by tag value within one model, showing the tag as a column', async () => {
    cli.answerQueries({ findVersions: () => ({ items: [fraudVersion(11)] }) });

    const { code, stdout } = await cli.run(['model', 'find', '--tag', 'stage=gold', '--name', 'fraud-detector']);

    expect(code).toBe(0);
    expect(cli.invocations('query-fn')).toEqual([{ query: 'findVersions', tag: { key: 'stage', value: 'gold' }, name: 'fraud-detector', limit: 100 }]);
    expect(stdout.split('\n')[0]).toBe('MODEL           VERSION  STAGE  CREATED           FRAMEWORK    METRICS');
    expect(stdout.split('\n')[1]).toBe('fraud-detector       11  gold   2026-11-21 10:15  xgboost-2.1  auc=0.9132 f1=0.8 rows=120000');
  });

  it('finds versions carrying a tag key with any value', async () => {
    cli.answerQueries({ findVersions: () => ({ items: [] }) });

    const { stdout } = await cli.run(['model', 'find', '--tag', 'stage']);

    expect(cli.invocations('query-fn')).toEqual([{ query: 'findVersions', tag: { key: 'stage' }, limit: 100 }]);
    expect(stdout).toBe('no versions tagged stage\n');
  });
});

describe('mlops model alias history', () => {
  it('prints the moves of one alias', async () => {
    cli.answerQueries({ aliasHistory: () => ({ items: prodMoves }) });

    const { code, stdout } = await cli.run(['model', 'alias', 'history', 'fraud-detector', 'prod']);

    expect(code).toBe(0);
    expect(cli.invocations('query-fn')).toEqual([{ query: 'aliasHistory', name: 'fraud-detector', alias: 'prod', limit: 100 }]);
    expect(stdout).toBe(
      [
        'CHANGED           ALIAS  REV  FROM  TO  BY           REASON',
        '2026-11-22 16:40  prod     2     9  11  ana@laptop   better AUC',
        '2026-11-19 09:00  prod     1     -   9  ci@pipeline',
        '',
      ].join('\n'),
    );
  });
});
