import { firstItems } from '../../../client/shared/pagination';

/** A paged query over 1..`total`, recording what each call asked for. */
function pagedNumbers(total: number) {
  const calls: [number, string | undefined][] = [];
  const fetchPage = async (pageLimit: number, nextToken: string | undefined) => {
    calls.push([pageLimit, nextToken]);
    const start = Number(nextToken ?? 0);
    const items = Array.from({ length: Math.min(pageLimit, total - start) }, (_, index) => start + index + 1);
    const end = start + items.length;
    return { items, ...(end < total ? { nextToken: String(end) } : {}) };
  };
  return { calls, fetchPage };
}

describe('firstItems', () => {
  it('reads pages until it has the first limit items, asking each page for what is still wanted', async () => {
    const { calls, fetchPage } = pagedNumbers(500);

    const items = await firstItems(250, fetchPage);

    expect(items).toEqual(Array.from({ length: 250 }, (_, index) => index + 1));
    expect(calls).toEqual([
      [100, undefined],
      [100, '100'],
      [50, '200'],
    ]);
  });

  it('stops at the last page when there are fewer items than the limit', async () => {
    const { calls, fetchPage } = pagedNumbers(3);

    expect(await firstItems(20, fetchPage)).toEqual([1, 2, 3]);
    expect(calls).toEqual([[20, undefined]]);
  });

  it('keeps no more than the limit when a page returns more than asked', async () => {
    const items = await firstItems(2, async () => ({ items: [1, 2, 3], nextToken: 'more' }));

    expect(items).toEqual([1, 2]);
  });
});
