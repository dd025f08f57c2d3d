import { ValidationError } from '../../shared/errors';
import type { ServedImage } from './model';
import type { DeploymentImages, ModelAliases } from './ports';

/** What a deployment asks to serve: one image version, or the one serving a model alias's version. */
export interface ImageTarget {
  readonly image: string;
  readonly version?: number;
  readonly follow?: { readonly model: string; readonly alias: string };
  /** Versions following the alias passes over: the ones a rollback took off the deployment. */
  readonly passOver?: readonly number[];
}

/**
 * The READY image version a target names, pinned (digest and model data): refused with the field at fault when
 * the image or version does not exist, is not READY, has no model data SageMaker can load, or, for an alias, when
 * no READY version of the image serves the alias's model version.
 */
export async function servedImage(images: DeploymentImages, aliases: ModelAliases, target: ImageTarget): Promise<ServedImage> {
  const version = target.version ?? (await followedVersion(images, aliases, target.image, target.follow!, target.passOver ?? []));
  const field = target.version === undefined ? 'follow' : 'version';
  const record = await images.getVersion(target.image, version);
  if (!record) {
    // Read only to say which field is wrong: no image at all is the caller's image name, not its version.
    if (!(await images.getImage(target.image))) throw ValidationError.of('image', `no image is named ${target.image} (mlops image list)`);
    throw ValidationError.of(field, `image ${target.image} has no version ${version}`);
  }
  if (record.status !== 'READY' || !record.imageUri) {
    throw ValidationError.of(
      field,
      `version ${version} of image ${target.image} is ${record.status}, not READY: wait for its build (mlops image show ${target.image})`,
    );
  }
  if (!record.modelDataUrl) {
    throw ValidationError.of(
      field,
      `version ${version} of image ${target.image} has no model data for SageMaker to load (an external image serving several models or a directory)`,
    );
  }
  return {
    name: record.name,
    version: record.version,
    imageUri: record.imageUri,
    modelDataUrl: record.modelDataUrl,
    models: record.models.map(({ name, version: modelVersion }) => ({ name, version: modelVersion })),
  };
}

/** The newest READY version of `image` that serves the version `alias` points at, and is not passed over. */
async function followedVersion(
  images: DeploymentImages,
  aliases: ModelAliases,
  image: string,
  { model, alias }: { model: string; alias: string },
  passOver: readonly number[],
) {
  const modelVersion = await aliases.aliasVersion(model, alias);
  if (modelVersion === undefined) throw ValidationError.of('follow', `model ${model} has no alias ${alias}`);
  const serving = (await images.versionsServing(model, modelVersion)).filter(({ name }) => name === image).map(({ version }) => version);
  const passedOver: number[] = [];
  for (const version of serving.sort((a, b) => b - a)) {
    if ((await images.getVersion(image, version))?.status !== 'READY') continue;
    if (!passOver.includes(version)) return version;
    passedOver.push(version);
  }
  const rolledBack =
    passedOver.length === 0
      ? ''
      : ` but ${passedOver.map((version) => `${image}:${version}`).join(', ')}, which this deployment rolled back (mlops deploy update --version ${passedOver[0]} rolls it out anyway)`;
  throw ValidationError.of(
    'follow',
    `no READY version of image ${image} serves ${model} version ${modelVersion} (${alias})${rolledBack}: register one with mlops image register ${image} --model ${model}@${alias}`,
  );
}
