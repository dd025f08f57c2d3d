import { z } from 'zod';

/**
 * The request contracts of the registry functions. Each schema validates a handler's payload,
 * gives the TypeScript client its types, and is published as JSON Schema for other languages.
 */

const noControlCharacters = /^[^\u0000-\u001f\u007f]*$/;

/** MLflow/Azure-style model names: letters, digits, `-`, `_`, `.`, starting with a letter or digit. */
export const ModelName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must start with a letter or digit and hold only letters, digits, "-", "_" and "."');

/** Names reserved for version references: `latest` and `v<digits>`. */
export const RESERVED_ALIAS = /^(latest|v\d+)$/;

export const AliasName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9-]+$/, 'must hold only lowercase letters, digits and "-"')
  .refine((alias) => !RESERVED_ALIAS.test(alias), 'is reserved ("latest" and "v<digits>" name versions)');

export const VersionNumber = z.number().int().positive().max(9_999_999_999);

const KeyName = z
  .string()
  .min(1)
  .max(250)
  .regex(/^[A-Za-z0-9_.\-/ ]+$/, 'must hold only letters, digits, "_", "-", ".", "/" and spaces');

const FiniteNumber = z.number().refine(Number.isFinite, 'must be a finite number');

const TagKey = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:/=+@-]+$/, 'must hold only letters, digits and "_.:/=+@-"');
const TagValue = z.string().max(256).regex(noControlCharacters, 'must not hold control characters');

/** A hex SHA-256 digest (64 characters), compared case-insensitively. */
export const Sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 digest in hex (64 characters)')
  .transform((hex) => hex.toLowerCase());

export const S3Uri = z
  .string()
  .max(1100)
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'must be an S3 URI: s3://bucket/key');

const ClientToken = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must hold only letters, digits and "._:-"');

const Actor = z.string().min(1).max(256).regex(noControlCharacters, 'must not hold control characters');

const boundedRecord = <V extends z.ZodType>(key: z.ZodType<string>, value: V, max: number) =>
  z.record(key, value).refine((record) => Object.keys(record).length <= max, `must hold at most ${max} entries`);

export const RegisterModelRequest = z.strictObject({
  name: ModelName,
  artifact: z.strictObject({
    /** Where the artifact is, in the platform's artifact bucket. */
    uri: S3Uri,
    /** Pins an S3 object version; the current version is recorded when absent. */
    versionId: z.string().min(1).max(1024).optional(),
    /** The digest the caller computed; it must match what S3 holds. */
    sha256: Sha256Hex.optional(),
  }),
  description: z.string().max(5000).optional(),
  framework: z.string().min(1).max(100).regex(noControlCharacters, 'must not hold control characters').optional(),
  metrics: boundedRecord(KeyName, FiniteNumber, 100).default({}),
  parameters: boundedRecord(KeyName, z.string().max(1000), 100).default({}),
  tags: boundedRecord(TagKey, TagValue, 50).default({}),
  properties: boundedRecord(TagKey, z.string().max(1000), 50).default({}),
  datasets: z
    .array(
      z.strictObject({
        uri: z.string().min(1).max(1100).regex(noControlCharacters, 'must not hold control characters'),
        sha256: Sha256Hex.optional(),
        name: z.string().min(1).max(250).optional(),
        role: z.enum(['training', 'validation', 'test', 'other']).default('training'),
      }),
    )
    .max(20)
    .default([]),
  sourceRunId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'must hold only letters, digits and "._:-"').optional(),
  /** The same token retried returns the same version and writes nothing new. */
  clientToken: ClientToken.optional(),
  /** Who registers: a user or pipeline identity, kept in the record. */
  actor: Actor.optional(),
});
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
  expectedVersion: VersionNumber.nullable().optional(),
  reason: z.string().max(1000).optional(),
  actor: Actor.optional(),
});
export type SetModelAliasRequest = z.input<typeof SetModelAliasRequest>;
export type SetModelAliasCommand = z.output<typeof SetModelAliasRequest>;

const Page = {
  limit: z.number().int().min(1).max(100).default(25),
  nextToken: z.string().min(1).max(4096).optional(),
};

export const QueryRegistryRequest = z.discriminatedUnion('query', [
  z.strictObject({ query: z.literal('getModel'), name: ModelName }),
  z
    .strictObject({
      query: z.literal('getVersion'),
      name: ModelName,
      /** A version number or `latest` (the default). */
      version: z.union([VersionNumber, z.literal('latest')]).optional(),
      /** Resolve through an alias instead of a version. */
      alias: AliasName.optional(),
    })
    .refine((request) => request.version === undefined || request.alias === undefined, {
      message: 'give either version or alias, not both',
      path: ['alias'],
    }),
  z.strictObject({ query: z.literal('listModels'), ...Page }),
  z.strictObject({ query: z.literal('listVersions'), name: ModelName, ...Page }),
  z.strictObject({
    query: z.literal('findVersions'),
    tag: z.strictObject({ key: TagKey, value: TagValue.optional() }),
    /** Only this model's versions. */
    name: ModelName.optional(),
    ...Page,
  }),
  z.strictObject({ query: z.literal('aliasHistory'), name: ModelName, alias: AliasName.optional(), ...Page }),
]);
export type QueryRegistryRequest = z.input<typeof QueryRegistryRequest>;
export type QueryRegistryCommand = z.output<typeof QueryRegistryRequest>;

/** Every request schema by the function that takes it, for the published JSON Schemas. */
export const registryRequestSchemas = {
  RegisterModel: RegisterModelRequest,
  SetModelAlias: SetModelAliasRequest,
  QueryRegistry: QueryRegistryRequest,
} as const;
