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
