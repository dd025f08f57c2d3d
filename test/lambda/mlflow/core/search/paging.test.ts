import type { SearchEntity } from '../../../../../lambda/mlflow/core/search/entities';
import { parseOrderBy } from '../../../../../lambda/mlflow/core/search/order-by';
import { maxResultsFor, paginate, type SearchQuery } from '../../../../../lambda/mlflow/core/search/paging';
import { parseFilter } from '../../../../../lambda/mlflow/core/search/parse-filter';
import { ValidationError } from '../../../../../lambda/shared/errors';

const query: SearchQuery = {
  entity: 'runs',
  filter: parseFilter('runs', "metrics.a > 1 and params.b = 'x'"),
  orderBy: parseOrderBy('runs', ['metrics.a DESC']),
  scope: ['exp-1'],
};
const items = ['0', '1', '2'];
/** The token MLflow would give for `offset`: the one after a first page of that size. */
const tokenAt = (offset: number, at: SearchQuery = query) => paginate(items, at, { maxResults: offset }).nextToken;

function failure(path: string, act: () => unknown): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe(path);
    return (error as ValidationError).issues[0]?.message ?? '';
  }
  throw new Error('no error');
}

describe('paginate, by offset as MLflow pages (test_pagination)', () => {
  it.each<[number | undefined, number, string[], number | undefined]>([
    [undefined, 1, ['0'], 1],
    [undefined, 2, ['0', '1'], 2],
    [undefined, 3, ['0', '1', '2'], undefined],
    [undefined, 5, ['0', '1', '2'], undefined],
    [1, 1, ['1'], 2],
    [1, 2, ['1', '2'], undefined],
    [1, 3, ['1', '2'], undefined],
    [2, 1, ['2'], undefined],
    [2, 2, ['2'], undefined],
  ])('from offset %s, %i a page: %j, next at %s', (offset, maxResults, expected, nextOffset) => {
    const page = paginate(items, query, { maxResults, ...(offset === undefined ? {} : { pageToken: tokenAt(offset) }) });

    expect(page.items).toEqual(expected);
    expect(page.nextToken).toBe(nextOffset === undefined ? undefined : tokenAt(nextOffset));
  });

  it('returns an empty last page for a token past the end (the list shrank since)', () => {
    const token = paginate(['0', '1', '2', '3'], query, { maxResults: 3 }).nextToken;

    expect(paginate(items, query, { maxResults: 1, pageToken: token })).toEqual({ items: [] });
  });

  it('walks every item once, in order', () => {
    const all = Array.from({ length: 25 }, (_, index) => index);
    const seen: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = paginate(all, query, { maxResults: 7, ...(pageToken ? { pageToken } : {}) });
      seen.push(...page.items);
      pageToken = page.nextToken;
    } while (pageToken);

    expect(seen).toEqual(all);
  });

  it('takes an empty token as none, and a token of the same query written otherwise', () => {
    expect(paginate(items, query, { maxResults: 1, pageToken: '' }).items).toEqual(['0']);
    const rewritten = { ...query, filter: parseFilter('runs', '(metrics.`a` > 1.0) AND params.b = "x"') };

    expect(paginate(items, rewritten, { maxResults: 1, pageToken: tokenAt(1) }).items).toEqual(['1']);
  });

  it.each<[string, SearchQuery]>([
    ['another filter', { ...query, filter: parseFilter('runs', 'metrics.a > 2') }],
    ['no filter', { entity: 'runs', orderBy: query.orderBy, scope: query.scope }],
    ['another order', { ...query, orderBy: parseOrderBy('runs', ['metrics.a']) }],
    ['another scope', { ...query, scope: ['exp-2'] }],
    ['another entity', { ...query, entity: 'loggedModels' }],
  ])('fails on a token of a search with %s', (_, other) => {
    expect(failure('page_token', () => paginate(items, other, { maxResults: 1, pageToken: tokenAt(1) }))).toContain(
      'belongs to a search with another filter, order_by or scope',
    );
  });

  it.each([
    ['not base64 at all', 'not base64!'],
    ['empty JSON', Buffer.from('{}').toString('base64url')],
    ['a text offset', Buffer.from(JSON.stringify({ offset: 'a', query: 'x' })).toString('base64url')],
    ['a negative offset', Buffer.from(JSON.stringify({ offset: -1, query: 'x' })).toString('base64url')],
    ["MLflow's own token", Buffer.from(JSON.stringify({ offset: 1 })).toString('base64')],
    ['not JSON', Buffer.from('not json').toString('base64url')],
  ])('fails on %s', (_, pageToken) => {
    expect(failure('page_token', () => paginate(items, query, { maxResults: 1, pageToken }))).toBe('Invalid page token: it is not one this search returned');
  });
});

describe('maxResultsFor', () => {
  it.each<[SearchEntity, number, number]>([
    ['runs', 1000, 50_000],
    ['experiments', 1000, 50_000],
    ['registeredModels', 100, 1000],
    ['modelVersions', 10_000, 200_000],
    ['loggedModels', 100, 50_000],
  ])('%s: %i by default, at most %i', (entity, byDefault, max) => {
    expect(maxResultsFor(entity, undefined)).toBe(byDefault);
    expect(maxResultsFor(entity, max)).toBe(max);
    expect(failure('max_results', () => maxResultsFor(entity, max + 1))).toBe(
      `Invalid value for request parameter max_results. It must be at most ${max}, but got value ${max + 1}`,
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('fails on %s', (value) => {
    expect(failure('max_results', () => maxResultsFor('runs', value))).toBe(
      `Invalid value for request parameter max_results. It must be a positive integer, but got ${value}`,
    );
  });

  it('checks max_results before reading the token', () => {
    expect(failure('max_results', () => paginate(items, query, { maxResults: 0, pageToken: 'junk' }))).toContain('positive integer');
  });
});
