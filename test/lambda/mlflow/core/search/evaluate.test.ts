import { matches } from '../../../../../lambda/mlflow/core/search/evaluate';
import { parseFilter } from '../../../../../lambda/mlflow/core/search/parse-filter';
import { ids, subject } from './subjects';

/** The three runs of MLflow's test_correct_filtering. */
const runs = [
  subject('0', {
    attributes: { run_id: 'hi', status: 'FAILED', start_time: 0, end_time: 1, user_id: 'user-id' },
    metrics: { key1: 121 },
    params: { my_param: 'A' },
    datasets: [{ name: 'name1', digest: 'digest1', context: 'train' }],
  }),
  subject('1', {
    attributes: { run_id: 'hi2', status: 'FINISHED', start_time: 0, end_time: 1, user_id: 'user-id' },
    metrics: { key1: 123 },
    params: { my_param: 'A' },
    tags: { tag1: 'C' },
    datasets: [{ name: 'name1', digest: 'digest1' }],
  }),
  subject('2', {
    attributes: { run_id: 'hi3', status: 'FAILED', start_time: 0, end_time: 1, user_id: 'user-id' },
    metrics: { key1: 125 },
    params: { my_param: 'B' },
    tags: { tag1: 'D' },
    datasets: [{ name: 'name2', digest: 'digest2' }],
  }),
];
const search = (filter: string | undefined) => ids(runs.filter((run) => matches(parseFilter('runs', filter), run)));

describe('matches, as MLflow filters runs', () => {
  it.each([
    [undefined, ['0', '1', '2']],
    ['', ['0', '1', '2']],
    ["attributes.status = 'FAILED'", ['0', '2']],
    ['metrics.key1 = 123', ['1']],
    ['metrics.key1 != 123', ['0', '2']],
    ['metrics.key1 >= 123', ['1', '2']],
    ["params.my_param = 'A'", ['0', '1']],
    ["tags.tag1 = 'D'", ['2']],
    ["tags.tag1 != 'D'", ['1']],
    ["params.my_param = 'A' AND attributes.status = 'FAILED'", ['0']],
    ["datasets.name = 'name1'", ['0', '1']],
    ["datasets.name IN ('name1', 'name2')", ['0', '1', '2']],
    ["datasets.digest IN ('digest1', 'digest2')", ['0', '1', '2']],
    ["datasets.name = 'name1' AND datasets.digest = 'digest2'", []],
    ["datasets.context = 'train'", ['0']],
    ["datasets.name = 'name1' AND datasets.context = 'train'", ['0']],
    ["datasets.context != 'train'", []],
    ["attributes.run_id IN ('hi', 'hi3')", ['0', '2']],
    ["attributes.run_id NOT IN ('hi', 'hi3')", ['1']],
    ['attribute.start_time >= 0', ['0', '1', '2']],
    ['attribute.created > 0', []],
    ["attribute.user_id = 'user-id'", ['0', '1', '2']],
  ])('%s matches runs %j', (filter, expected) => {
    expect(search(filter)).toEqual(expected);
  });

  it.each([
    ["attributes.status = 'FINISHED' OR tags.tag1 = 'D'", ['1', '2']],
    ['metrics.key1 < 122 OR metrics.key1 > 124', ['0', '2']],
    ["params.my_param = 'B' OR params.my_param = 'A' AND tags.tag1 = 'C'", ['1', '2']],
    ["(params.my_param = 'B' OR params.my_param = 'A') AND tags.tag1 = 'C'", ['1']],
    ["(attributes.status = 'FAILED' AND metrics.key1 > 122) OR (datasets.context = 'train')", ['0', '2']],
  ])('%s (OR and parentheses) matches runs %j', (filter, expected) => {
    expect(search(filter)).toEqual(expected);
  });

  it('matches nothing on a metric, param or tag a run lacks, != included; IS NULL matches only the absence', () => {
    expect(search('metrics.other != 1')).toEqual([]);
    expect(search("params.other != 'x'")).toEqual([]);
    expect(search("tags.tag1 != 'nothing'")).toEqual(['1', '2']);
    expect(search('tags.tag1 IS NULL')).toEqual(['0']);
    expect(search('tags.tag1 IS NOT NULL')).toEqual(['1', '2']);
    expect(search('params.my_param IS NULL')).toEqual([]);
    expect(search("tags.tag1 IS NULL OR tags.tag1 = 'D'")).toEqual(['0', '2']);
  });

  it('matches no run on an attribute the run has no value for (a run still running has no end_time)', () => {
    const running = subject('running', { attributes: { status: 'RUNNING', start_time: 5 } });

    expect(matches(parseFilter('runs', 'attributes.end_time < 100'), running)).toBe(false);
    expect(matches(parseFilter('runs', 'attributes.end_time != 100'), running)).toBe(false);
  });

  it('compares metrics as numbers, NaN equal to nothing', () => {
    const run = (value: number) => subject(String(value), { metrics: { m: value } });
    const values = [Number.NaN, Number.NEGATIVE_INFINITY, -1, 0, 1e-9, 2, Number.POSITIVE_INFINITY].map(run);
    const filter = (text: string) => ids(values.filter((one) => matches(parseFilter('runs', text), one)));

    expect(filter('metrics.m > 0')).toEqual(['1e-9', '2', 'Infinity']);
    expect(filter('metrics.m <= -1')).toEqual(['-Infinity', '-1']);
    expect(filter('metrics.m = 2e0')).toEqual(['2']);
    expect(filter('metrics.m != 0')).toEqual(['NaN', '-Infinity', '-1', '1e-9', '2', 'Infinity']);
  });

  it('reads numeric attributes given as strings as numbers', () => {
    expect(matches(parseFilter('runs', 'attributes.start_time > 9'), subject('s', { attributes: { start_time: '10' } }))).toBe(true);
  });
});

describe('LIKE and ILIKE, as SQL', () => {
  const likes = (value: string, comparator: 'LIKE' | 'ILIKE', pattern: string) =>
    matches(parseFilter('runs', `params.p ${comparator} '${pattern.replaceAll("'", "''")}'`), subject('x', { params: { p: value } }));

  it.each([
    ['GPT-4', 'LIKE', 'GPT%', true],
    ['gpt-4', 'LIKE', 'GPT%', false],
    ['gpt-4', 'ILIKE', 'GPT%', true],
    ['GPT-4', 'LIKE', '%4', true],
    ['GPT-4', 'LIKE', '%PT%', true],
    ['GPT-4', 'LIKE', 'GPT', false],
    ['GPT-4', 'LIKE', 'GPT-_', true],
    ['GPT-42', 'LIKE', 'GPT-_', false],
    ['GPT-', 'LIKE', 'GPT-_', false],
    ['', 'LIKE', '%', true],
    ['', 'LIKE', '_', false],
    ['abc', 'LIKE', '___', true],
    ['abc', 'LIKE', '%%', true],
    ['jamie-foo C+W bar', 'LIKE', 'jamie-foo C+W bar', true],
    ['jamie-foo C+W bar', 'LIKE', 'jamie-foo C+%', true],
    ['a.c', 'LIKE', 'a.c', true],
    ['abc', 'LIKE', 'a.c', false],
    ['a(b)[c]{d}^$|?*\\', 'LIKE', 'a(b)[c]{d}^$|?*\\', true],
    ['line1\nline2', 'LIKE', 'line1%line2', true],
    ['line1\nline2', 'LIKE', 'line1_line2', true],
    ['ünï', 'LIKE', '___', true],
    ['ÜNÏ', 'ILIKE', 'ünï', true],
    ['🙂x', 'LIKE', '_x', true],
    ["it's", 'LIKE', "it'_", true],
  ])('%j %s %j is %s', (value, comparator, pattern, expected) => {
    expect(likes(value, comparator as 'LIKE' | 'ILIKE', pattern)).toBe(expected);
  });

  it('answers a pattern that makes a RegExp backtrack without end, quickly', () => {
    const started = performance.now();

    expect(likes('a'.repeat(5000), 'LIKE', `${'%a'.repeat(40)}b`)).toBe(false);
    expect(likes(`${'a'.repeat(5000)}b`, 'ILIKE', `${'%A'.repeat(40)}%B`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('compares = and != case-sensitively', () => {
    expect(matches(parseFilter('runs', "params.p = 'abc'"), subject('x', { params: { p: 'ABC' } }))).toBe(false);
    expect(matches(parseFilter('runs', "params.p != 'abc'"), subject('x', { params: { p: 'ABC' } }))).toBe(true);
  });
});

describe('matches on other entities', () => {
  it('reads experiments, models and versions through attribute and tag only', () => {
    const experiment = { attribute: (name: string) => ({ name: 'churn', creation_time: 10 })[name], tag: (key: string) => (key === 'team' ? 'ml' : undefined) };

    expect(matches(parseFilter('experiments', "name LIKE 'ch%' AND creation_time >= 10 AND tags.team = 'ml'"), experiment)).toBe(true);
    expect(matches(parseFilter('experiments', 'tags.other IS NULL'), experiment)).toBe(true);
    expect(matches(parseFilter('modelVersions', "run_id IN ('r1')"), { attribute: () => undefined, tag: () => undefined })).toBe(false);
  });
});
