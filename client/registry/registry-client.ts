import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import type { AliasChangeRecord, ModelRecord, ModelVersionRecord } from '../../lambda/registry/core/model';
import type { ModelDetails } from '../../lambda/registry/core/query-registry';
import type { RegisterModelResult } from '../../lambda/registry/core/register-model';
import { QueryRegistryRequest, RegisterModelFields, RegisterModelRequest, SetModelAliasRequest } from '../../lambda/registry/core/schemas';
import type { SetModelAliasResult } from '../../lambda/registry/core/set-model-alias';
import { MODEL_UPLOAD_PREFIXES, MODELS_PREFIX } from '../../lambda/shared/artifact-prefixes';
import type { Page } from '../../lambda/shared/page';
import { requireKeyUnder, type UploadArtifactOptions, type UploadedArtifact, type UploadSettings, uploadArtifact } from '../shared/artifact-upload';
import type { FunctionNames } from '../shared/catalogue';
import { ConfigurationError } from '../shared/errors';
import { invokeFunction } from '../shared/function-invoker';
import { allItems } from '../shared/pagination';
import { type RetryOptions, retryTransient } from '../shared/retry';
import { validate } from '../shared/validation';

export type RegistryFunctionNames = FunctionNames<'registry'>;

export interface RegistryClientOptions extends UploadSettings {
  readonly functions: RegistryFunctionNames;
  /** Where `uploadArtifact` puts files. @default - uploads fail with a configuration error */
  readonly artifactBucket?: string;
  /** @default - a client for the default region */
  readonly lambda?: LambdaClient;
  /** @default - a client for the default region */
  readonly s3?: S3Client;
  /** Retries of reads and of registrations that carry a client token. @default - 4 attempts, jittered back-off */
  readonly retry?: RetryOptions;
}

export interface RegisterFromFileOptions extends UploadArtifactOptions {
  /** Called once the file is in S3, before the register call. */
  readonly onUploaded?: (uploaded: UploadedArtifact) => void;
}

/** A version number, `latest`, `v<number>`, or an alias name. */
export type VersionRef = number | 'latest' | (string & {});

type QueryOf<Q extends QueryRegistryRequest['query']> = Omit<Extract<QueryRegistryRequest, { query: Q }>, 'query'>;
export type PageOptions = QueryOf<'listModels'>;
export type FindVersionsOptions = Omit<QueryOf<'findVersions'>, 'tag'>;
export type VersionTagFilter = QueryOf<'findVersions'>['tag'];

function versionSelector(ref: VersionRef): { version: number | 'latest' } | { alias: string } {
  if (typeof ref === 'number') return { version: ref };
  if (ref === 'latest') return { version: 'latest' };
  const numbered = /^v(\d+)$/.exec(ref);
  return numbered ? { version: Number(numbered[1]) } : { alias: ref };
}

const RegisterModelDraft = z.omit(RegisterModelFields, { artifact: true });

/** Calls the model registry's functions: validates requests locally, invokes, and types the answers and errors. */
export class RegistryClient {
  private readonly lambda: LambdaClient;
  private s3Client?: S3Client;

  constructor(private readonly options: RegistryClientOptions) {
    this.lambda = options.lambda ?? new LambdaClient({});
    this.s3Client = options.s3;
  }

  async registerModel(request: RegisterModelRequest): Promise<RegisterModelResult> {
    const command = validate(RegisterModelRequest, request);
    const functionName = this.functionName('registerModel');
    const invoke = () => invokeFunction<RegisterModelResult>(this.lambda, functionName, command);
    // Only a client token makes a retry safe: without one, a lost answer and a retry make two versions.
    return command.clientToken ? retryTransient(invoke, this.options.retry) : invoke();
  }

  /**
   * Uploads `file` to the artifact bucket, then registers it with the digest computed on the way
   * up. The request is checked before anything is uploaded; a client token is generated when
   * none is given, so retries after throttling or a lost connection cannot create two versions.
   */
  async registerModelFromFile(
    file: string,
    request: Omit<RegisterModelRequest, 'artifact'>,
    options: RegisterFromFileOptions = {},
  ): Promise<RegisterModelResult> {
    validate(RegisterModelDraft, request);
    const key = options.key ?? `${MODELS_PREFIX}${request.name}/${randomUUID()}/${basename(file)}`;
    requireKeyUnder(key, MODEL_UPLOAD_PREFIXES);
    const uploaded = await this.uploadArtifact(file, { key, onProgress: options.onProgress });
    options.onUploaded?.(uploaded);
    return this.registerModel({
      ...request,
      artifact: { uri: uploaded.uri, versionId: uploaded.versionId, sha256: uploaded.sha256 },
      clientToken: request.clientToken ?? randomUUID(),
    });
  }

  async uploadArtifact(file: string, options: UploadArtifactOptions = {}): Promise<UploadedArtifact> {
    const bucket = this.options.artifactBucket;
    if (!bucket) throw new ConfigurationError('no artifact bucket configured: pass artifactBucket (or discover it from the stack)');
    this.s3Client ??= new S3Client({});
    return uploadArtifact(this.s3Client, bucket, file, {
      ...options,
      partSizeBytes: this.options.partSizeBytes,
      concurrentParts: this.options.concurrentParts,
    });
  }

  async setAlias(request: SetModelAliasRequest): Promise<SetModelAliasResult> {
    const command = validate(SetModelAliasRequest, request);
    return invokeFunction(this.lambda, this.functionName('setModelAlias'), command);
  }

  getModel(name: string): Promise<ModelDetails> {
    return this.query({ query: 'getModel', name });
  }

  getVersion(name: string, ref: VersionRef = 'latest'): Promise<ModelVersionRecord> {
    return this.query({ query: 'getVersion', name, ...versionSelector(ref) });
  }

  listModels(page: PageOptions = {}): Promise<Page<ModelRecord>> {
    return this.query({ query: 'listModels', ...page });
  }

  listVersions(name: string, page: PageOptions = {}): Promise<Page<ModelVersionRecord>> {
    return this.query({ query: 'listVersions', name, ...page });
  }

  findVersions(tag: VersionTagFilter, options: FindVersionsOptions = {}): Promise<Page<ModelVersionRecord>> {
    return this.query({ query: 'findVersions', tag, ...options });
  }

  /** The moves of one alias, or of all the model's aliases. */
  aliasHistory(name: string, alias?: string, page: PageOptions = {}): Promise<Page<AliasChangeRecord>> {
    return this.query({ query: 'aliasHistory', name, ...(alias === undefined ? {} : { alias }), ...page });
  }

  iterateModels(options: Pick<PageOptions, 'limit'> = {}): AsyncGenerator<ModelRecord> {
    return allItems((nextToken) => this.listModels({ ...options, nextToken }));
  }

  iterateVersions(name: string, options: Pick<PageOptions, 'limit'> = {}): AsyncGenerator<ModelVersionRecord> {
    return allItems((nextToken) => this.listVersions(name, { ...options, nextToken }));
  }

  iterateFoundVersions(tag: VersionTagFilter, options: Omit<FindVersionsOptions, 'nextToken'> = {}): AsyncGenerator<ModelVersionRecord> {
    return allItems((nextToken) => this.findVersions(tag, { ...options, nextToken }));
  }

  iterateAliasHistory(name: string, alias?: string, options: Pick<PageOptions, 'limit'> = {}): AsyncGenerator<AliasChangeRecord> {
    return allItems((nextToken) => this.aliasHistory(name, alias, { ...options, nextToken }));
  }

  private async query<T>(request: QueryRegistryRequest): Promise<T> {
    const command = validate(QueryRegistryRequest, request);
    const functionName = this.functionName('queryRegistry');
    return retryTransient(() => invokeFunction<T>(this.lambda, functionName, command), this.options.retry);
  }

  private functionName(role: keyof RegistryFunctionNames): string {
    const name = this.options.functions[role];
    if (!name) throw new ConfigurationError(`no ${role} function configured: pass functions.${role} (or discover them from the stack)`);
    return name;
  }
}
