import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type * as z from 'zod/mini';
import { BUILD_PHASES } from '../../lambda/images/core/image-events';
import type { ImageVersionRecord } from '../../lambda/images/core/model';
import type { ImageSummary } from '../../lambda/images/core/query-images';
import { type BuildSource, type ExternalSource, type ModelReference, QueryImagesRequest, RegisterImageRequest } from '../../lambda/images/core/schemas';
import { IMAGE_INPUTS_PREFIX } from '../../lambda/shared/artifact-prefixes';
import { type Clock, systemClock } from '../../lambda/shared/clock';
import type { FieldIssue } from '../../lambda/shared/errors';
import type { Page } from '../../lambda/shared/page';
import { type UploadedArtifact, type UploadProgress, type UploadSettings, uploadArtifact } from '../shared/artifact-upload';
import type { FunctionNames } from '../shared/catalogue';
import { ConfigurationError, MlopsError, ValidationError } from '../shared/errors';
import { invokeFunction } from '../shared/function-invoker';
import { allItems } from '../shared/pagination';
import { type RetryOptions, retryTransient } from '../shared/retry';
import { validate } from '../shared/validation';

export type ImagesFunctionNames = FunctionNames<'images'>;

export interface ImagesClientOptions extends UploadSettings {
  readonly functions: ImagesFunctionNames;
  /** Where `register` uploads entry scripts and requirements. @default - registering a build fails with a configuration error */
  readonly artifactBucket?: string;
  /** @default - a client for the default region */
  readonly lambda?: LambdaClient;
  /** @default - a client for the default region */
  readonly s3?: S3Client;
  /** Retries of reads and of registrations (each carries a client token). @default - 4 attempts, jittered back-off */
  readonly retry?: RetryOptions;
}

/** A model version an image serves: `churn:3` (a version), `churn@production` (an alias, pinned at registration), or the schema's object. */
export type ImageModelReference = string | z.input<typeof ModelReference>;

type RegisterFields = Omit<RegisterImageRequest, 'models' | 'source'> & { readonly models: readonly ImageModelReference[] };

/** An image the platform builds: `entry` (the script) and `requirements` are local files, uploaded to the artifact bucket first. */
export type BuildFromFiles = Omit<z.input<typeof BuildSource>, 'type'> & { readonly imageUri?: undefined };

/** An image built elsewhere, already in ECR: the platform pins it to its digest. */
export type ExternalImage = Omit<z.input<typeof ExternalSource>, 'type'> & {
  readonly entry?: undefined;
  readonly requirements?: undefined;
  readonly baseImage?: undefined;
};

export type RegisterImageOptions = RegisterFields & (BuildFromFiles | ExternalImage);

/** A local file in the artifact bucket, under a key named by its content. */
export interface StagedFile extends UploadedArtifact {
  /** The path as given. */
  readonly file: string;
  /** Already in the bucket (the same content was uploaded before): not uploaded again. */
  readonly reused: boolean;
}

export interface RegisterImageUploadOptions {
  /** Called as parts of `file` reach S3. */
  readonly onProgress?: (file: string, progress: UploadProgress) => void;
  /** Called once each file is in S3, before the register call. */
  readonly onStaged?: (staged: StagedFile) => void;
}

type QueryOf<Q extends QueryImagesRequest['query']> = Omit<Extract<QueryImagesRequest, { query: Q }>, 'query'>;
/** `limit` (1 to 100, default 25) and `nextToken`. */
export type ImagePageOptions = QueryOf<'listImages'>;

export interface WaitForImageOptions {
  /** Called with the version as each poll reads it, the last (`READY` or `FAILED`) included. */
  readonly onProgress?: (image: ImageVersionRecord) => void;
  /** @default 5000 */
  readonly pollIntervalMs?: number;
  /** How long to wait for the build to end. @default 1800000 (30 minutes) */
  readonly timeoutMs?: number;
  /** @default - the system clock and timers */
  readonly clock?: Clock;
}

/** Where a building version is among CodeBuild's phases. */
export interface BuildProgress {
  readonly phase: string;
  /** 1 for `SUBMITTED`, up to `phases` for `COMPLETED`. */
  readonly step: number;
  readonly phases: number;
}

/** The key prefix of uploaded entry scripts and requirements: `image-inputs/<image>/<sha256>/<file name>`. */
export { IMAGE_INPUTS_PREFIX };

const ITERATION_PAGE = 100;
const DEFAULT_POLL_INTERVAL_MS = 5000;
const DEFAULT_WAIT_TIMEOUT_MS = 30 * 60_000;

/** The image version was still building when `waitForImage` gave up; `image` is the last record read. */
export class ImageWaitTimeoutError extends MlopsError {
  override readonly name = 'ImageWaitTimeoutError';
  constructor(
    readonly image: ImageVersionRecord,
    waitedMs: number,
  ) {
    const phase = image.build?.phase ? ` (phase ${image.build.phase})` : '';
    super(
      'Timeout',
      `image ${image.name} version ${image.version} is still BUILDING${phase} after ${Math.round(waitedMs / 1000)} s of waiting: wait again, or look at its build`,
    );
  }
}

const REFERENCE = /^([^:@\s]+)(?::v?(\d+)|@([^:@\s]+))$/;

/**
 * `churn:3` (or `churn:v3`) and `churn@production` as the schema's references; objects pass as
 * they are. Every bad string is reported at once, by its position, before anything is sent.
 */
export function parseModelReferences(references: readonly ImageModelReference[]): z.input<typeof ModelReference>[] {
  const issues: FieldIssue[] = [];
  const parsed = references.map((reference, index) => {
    if (typeof reference !== 'string') return reference;
    const match = REFERENCE.exec(reference.trim());
    if (!match) {
      issues.push({ path: `models[${index}]`, message: `expected NAME:VERSION (a version number) or NAME@ALIAS, got "${reference}"` });
      return { name: reference };
    }
    const [, name, version, alias] = match;
    return version === undefined ? { name, alias } : { name, version: Number(version) };
  });
  if (issues.length > 0) throw new ValidationError(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
  return parsed;
}

/** The phase a `BUILDING` version is in, and its place among CodeBuild's phases; undefined before the build reports one. */
export function buildProgress(image: Pick<ImageVersionRecord, 'build'>): BuildProgress | undefined {
  const phase = image.build?.phase;
  if (!phase) return undefined;
  const index = BUILD_PHASES.indexOf(phase);
  return { phase, step: index < 0 ? 0 : index + 1, phases: BUILD_PHASES.length };
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** S3 answers a missing key with 404, or 403 to a caller that may not list (or read) the bucket: either way, upload. */
function isMissing(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return ['NotFound', 'NoSuchKey', 'Forbidden', 'AccessDenied'].includes(error.name) || status === 403 || status === 404;
}

/**
 * Calls the inference image functions: registers image versions (uploading the entry script and
 * requirements first), reads images and their versions, and waits for builds to end.
 */
export class ImagesClient {
  private readonly lambda: LambdaClient;
  private s3Client?: S3Client;

  constructor(private readonly options: ImagesClientOptions) {
    this.lambda = options.lambda ?? new LambdaClient({});
    this.s3Client = options.s3;
  }

  /**
   * Registers the next version of an image: built by the platform from a local `entry` script (and
   * `requirements`), or around the platform's MLflow entry when neither `entry` nor `imageUri` is given
   * (the one model served must be an MLflow model directory), or an `imageUri` already in ECR. The request is checked before anything is
   * uploaded. Files go to `image-inputs/<name>/<sha256>/<file name>` in the artifact bucket, so a
   * file already uploaded is not uploaded again. A client token is generated when none is given,
   * so retries after throttling or a lost answer cannot make two versions. A built version comes
   * back `BUILDING`: `waitForImage` follows it.
   */
  async register(request: RegisterImageOptions, options: RegisterImageUploadOptions = {}): Promise<ImageVersionRecord> {
    const { entry, requirements, baseImage, imageUri, models, ...fields } = request;
    if (entry !== undefined && imageUri !== undefined) {
      const message =
        'give at most one of entry (a script for the platform to build) and imageUri (an image in ECR); with neither, the platform builds its MLflow entry';
      throw new ValidationError(`source: ${message}`, [{ path: 'source', message }]);
    }
    if (entry === undefined && imageUri === undefined && requirements !== undefined) {
      const message = "come from the MLflow model's own requirements.txt without an entry script: leave requirements out, or give entry";
      throw new ValidationError(`source.requirements: ${message}`, [{ path: 'source.requirements', message }]);
    }
    if (imageUri !== undefined && (requirements !== undefined || baseImage !== undefined)) {
      const message = 'requirements and baseImage describe a build: leave them out with imageUri';
      throw new ValidationError(`source: ${message}`, [{ path: 'source', message }]);
    }
    const references = parseModelReferences(models);
    const clientToken = fields.clientToken ?? randomUUID();
    if (imageUri !== undefined) {
      return this.registerImage({ ...fields, models: references, source: { type: 'external', imageUri }, clientToken });
    }
    if (entry === undefined) {
      const request: RegisterImageRequest = {
        ...fields,
        models: references,
        source: { type: 'build', ...(baseImage === undefined ? {} : { baseImage }) },
        clientToken,
      };
      validate(RegisterImageRequest, request);
      return this.registerImage(request);
    }

    const bucket = this.artifactBucket();
    const keyOf = (file: string, sha256: string) => `${IMAGE_INPUTS_PREFIX}${fields.name}/${sha256}/${basename(file)}`;
    const uriOf = (file: string, sha256: string) => `s3://${bucket}/${keyOf(file, sha256)}`;
    const placeholder = '0'.repeat(64);
    const draft = (entryUri: string, requirementsUri: string | undefined): RegisterImageRequest => ({
      ...fields,
      models: references,
      source: {
        type: 'build',
        entry: entryUri,
        ...(requirementsUri === undefined ? {} : { requirements: requirementsUri }),
        ...(baseImage === undefined ? {} : { baseImage }),
      },
      clientToken,
    });
    validate(RegisterImageRequest, draft(uriOf(entry, placeholder), requirements === undefined ? undefined : uriOf(requirements, placeholder)));
    this.functionName('registerImage'); // a client that cannot register uploads nothing

    const stage = async (file: string) => {
      const staged = await this.stage(bucket, file, keyOf, options);
      options.onStaged?.(staged);
      return staged.uri;
    };
    const entryUri = await stage(entry);
    const requirementsUri = requirements === undefined ? undefined : await stage(requirements);
    return this.registerImage(draft(entryUri, requirementsUri));
  }

  /** The newest version of an image, or the version given. */
  getImage(name: string, version?: number): Promise<ImageVersionRecord> {
    return this.query({ query: 'getImage', name, ...(version === undefined ? {} : { version }) });
  }

  /** One page of the images, each with its newest version. */
  listImages(page: ImagePageOptions = {}): Promise<Page<ImageSummary>> {
    return this.query({ query: 'listImages', ...page });
  }

  /** One page of an image's versions, newest first. */
  listImageVersions(name: string, page: ImagePageOptions = {}): Promise<Page<ImageVersionRecord>> {
    return this.query({ query: 'listImageVersions', name, ...page });
  }

  iterateImages(options: Pick<ImagePageOptions, 'limit'> = {}): AsyncGenerator<ImageSummary> {
    return allItems((nextToken) => this.listImages({ limit: ITERATION_PAGE, ...options, nextToken }));
  }

  iterateImageVersions(name: string, options: Pick<ImagePageOptions, 'limit'> = {}): AsyncGenerator<ImageVersionRecord> {
    return allItems((nextToken) => this.listImageVersions(name, { limit: ITERATION_PAGE, ...options, nextToken }));
  }

  /**
   * Polls a version until its build ends and returns it, `READY` or `FAILED` (a failed build is an
   * answer, not an error). Fails with `ImageWaitTimeoutError` when it is still `BUILDING` after
   * `timeoutMs`.
   */
  async waitForImage(name: string, version: number, options: WaitForImageOptions = {}): Promise<ImageVersionRecord> {
    const { onProgress, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, clock = systemClock } = options;
    const start = clock.now().getTime();
    for (;;) {
      const image = await this.getImage(name, version);
      onProgress?.(image);
      if (image.status !== 'BUILDING') return image;
      const waited = clock.now().getTime() - start;
      if (waited >= timeoutMs) throw new ImageWaitTimeoutError(image, waited);
      await clock.sleep(Math.min(pollIntervalMs, timeoutMs - waited));
    }
  }

  private async registerImage(request: RegisterImageRequest): Promise<ImageVersionRecord> {
    const command = validate(RegisterImageRequest, request);
    const functionName = this.functionName('registerImage');
    // Every request carries a client token, so a retry returns the version the first call made.
    return retryTransient(() => invokeFunction<ImageVersionRecord>(this.lambda, functionName, command), this.options.retry);
  }

  /** Puts `file` in the bucket under a key named by its SHA-256, unless an object with that checksum is there already. */
  private async stage(bucket: string, file: string, keyOf: (file: string, sha256: string) => string, options: RegisterImageUploadOptions): Promise<StagedFile> {
    const sha256 = await sha256OfFile(file);
    const key = keyOf(file, sha256);
    this.s3Client ??= new S3Client({});
    const existing = await this.s3Client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' })).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    if (existing?.ChecksumSHA256 === Buffer.from(sha256, 'hex').toString('base64')) {
      return { file, uri: `s3://${bucket}/${key}`, sha256, sizeBytes: existing.ContentLength ?? 0, versionId: existing.VersionId, reused: true };
    }
    const uploaded = await uploadArtifact(this.s3Client, bucket, file, {
      key,
      onProgress: options.onProgress && ((progress) => options.onProgress!(file, progress)),
      partSizeBytes: this.options.partSizeBytes,
      concurrentParts: this.options.concurrentParts,
    });
    if (uploaded.sha256 !== sha256) throw new MlopsError('UploadError', `${file} changed while it was uploaded (SHA-256 ${uploaded.sha256}, ${sha256} before)`);
    return { ...uploaded, file, reused: false };
  }

  private async query<T>(request: QueryImagesRequest): Promise<T> {
    const command = validate(QueryImagesRequest, request);
    const functionName = this.functionName('queryImages');
    return retryTransient(() => invokeFunction<T>(this.lambda, functionName, command), this.options.retry);
  }

  private artifactBucket(): string {
    const bucket = this.options.artifactBucket;
    if (!bucket) throw new ConfigurationError('no artifact bucket configured: pass artifactBucket (or discover it from the stack)');
    return bucket;
  }

  private functionName(role: keyof ImagesFunctionNames): string {
    const name = this.options.functions[role];
    if (!name) throw new ConfigurationError(`no ${role} function configured: pass functions.${role} (or discover them from the stack)`);
    return name;
  }
}
