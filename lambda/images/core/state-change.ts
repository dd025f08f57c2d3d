import type { ImageVersionRecord } from './model';
import type { ImageBuildStateChanged } from './ports';

/** The `ImageBuildStateChanged` event of a version in its current state. */
export const stateChange = (record: ImageVersionRecord): ImageBuildStateChanged => ({
  name: record.name,
  version: record.version,
  status: record.status,
  imageUri: record.imageUri,
  digest: record.digest,
  models: record.models.map(({ name, version }) => ({ name, version })),
  scan: record.scan,
  logsUrl: record.build?.logsUrl,
  failure: record.build?.failure,
});
