import * as z from 'zod/mini';
import { ImageName, ImageVersionNumber } from '../../images/core/schemas';
import { AliasName, ModelName } from '../../registry/core/schemas';

/**
 * The events the deployment event handler takes from the platform bus: the registry's `ModelAliasChanged`, and the
 * images' `ImageBuildStateChanged`. Only the
 * fields read are checked, to the bounds the request schemas set (anyone allowed `PutEvents` on the bus can send
 * one); the rest is left as the registry adds to it. The alias is read again from the registry, not from here.
 */
export const DeploymentEvent = z.discriminatedUnion('detail-type', [
  z.looseObject({ 'detail-type': z.literal('ModelAliasChanged'), detail: z.looseObject({ name: ModelName, alias: AliasName }) }),
  /** An image version's build ended: a following deployment of that image may now roll out its alias's version. */
  z.looseObject({
    'detail-type': z.literal('ImageBuildStateChanged'),
    detail: z.looseObject({ name: ImageName, version: ImageVersionNumber, status: z.string().check(z.maxLength(16)) }),
  }),
]);
export type DeploymentEvent = z.output<typeof DeploymentEvent>;
