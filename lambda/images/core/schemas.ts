import * as z from 'zod/mini';
import { AliasName, ModelName, S3Uri, VersionNumber } from '../../registry/core/schemas';
import { Actor, boundedRecord, Identifier, LongText, Page, Text } from '../../shared/schema-fields';

/**
 * The request contracts of the inference image functions: handler validation, the TypeScript
 * client's types and the published JSON Schema all come from here.
 */

/** Image names become ECR tags (`<name>-<version>`) and SageMaker names: lowercase, digits, "-". */
export const ImageName = z
  .string()
  .check(z.minLength(1), z.maxLength(100), z.regex(/^[a-z0-9](-?[a-z0-9])*$/, 'must hold only lowercase letters, digits and single "-" between them'));

export const ImageVersionNumber = VersionNumber;

/** A model version the image serves: by number, or by an alias resolved and pinned at registration. */
export const ModelReference = z
  .strictObject({ name: ModelName, version: z.optional(VersionNumber), alias: z.optional(AliasName) })
  .check(z.refine((ref) => (ref.version === undefined) !== (ref.alias === undefined), 'must give a version or an alias, not both'));

/** Environment variable names as POSIX shells take them; values reach the container as they are. */
const EnvironmentName = z.string().check(
  z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a shell variable name'),
  z.maxLength(128),
  z.refine((name: string) => !name.startsWith('MLOPS_'), 'is reserved (MLOPS_ variables configure the serving shim)'),
  // Set before the requirements are installed, PIP_INDEX_URL or PIP_TRUSTED_HOST would choose where packages come from.
  z.refine((name: string) => !name.toUpperCase().startsWith('PIP_'), 'is reserved (PIP_ variables would change where the build installs packages from)'),
);

/** Base images must name a registry path and a tag or digest, so builds are repeatable. */
export const BaseImage = z
  .string()
  .check(
    z.maxLength(512),
    z.regex(
      /^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(\/[a-z0-9._-]+)+(:[A-Za-z0-9._-]{1,128}|@sha256:[0-9a-f]{64})$/,
      'must be an image reference with a tag or digest, like public.ecr.aws/docker/library/python:3.12-slim',
    ),
  );

/** Python from Amazon ECR Public: no Docker Hub pull limits in CodeBuild. */
export const DEFAULT_BASE_IMAGE = 'public.ecr.aws/docker/library/python:3.12-slim';

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>` with a `:tag` or `@sha256:` digest. */
export const EcrImageUri = z
  .string()
  .check(
    z.maxLength(1024),
    z.regex(
      /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$/,
      'must be an Amazon ECR image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>',
    ),
  );

/** An image the platform builds: the entry script and requirements were uploaded to the artifact bucket. */
export const BuildSource = z.strictObject({
  type: z.literal('build'),
  /**
   * The entry script (`init()`, `run(data)`), uploaded to the artifact bucket. Absent: the platform's
   * MLflow entry, which serves the one model version of the image if its artifact is an MLflow model
   * directory, installing the model's own requirements.txt.
   */
  entry: z.optional(S3Uri),
  /** A pip requirements file, uploaded to the artifact bucket (with an entry script only). */
  requirements: z.optional(S3Uri),
  baseImage: z._default(BaseImage, DEFAULT_BASE_IMAGE),
});

/** An image built elsewhere, already in ECR: verified and pinned to its digest. */
export const ExternalSource = z.strictObject({
  type: z.literal('external'),
  imageUri: EcrImageUri,
});

export const RegisterImageRequest = z.strictObject({
  name: ImageName,
  models: z.array(ModelReference).check(z.minLength(1), z.maxLength(10)),
  source: z.discriminatedUnion('type', [BuildSource, ExternalSource]),
  environment: boundedRecord(EnvironmentName, Text(4096), 50),
  description: z.optional(LongText(1000)),
  /**
   * Lets the image be approved in SageMaker despite CRITICAL scan findings (a reviewed exception).
   * @default false
   */
  allowCriticalFindings: z._default(z.boolean(), false),
  /** The same token retried returns the same image version and starts nothing new. */
  clientToken: z.optional(Identifier),
  registeredBy: z.optional(Actor),
});
export type RegisterImageRequest = z.input<typeof RegisterImageRequest>;
export type RegisterImageCommand = z.output<typeof RegisterImageRequest>;

export const QueryImagesRequest = z.discriminatedUnion('query', [
  z.strictObject({ query: z.literal('getImage'), name: ImageName, version: z.optional(ImageVersionNumber) }),
  z.strictObject({ query: z.literal('listImages'), ...Page }),
  z.strictObject({ query: z.literal('listImageVersions'), name: ImageName, ...Page }),
]);
export type QueryImagesRequest = z.input<typeof QueryImagesRequest>;
export type QueryImagesCommand = z.output<typeof QueryImagesRequest>;

/** Every request schema by the function that takes it, for the published JSON Schemas. */
export const imagesRequestSchemas = {
  RegisterImage: RegisterImageRequest,
  QueryImages: QueryImagesRequest,
} as const;
