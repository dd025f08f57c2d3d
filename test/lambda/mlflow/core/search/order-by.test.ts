import type { OrderClause } from '../../../../../lambda/mlflow/core/search/ast';
import type { SearchEntity } from '../../../../../lambda/mlflow/core/search/entities';
import { orderComparator, parseLoggedModelOrderBy, parseOrderBy } from '../../../../../lambda/mlflow/core/search/order-by';
import { ValidationError } from '../../../../../lambda/shared/errors';
import { type FakeRecord, type FakeSubject, ids, subject } from './subjects';

const sorted = (entity: SearchEntity, clauses: readonly OrderClause[], subjects: readonly FakeSubject[]) =>
  ids([...subjects].sort(orderComparator(entity, clauses)));

function failure(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('order_by');
    return (error as ValidationError).issues[0]?.message ?? '';
  }
  throw new Error('parsed');
}

describe('runs order, as MLflow sorts them (test_correct_sorting)', () => {
  const runs = [
    subject('0', { attributes: { run_id: '9', status: 'FAILED', start_time: 0, end_time: 1 }, metrics: { key1: 121 }, params: { my_param: 'A' } }),
    subject('1', {
      attributes: { run_id: '8', status: 'FINISHED', start_time: 1, end_time: 1 },
      metrics: { key1: 123 },
      params: { my_param: 'A' },
      tags: { tag1: 'C' },
    }),
    subject('2', {
      attributes: { run_id: '7', status: 'FAILED', start_time: 1, end_time: 1 },
      metrics: { key1: 125 },
      params: { my_param: 'B' },
      tags: { tag1: 'D' },
    }),
  ];

  it.each<[string[] | undefined, string[]]>([
    [undefined, ['2', '1', '0']],
    [[], ['2', '1', '0']],
    [['tags.noSuchTag'], ['2', '1', '0']],
    [['attributes.status'], ['2', '0', '1']],
    [['attributes.start_time'], ['0', '2', '1']],
    [['metrics.key1 asc'], ['0', '1', '2']],
    [['metrics."key1"  desc'], ['2', '1', '0']],
    [['params.my_param'], ['1', '0', '2']],
    [
      ['params.my_param aSc', 'attributes.status  ASC'],
      ['0', '1', '2'],
    ],
    [
      ['params.my_param', 'attributes.status DESC'],
      ['1', '0', '2'],
    ],
    [
      ['params.my_param DESC', 'attributes.status   DESC'],
      ['2', '1', '0'],
    ],
    [
      ['params.`my_param` DESC', 'attributes.status DESC'],
      ['2', '1', '0'],
    ],
    [['tags.tag1'], ['1', '2', '0']],
    [['tags.tag1    DESC'], ['2', '1', '0']],
    [['created'], ['0', '2', '1']],
  ])('%j sorts %j', (orderBy, expected) => {
    expect(sorted('runs', parseOrderBy('runs', orderBy), runs)).toEqual(expected);
  });

  it('puts NaN after every number and a missing value last, ascending and descending', () => {
    const written = ['nan', 'inf', '-inf', '-1000', '0', '1000', 'None'];
    const metricRuns = written.map((value) =>
      subject(value, { attributes: { run_id: value, start_time: 0 }, metrics: value === 'None' ? {} : { x: Number(value.replace('inf', 'Infinity')) } }),
    );

    expect(sorted('runs', parseOrderBy('runs', ['metrics.x asc']), metricRuns)).toEqual(['-inf', '-1000', '0', '1000', 'inf', 'nan', 'None']);
    expect(sorted('runs', parseOrderBy('runs', ['metrics.x desc']), metricRuns)).toEqual(['inf', '1000', '0', '-1000', '-inf', 'nan', 'None']);
  });

  it('sorts params and tags as strings, metrics as numbers', () => {
    const records: [string, FakeRecord][] = [
      ['a', { attributes: { run_id: 'a', start_time: 0 }, params: { n: '10' }, metrics: { n: 10 } }],
      ['b', { attributes: { run_id: 'b', start_time: 0 }, params: { n: '9' }, metrics: { n: 9 } }],
    ];
    const subjects = records.map(([id, record]) => subject(id, record));

    expect(sorted('runs', parseOrderBy('runs', ['params.n']), subjects)).toEqual(['a', 'b']);
    expect(sorted('runs', parseOrderBy('runs', ['metrics.n']), subjects)).toEqual(['b', 'a']);
  });

  it.each([
    ['metrics.`Mean Square Error`', true],
    ['metrics.`Mean Square Error` ASC', true],
    ['metrics.`Mean Square Error` DESC', false],
  ])('reads %s', (orderBy, ascending) => {
    expect(parseOrderBy('runs', [orderBy])).toEqual([{ field: 'metric', key: 'Mean Square Error', ascending }]);
  });

  it.each([
    ['m.acc', 'Invalid entity type'],
    ['acc', 'Invalid attribute key'],
    ['attri.x', 'Invalid entity type'],
    ['`metrics.A', 'Invalid order_by clause'],
    ['`metrics.A`', 'Invalid entity type'],
    ['attribute.start', 'Invalid attribute key'],
    ['attribute.experiment_id', 'Invalid attribute key'],
    ['metrics.A != 1', "Invalid order_by clause 'metrics.A != 1'. Could not be parsed."],
    ['params.my_param ', 'Invalid order_by clause'],
    [' params.my_param', 'Invalid order_by clause'],
    ['', 'Invalid order_by clause'],
    ['attribute.run_id ACS', "Invalid ordering key in order_by clause 'attribute.run_id ACS'."],
    ['attribute.run_id decs', 'Invalid ordering key'],
    ['attribute.run_id ASC DESC', 'Invalid order_by clause'],
    ['datasets.name', 'Invalid order_by entity: dataset'],
  ])('fails on %j: %s', (orderBy, message) => {
    expect(failure(() => parseOrderBy('runs', [orderBy]))).toContain(message);
  });

  it('fails on a field named twice', () => {
    expect(failure(() => parseOrderBy('runs', ['metrics.a', 'metrics.`a` DESC']))).toBe(
      "`order_by` contains duplicate fields: ['metrics.a', 'metrics.`a` DESC']",
    );
    expect(failure(() => parseOrderBy('runs', ['start_time', 'created DESC']))).toContain('duplicate fields');
  });
});

describe('orders of the other entities', () => {
  it('sorts experiments by creation_time DESC, experiment_id by default, with experiment_id DESC breaking ties', () => {
    const experiments = [
      subject('1', { attributes: { experiment_id: 1, creation_time: 10, name: 'b' } }),
      subject('2', { attributes: { experiment_id: 2, creation_time: 20, name: 'a' } }),
      subject('3', { attributes: { experiment_id: 3, creation_time: 20, name: 'a' } }),
    ];

    expect(sorted('experiments', parseOrderBy('experiments', []), experiments)).toEqual(['2', '3', '1']);
    expect(sorted('experiments', parseOrderBy('experiments', ['name']), experiments)).toEqual(['3', '2', '1']);
    expect(sorted('experiments', parseOrderBy('experiments', ['attribute.name DESC', 'experiment_id']), experiments)).toEqual(['1', '2', '3']);
  });

  it('sorts registered models by name by default; timestamp means the last update', () => {
    const models = [
      subject('b', { attributes: { name: 'b', last_updated_timestamp: 1 } }),
      subject('a', { attributes: { name: 'a', last_updated_timestamp: 2 } }),
      subject('c', { attributes: { name: 'c', last_updated_timestamp: 2 } }),
    ];

    expect(sorted('registeredModels', parseOrderBy('registeredModels', undefined), models)).toEqual(['a', 'b', 'c']);
    expect(parseOrderBy('registeredModels', ['timestamp DESC'])).toEqual([{ field: 'attribute', key: 'last_updated_timestamp', ascending: false }]);
    expect(sorted('registeredModels', parseOrderBy('registeredModels', ['timestamp DESC']), models)).toEqual(['a', 'c', 'b']);
    expect(sorted('registeredModels', parseOrderBy('registeredModels', ['name DESC']), models)).toEqual(['c', 'b', 'a']);
  });

  it('sorts model versions by last update DESC, name, version DESC by default', () => {
    const versions = [
      subject('a1', { attributes: { name: 'a', version_number: 1, last_updated_timestamp: 5 } }),
      subject('a2', { attributes: { name: 'a', version_number: 2, last_updated_timestamp: 5 } }),
      subject('b1', { attributes: { name: 'b', version_number: 1, last_updated_timestamp: 5 } }),
      subject('a3', { attributes: { name: 'a', version_number: 3, last_updated_timestamp: 9 } }),
    ];

    expect(sorted('modelVersions', parseOrderBy('modelVersions', []), versions)).toEqual(['a3', 'a2', 'a1', 'b1']);
    expect(sorted('modelVersions', parseOrderBy('modelVersions', ['version_number']), versions)).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it.each<[Exclude<SearchEntity, 'loggedModels'>, string, string]>([
    [
      'registeredModels',
      'creation_timestamp DESC',
      "Invalid order by key 'creation_timestamp' specified. Valid keys are '{'last_updated_timestamp', 'name', 'timestamp'}'",
    ],
    ['registeredModels', 'last_updated_timestamp DESC blah', 'Invalid order_by clause'],
    ['registeredModels', '', 'Invalid order_by clause'],
    ['registeredModels', 'name aCs', 'Invalid ordering key'],
    ['experiments', 'tags.team', 'Invalid order_by entity: tag'],
    ['experiments', 'attributes.name', "Invalid entity type 'attributes'"],
    ['modelVersions', 'run_id', "Invalid attribute key 'run_id'"],
  ])('%s fails on %j: %s', (entity, orderBy, message) => {
    expect(failure(() => parseOrderBy(entity, [orderBy]))).toContain(message);
  });

  it('fails on a registered model order naming the last update twice', () => {
    expect(failure(() => parseOrderBy('registeredModels', ['timestamp', 'last_updated_timestamp DESC']))).toContain('duplicate fields');
  });
});

describe('logged models order (a list of objects)', () => {
  it('reads attributes and metrics, with their datasets', () => {
    expect(
      parseLoggedModelOrderBy([
        { field_name: 'creation_time', ascending: false },
        { field_name: 'metrics.auc', dataset_name: 'eval', dataset_digest: 'd1' },
        { field_name: 'name' },
      ]),
    ).toEqual([
      { field: 'attribute', key: 'creation_timestamp', ascending: false },
      { field: 'metric', key: 'auc', ascending: true, dataset: { name: 'eval', digest: 'd1' } },
      { field: 'attribute', key: 'name', ascending: true },
    ]);
  });

  it('sorts by creation DESC then model_id by default, and a metric on its dataset', () => {
    const models = ['m1', 'm2', 'm3'].map((id, index) => ({
      ...subject(id, { attributes: { model_id: id, creation_timestamp: index === 2 ? 0 : 1 } }),
      metric: (key: string, dataset?: { name: string }) => (key === 'auc' && dataset?.name === 'eval' ? [0.5, 0.9, 0.7][index] : undefined),
    }));

    expect(sorted('loggedModels', [], models)).toEqual(['m1', 'm2', 'm3']);
    expect(sorted('loggedModels', parseLoggedModelOrderBy([{ field_name: 'metrics.auc', ascending: false, dataset_name: 'eval' }]), models)).toEqual([
      'm2',
      'm3',
      'm1',
    ]);
    expect(sorted('loggedModels', parseLoggedModelOrderBy([{ field_name: 'metrics.auc', dataset_name: 'train' }]), models)).toEqual(['m1', 'm2', 'm3']);
  });

  it.each([
    [[{ ascending: true }], '`field_name` in the `order_by` clause must be specified.'],
    [[{ field_name: 'params.lr' }], 'Invalid order by field name: params, only `metrics.<name>` is allowed.'],
    [[{ field_name: 'artifact_location' }], 'Invalid order by field name: artifact_location.'],
    [[{ field_name: 'name', ascending: 'yes' }], 'Value of `ascending` in the `order_by` clause must be a boolean, got string for field name.'],
    [[{ field_name: 'metrics.auc', dataset_digest: 'd' }], '`dataset_digest` can only be specified if `dataset_name` is also specified.'],
    [['name'], '`order_by` must be a list of dictionaries.'],
  ])('fails on %j', (orderBy, message) => {
    expect(failure(() => parseLoggedModelOrderBy(orderBy as never))).toBe(message);
  });
});
