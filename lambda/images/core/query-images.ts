import { NotFoundError } from '../../shared/errors';
import type { Page } from '../../shared/page';
import type { ImageRecord, ImageVersionRecord } from './model';
import type { ImageStore } from './ports';
import type { QueryImagesCommand } from './schemas';

/** An image with its newest version, as `listImages` answers. */
export interface ImageSummary extends ImageRecord {
  readonly latest?: ImageVersionRecord;
}

export type QueryImagesResult = ImageVersionRecord | Page<ImageSummary> | Page<ImageVersionRecord>;

/** Answers the image queries: one version (the newest by default), the images, an image's versions. */
export function queryImages(store: ImageStore) {
  const newest = async (name: string) => (await store.listVersions(name, { limit: 1 })).items[0];
  return async (command: QueryImagesCommand): Promise<QueryImagesResult> => {
    switch (command.query) {
      case 'getImage': {
        const record = command.version === undefined ? await newest(command.name) : await store.getVersion(command.name, command.version);
        if (!record)
          throw new NotFoundError(
            command.version === undefined ? `image ${command.name} has no versions` : `image ${command.name} has no version ${command.version}`,
          );
        return record;
      }
      case 'listImages': {
        const page = await store.listImages(command);
        const items = await Promise.all(page.items.map(async (image) => ({ ...image, latest: await newest(image.name) })));
        return { ...page, items };
      }
      case 'listImageVersions': {
        if (!(await store.getImage(command.name))) throw new NotFoundError(`image ${command.name} does not exist`);
        return store.listVersions(command.name, command);
      }
    }
  };
}
