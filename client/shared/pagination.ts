import type { Page } from '../../lambda/shared/page';

/** Yields every item of a paged query, following `nextToken` from the first page to the last. */
export async function* allItems<T>(fetchPage: (nextToken: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    yield* page.items;
    nextToken = page.nextToken;
  } while (nextToken);
}

/**
 * The first `limit` items of a paged query: each page asks for no more than are still wanted (and at
 * most `maxPage`), and no page is read once `limit` items are in.
 */
export async function firstItems<T>(
  limit: number,
  fetchPage: (pageLimit: number, nextToken: string | undefined) => Promise<Page<T>>,
  maxPage = 100,
): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(Math.min(maxPage, limit - items.length), nextToken);
    items.push(...page.items.slice(0, limit - items.length));
    nextToken = page.nextToken;
  } while (nextToken && items.length < limit);
  return items;
}
