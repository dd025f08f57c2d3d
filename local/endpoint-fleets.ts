import type { S3Client } from '@aws-sdk/client-s3';
import type { ImageVersionRecord } from '../lambda/images/core/model';
import type { FleetStarter } from './sagemaker-endpoints';
import { serveImageLocally } from './serve-image';

/**
 * A SageMaker model's fleet on this machine: the image version the model's `mlops:image` tag names (as the
 * deployments' hosting adapter tags every model it creates), served by its serving shim from the build context and
 * the model data the build packed (`serveImageLocally`), healthy once it answers `/ping` as SageMaker's health check
 * wants. One process stands for the variant's instances.
 */

export interface ImageFleetsOptions {
  readonly s3: S3Client;
  /** The images table's record of a version (`DynamoImageStore.getVersion` on the local platform). */
  readonly findImage: (name: string, version: number) => Promise<ImageVersionRecord | undefined>;
}

/** The tag the deployments' hosting adapter gives each model: `<image>:<version>`. */
const IMAGE_TAG = 'mlops:image';

export function imageFleets(options: ImageFleetsOptions): FleetStarter {
  return async (model, variant) => {
    const tag = model.definition.Tags?.find(({ Key }) => Key === IMAGE_TAG)?.Value ?? '';
    const [, name, version] = /^(.+):(\d+)$/.exec(tag) ?? [];
    if (!name) throw new Error(`model ${model.name} has no ${IMAGE_TAG} tag naming <image>:<version>: the local platform serves only its own images`);
    const image = await options.findImage(name, Number(version));
    if (!image) throw new Error(`image ${name} version ${version} (the ${IMAGE_TAG} tag of model ${model.name}) does not exist`);
    const pinned = model.definition.PrimaryContainer?.Image;
    if (pinned && image.imageUri && pinned !== image.imageUri) {
      throw new Error(`model ${model.name} runs ${pinned}, not ${image.imageUri}, the image ${name} version ${version} the platform built`);
    }
    const shim = await serveImageLocally(options.s3, image);
    const ping = await fetch(`${shim.endpoint}/ping`).then(
      async (answer) => ({ ok: answer.ok, text: await answer.text() }),
      (error: Error) => ({ ok: false, text: error.message }),
    );
    if (!ping.ok) {
      await shim.stop();
      throw new Error(`The primary container for production variant ${variant.VariantName} did not pass the ping health check: ${ping.text.slice(0, 500)}`);
    }
    return { url: shim.endpoint, stop: () => shim.stop() };
  };
}
