import { ValidationError } from './errors';

type Key = Record<string, unknown>;

/** What a token is bound to: the query kind and its arguments, compared as JSON. */
export type PageScope = readonly (string | null)[];

/**
 * Page tokens are opaque to callers: the DynamoDB key to resume from, bound to the query that made
 * it, so a token cannot be replayed against another model or index.
 */
export function encodePageToken(scope: PageScope, lastKey: Key | undefined): string | undefined {
  if (!lastKey) return undefined;
  return Buffer.from(JSON.stringify({ s: JSON.stringify(scope), k: lastKey })).toString('base64url');
}

export function decodePageToken(scope: PageScope, token: string | undefined): Key | undefined {
  if (token === undefined) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (decoded.s === JSON.stringify(scope) && decoded.k !== null && typeof decoded.k === 'object') return decoded.k as Key;
  } catch {
    // fall through to the validation error
  }
  throw ValidationError.of('nextToken', 'is not a token returned by this query');
}
