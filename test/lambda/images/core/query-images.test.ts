import type { ImageVersionRecord } from '../../../../lambda/images/core/model';
import { type ImageSummary, queryImages } from '../../../../lambda/images/core/query-images';
import { QueryImagesRequest } from '../../../../lambda/images/core/schemas';
import { NotFoundError } from '../../../../lambda/shared/errors';
import type { Page } from '../../../../lambda/shared/page';
import { parseRequest } from '../../../../lambda/shared/validation';
import { InMemoryImageStore, versionRecord } from './fakes';

function setUp() {
  const store = new InMemoryImageStore()
    .put(versionRecord({ name: 'churn-scorer', version: 1, status: 'FAILED' }))
    .put(versionRecord({ name: 'churn-scorer', version: 2, status: 'READY' }))
    .put(versionRecord({ name: 'fraud-scorer', version: 1 }));
  const query = queryImages(store);
  const ask = (request: Record<string, unknown>) => query(parseRequest(QueryImagesRequest, request));
  return { store, ask };
}

describe('queryImages', () => {
  it('answers getImage with the newest version by default', async () => {
    const { ask } = setUp();

    expect(await ask({ query: 'getImage', name: 'churn-scorer' })).toMatchObject({ name: 'churn-scorer', version: 2, status: 'READY' });
  });

  it('answers getImage with the version asked for', async () => {
    const { ask } = setUp();

    expect(await ask({ query: 'getImage', name: 'churn-scorer', version: 1 })).toMatchObject({ version: 1, status: 'FAILED' });
  });

  it.each([
    [{ query: 'getImage', name: 'churn-scorer', version: 9 }, 'image churn-scorer has no version 9'],
    [{ query: 'getImage', name: 'ranker' }, 'image ranker has no versions'],
    [{ query: 'listImageVersions', name: 'ranker' }, 'image ranker does not exist'],
  ])('fails with NotFoundError on %j', async (request, message) => {
    const { ask } = setUp();

    await expect(ask(request)).rejects.toThrow(new NotFoundError(message));
  });

  it('lists the images, each with its newest version', async () => {
    const { ask } = setUp();

    const page = (await ask({ query: 'listImages' })) as Page<ImageSummary>;

    expect(page.items.map((image) => [image.name, image.latest?.version])).toEqual([
      ['churn-scorer', 2],
      ['fraud-scorer', 1],
    ]);
  });

  it('lists the versions of an image, newest first, a page at a time', async () => {
    const { ask } = setUp();

    const first = (await ask({ query: 'listImageVersions', name: 'churn-scorer', limit: 1 })) as Page<ImageVersionRecord>;
    const second = (await ask({ query: 'listImageVersions', name: 'churn-scorer', limit: 1, nextToken: first.nextToken })) as Page<ImageVersionRecord>;

    expect(first.items.map((record) => record.version)).toEqual([2]);
    expect(second.items.map((record) => record.version)).toEqual([1]);
    expect(second.nextToken).toBeUndefined();
  });
});
