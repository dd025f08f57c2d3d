import * as z from 'zod/mini';

/**
 * The events the image event handler takes: CodeBuild's build and phase changes (from the default
 * bus) and the registry's alias moves (from the platform bus). Only the fields read are checked;
 * AWS adds fields to its events over time.
 */

const BuildInformation = z.optional(
  z.looseObject({
    environment: z.optional(z.looseObject({ 'environment-variables': z.optional(z.array(z.looseObject({ name: z.string(), value: z.optional(z.string()) }))) })),
    logs: z.optional(z.looseObject({ 'deep-link': z.optional(z.string()) })),
    phases: z.optional(
      z.array(z.looseObject({ 'phase-type': z.string(), 'phase-status': z.optional(z.string()), 'phase-context': z.optional(z.array(z.string())) })),
    ),
  }),
);

const BuildStateChangeDetail = z.looseObject({
  'build-status': z.string(),
  'build-id': z.string(),
  'project-name': z.string(),
  'additional-information': BuildInformation,
});

const BuildPhaseChangeDetail = z.looseObject({
  'completed-phase': z.string(),
  'completed-phase-status': z.optional(z.string()),
  'build-id': z.string(),
  'project-name': z.string(),
  'additional-information': BuildInformation,
});

const AliasMoveDetail = z.looseObject({
  name: z.string(),
  alias: z.string(),
  fromVersion: z.optional(z.number()),
  toVersion: z.number(),
});

export const ImageEvent = z.discriminatedUnion('detail-type', [
  z.looseObject({ 'detail-type': z.literal('CodeBuild Build State Change'), detail: BuildStateChangeDetail }),
  z.looseObject({ 'detail-type': z.literal('CodeBuild Build Phase Change'), detail: BuildPhaseChangeDetail }),
  z.looseObject({ 'detail-type': z.literal('ModelAliasChanged'), detail: AliasMoveDetail }),
]);
export type ImageEvent = z.output<typeof ImageEvent>;
export type BuildStateChange = z.output<typeof BuildStateChangeDetail>;
export type BuildPhaseChange = z.output<typeof BuildPhaseChangeDetail>;
export type AliasMove = z.output<typeof AliasMoveDetail>;
