import { ValidationError } from '../../../shared/errors';
import { fingerprint } from '../../../shared/fingerprint';
import type { FilterExpr, OrderClause } from './ast';
import { ENTITY_RULES, type SearchEntity } from './entities';
import { printFilter } from './print-filter';

/** What a page token is bound to: a token from another query (or another experiment) is refused. */
export interface SearchQuery {
  readonly entity: SearchEntity;
  readonly filter?: FilterExpr;
  readonly orderBy: readonly OrderClause[];
  /** Anything else that selects the records: experiment ids, run view type, a model name. */
  readonly scope?: unknown;
}

export interface PageRequest {
  readonly maxResults?: number;
  readonly pageToken?: string;
}

export interface SearchPage<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/** `max_results` checked as MLflow does, with its default when absent (runs: 1,000, at most 50,000). */
export function maxResultsFor(entity: SearchEntity, requested: number | undefined): number {
  const limits = ENTITY_RULES[entity].maxResults;
  if (requested === undefined) return limits.default;
  if (!Number.isSafeInteger(requested) || requested < 1) {
    throw ValidationError.of('max_results', `Invalid value for request parameter max_results. It must be a positive integer, but got ${requested}`);
  }
  if (requested > limits.max) {
    throw ValidationError.of('max_results', `Invalid value for request parameter max_results. It must be at most ${limits.max}, but got value ${requested}`);
  }
  return requested;
}

/**
 * One page of a fully sorted result, paged by offset as MLflow's SQL store pages. The token is opaque:
 * the offset and a digest of the query, so a token replayed with another filter, order or scope fails
 * instead of returning a page of something else.
 */
export function paginate<T>(sorted: readonly T[], query: SearchQuery, request: PageRequest): SearchPage<T> {
  const limit = maxResultsFor(query.entity, request.maxResults);
  const guard = queryGuard(query);
  const offset = request.pageToken ? decodeOffset(request.pageToken, guard) : 0;
  const end = offset + limit;
  const items = sorted.slice(offset, end);
  return end < sorted.length ? { items, nextToken: Buffer.from(JSON.stringify({ offset: end, query: guard })).toString('base64url') } : { items };
}

function queryGuard({ entity, filter, orderBy, scope }: SearchQuery): string {
  return fingerprint({ entity, filter: filter === undefined ? '' : printFilter(filter), orderBy, scope: scope ?? null }).slice(0, 24);
}

function decodeOffset(token: string, guard: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { offset, query } = (decoded ?? {}) as { offset?: unknown; query?: unknown };
  if (!Number.isSafeInteger(offset) || (offset as number) < 1 || typeof query !== 'string') {
    throw ValidationError.of('page_token', 'Invalid page token: it is not one this search returned');
  }
  if (query !== guard) {
    throw ValidationError.of(
      'page_token',
      'Invalid page token: it belongs to a search with another filter, order_by or scope; start again without a page token',
    );
  }
  return offset as number;
}
