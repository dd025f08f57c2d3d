import * as z from 'zod/mini';
import { AliasName, ModelName } from '../../registry/core/schemas';

/**
 * The event the deployment event handler takes: the registry's `ModelAliasChanged` from the platform bus. Only the
 * fields read are checked, to the bounds the request schemas set (anyone allowed `PutEvents` on the bus can send
 * one); the rest is left as the registry adds to it. The alias is read again from the registry, not from here.
 */
export const DeploymentEvent = z.looseObject({
  'detail-type': z.literal('ModelAliasChanged'),
  detail: z.looseObject({ name: ModelName, alias: AliasName }),
});
export type DeploymentEvent = z.output<typeof DeploymentEvent>;
