import { mapConcurrently } from '../../../lambda/shared/map-concurrently';

describe('mapConcurrently', () => {
  it('keeps the order of the items and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;

    const results = await mapConcurrently([5, 1, 4, 2, 3], 2, async (item) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, item));
      running--;
      return item * 10;
    });

    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('fails with the first failure and starts nothing after it', async () => {
    const started: number[] = [];

    const outcome = mapConcurrently([1, 2, 3, 4], 1, async (item) => {
      started.push(item);
      if (item === 2) throw new Error('boom');
      return item;
    });

    await expect(outcome).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('maps nothing to nothing', async () => {
    expect(await mapConcurrently([], 4, async () => 1)).toEqual([]);
  });
});
