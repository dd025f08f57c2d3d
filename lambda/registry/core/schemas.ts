import * as z from 'zod/mini';
import {
  Actor,
  boundedRecord,
  Identifier,
  KeyName,
  LongText,
  MetricValue,
  noControlCharacters,
  Page,
  TagKey,
  TagValue,
  Text,
  utf8Length,
} from '../../shared/schema-fields';

/**
 * The request contracts of the registry functions. Each schema validates a handler's payload,
 * gives the TypeScript client its types, and is published as JSON Schema for other languages.
 * Written with zod/mini: it tree-shakes and builds its schemas in half the time of the classic
 * API, which shows in every cold start.
 */

/** MLflow/Azure-style model names: letters, digits, `-`, `_`, `.`, starting with a letter or digit. */
export const ModelName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(255),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and hold only letters, digits, "-", "_" and "."'),
  );

/** Names reserved for version references: `latest` and `v<digits>`. */
export const RESERVED_ALIAS = /^(latest|v\d+)$/;

export const AliasName = z.string().check(
  z.minLength(1),
  z.maxLength(64),
  z.regex(/^[a-z0-9-]+$/, 'must hold only lowercase letters, digits and "-"'),
  z.refine((alias: string) => !RESERVED_ALIAS.test(alias), 'is reserved ("latest" and "v<digits>" name versions)'),
);

export const VersionNumber = z.int().check(z.positive(), z.lte(9_999_999_999));

/** A hex SHA-256 digest (64 characters), compared case-insensitively. */
export const Sha256Hex = z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 digest in hex (64 characters)'), z.toLowerCase());

export const S3Uri = z
  .string()
  .check(z.maxLength(1100), z.regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'must be an S3 URI: s3://bucket/key'), noControlCharacters);

/**
 * The largest registration, serialized: the version item (<= 400 KB in DynamoDB) and the
 * `ModelVersionRegistered` event (<= 256 KB in EventBridge) carry it whole, with room to spare.
 */
export const MAX_REGISTRATION_BYTES = 128 * 1024;

export const ParameterValue = Text(1000);

/** What a version copies from its source run: checked again, since the run's records were stored under other rules. */
export const CopiedRunContent = z.strictObject({
  parameters: z.record(KeyName, ParameterValue),
  metrics: z.record(KeyName, MetricValue),
});

/** A registration's fields; `RegisterModelRequest` bounds their total size. */
export const RegisterModelFields = z.strictObject({
  name: ModelName,
  artifact: z.strictObject({
    /**
     * `object` (when absent): one S3 object. `directory`: every file under the prefix `uri` (as an MLflow
     * model is), each pinned to its current S3 version in a manifest whose SHA-256 is the artifact's.
     */
    kind: z.optional(z.enum(['object', 'directory'])),
    /** Where the artifact is, in the platform's artifact bucket. */
    uri: S3Uri,
    /** Pins an S3 object version; the current version is recorded when absent. Not accepted for a directory. */
    versionId: z.optional(Text(1024).check(z.minLength(1))),
    /** The digest the caller computed (of the manifest, for a directory); it must match what S3 holds. */
    sha256: z.optional(Sha256Hex),
  }),
  description: z.optional(LongText(5000)),
  framework: z.optional(Text(100).check(z.minLength(1))),
  metrics: boundedRecord(KeyName, MetricValue, 100),
  parameters: boundedRecord(KeyName, ParameterValue, 100),
  tags: boundedRecord(TagKey, TagValue, 50),
  properties: boundedRecord(TagKey, Text(1000), 50),
  datasets: z._default(
    z
      .array(
        z.strictObject({
          uri: Text(1100).check(z.minLength(1)),
          sha256: z.optional(Sha256Hex),
          name: z.optional(Text(250).check(z.minLength(1))),
          role: z._default(z.enum(['training', 'validation', 'test', 'other']), 'training'),
        }),
      )
      .check(z.maxLength(20)),
    [],
  ),
  sourceRunId: z.optional(Identifier),
  /** The same token retried returns the same version and writes nothing new. */
  clientToken: z.optional(Identifier),
  /** Who registers: a user or pipeline identity, kept in the record. */
  actor: z.optional(Actor),
});

export const RegisterModelRequest = RegisterModelFields.check(
  z.refine((request: object) => utf8Length(request) <= MAX_REGISTRATION_BYTES, {
    message: `is over ${MAX_REGISTRATION_BYTES} bytes as JSON: keep large metadata in the artifact, not in the registration`,
  }),
);
export type RegisterModelRequest = z.input<typeof RegisterModelRequest>;
export type RegisterModelCommand = z.output<typeof RegisterModelRequest>;

export const SetModelAliasRequest = z.strictObject({
  name: ModelName,
  alias: AliasName,
  version: VersionNumber,
  /**
   * Compare-and-set guard: the version the alias must point at now for the move to happen;
   * `null` means the alias must not exist yet.
   */
  expectedVersion: z.optional(z.nullable(VersionNumber)),
  reason: z.optional(LongText(1000)),
  actor: z.optional(Actor),
});
export type SetModelAliasRequest = z.input<typeof SetModelAliasRequest>;
export type SetModelAliasCommand = z.output<typeof SetModelAliasRequest>;

export const QueryRegistryRequest = z.discriminatedUnion('query', [
  z.strictObject({ query: z.literal('getModel'), name: ModelName }),
  z
    .strictObject({
      query: z.literal('getVersion'),
      name: ModelName,
      /** A version number or `latest` (the default). */
      version: z.optional(z.union([VersionNumber, z.literal('latest')])),
      /** Resolve through an alias instead of a version. */
      alias: z.optional(AliasName),
    })
    .check(
      z.refine((request: { version?: unknown; alias?: unknown }) => request.version === undefined || request.alias === undefined, {
        message: 'give either version or alias, not both',
        path: ['alias'],
      }),
    ),
  z.strictObject({ query: z.literal('listModels'), ...Page }),
  z.strictObject({ query: z.literal('listVersions'), name: ModelName, ...Page }),
  z.strictObject({
    query: z.literal('findVersions'),
    tag: z.strictObject({ key: TagKey, value: z.optional(TagValue) }),
    /** Only this model's versions. */
    name: z.optional(ModelName),
    ...Page,
  }),
  z.strictObject({ query: z.literal('aliasHistory'), name: ModelName, alias: z.optional(AliasName), ...Page }),
]);
export type QueryRegistryRequest = z.input<typeof QueryRegistryRequest>;
export type QueryRegistryCommand = z.output<typeof QueryRegistryRequest>;

/** Every request schema by the function that takes it, for the published JSON Schemas. */
export const registryRequestSchemas = {
  RegisterModel: RegisterModelRequest,
  SetModelAlias: SetModelAliasRequest,
  QueryRegistry: QueryRegistryRequest,
} as const;
