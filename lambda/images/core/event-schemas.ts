import * as z from 'zod/mini';
import { AliasName, ModelName, VersionNumber } from '../../registry/core/schemas';
import { BASE_IMAGE_DIGEST_VARIABLE } from './buildspec';
import { ImageName } from './schemas';

/**
 * The events the image event handler takes: CodeBuild's build and phase changes (from the default
 * bus) and the registry's alias moves (from the platform bus). Only the fields read are checked;
 * AWS adds fields to its events over time. Whatever is read is held to the bounds the request
 * schemas set (names, versions) or to a length the table can keep: anyone allowed `PutEvents` on
 * a bus can send these, so a field out of bounds is a `ValidationError` naming it, never a write.
 */

/** Free text from CodeBuild kept in the record (ids, links, phase names, failure context). */
const Text = (max: number) => z.string().check(z.maxLength(max));

/** `IMAGE_VERSION` as CodeBuild passes it: the decimal text of a version number. */
const VersionText = z.pipe(
  z.string().check(z.regex(/^[1-9][0-9]{0,9}$/, 'must be a version number')),
  z.pipe(
    z.transform((text: string) => Number(text)),
    VersionNumber,
  ),
);

/** CodeBuild's list of `{ name, value }` variables, the ones named in `checked` held to their schemas. */
const Variables = (checked: Readonly<Record<string, z.ZodMiniType>>) =>
  z.array(z.looseObject({ name: Text(256), value: z.optional(z.string()) })).check(
    z.maxLength(200),
    z.superRefine((variables, context) => {
      variables.forEach((variable, index) => {
        const schema = checked[variable.name];
        if (!schema) return;
        const parsed = z.safeParse(schema, variable.value);
        for (const issue of parsed.error?.issues ?? []) {
          context.issues.push({ code: 'custom', input: variable.value, path: [index, 'value'], message: `${variable.name} ${issue.message}` });
        }
      });
    }),
  );

/** The build variables that name the image, checked as `RegisterImage` checks the name and version. */
const EnvironmentVariables = Variables({ IMAGE_NAME: ImageName, IMAGE_VERSION: VersionText });
/** What the buildspec exports: the digest of the base image it pulled. */
const ExportedVariables = Variables({ [BASE_IMAGE_DIGEST_VARIABLE]: z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, 'must be a sha256 digest')) });

const BuildInformation = z.optional(
  z.looseObject({
    environment: z.optional(z.looseObject({ 'environment-variables': z.optional(EnvironmentVariables) })),
    'exported-environment-variables': z.optional(ExportedVariables),
    logs: z.optional(z.looseObject({ 'deep-link': z.optional(Text(2048)) })),
    phases: z.optional(
      z
        .array(
          z.looseObject({
            'phase-type': Text(64),
            'phase-status': z.optional(Text(64)),
            'phase-context': z.optional(z.array(Text(1024)).check(z.maxLength(10))),
          }),
        )
        .check(z.maxLength(20)),
    ),
  }),
);

const BuildStateChangeDetail = z.looseObject({
  'build-status': Text(64),
  'build-id': Text(1024),
  'project-name': Text(255),
  'additional-information': BuildInformation,
});

const BuildPhaseChangeDetail = z.looseObject({
  'completed-phase': Text(64),
  'completed-phase-status': z.optional(Text(64)),
  'build-id': Text(1024),
  'project-name': Text(255),
  'additional-information': BuildInformation,
});

const AliasMoveDetail = z.looseObject({
  name: ModelName,
  alias: AliasName,
  fromVersion: z.optional(VersionNumber),
  /** Absent when the alias was removed (through MLflow's API): the version it left is re-decided alone. */
  toVersion: z.optional(VersionNumber),
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
