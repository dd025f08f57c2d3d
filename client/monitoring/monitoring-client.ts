import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import type { collectData } from '../../lambda/monitoring/core/collect-data';
import type { BaselineRecord, CheckRecord } from '../../lambda/monitoring/core/model';
import type { DriftCheckReport } from '../../lambda/monitoring/core/report/drift-check-report';
import {
  CollectDataRequest,
  CreateMonitorRequest,
  DeleteMonitorRequest,
  QueryMonitoringRequest,
  RegisterBaselineRequest,
} from '../../lambda/monitoring/core/schemas';
import type { StoredMonitor } from '../../lambda/monitoring/core/stored-monitor';
import { TRAINING_DATA_PREFIX } from '../../lambda/shared/artifact-prefixes';
import type { Page } from '../../lambda/shared/page';
import { parseS3Uri } from '../../lambda/shared/s3-uri';
import { utf8Length } from '../../lambda/shared/schema-fields';
import { requireKeyUnder, type UploadArtifactOptions, type UploadedArtifact, type UploadSettings, uploadArtifact } from '../shared/artifact-upload';
import type { FunctionNames } from '../shared/catalogue';
import { ConfigurationError, NotFoundError, ValidationError } from '../shared/errors';
import { invokeFunction } from '../shared/function-invoker';
import { allItems } from '../shared/pagination';
import { type RetryOptions, retryTransient } from '../shared/retry';
import { validate } from '../shared/validation';

export type MonitoringFunctionNames = FunctionNames<'monitoring'>;

export interface MonitoringClientOptions extends UploadSettings {
  readonly functions: MonitoringFunctionNames;
  /** Where `registerBaselineFromFile` puts training data. @default - those uploads fail with a configuration error */
  readonly artifactBucket?: string;
  /** @default - a client for the default region */
  readonly lambda?: LambdaClient;
  /** For training-data uploads and HTML reports. @default - a client for the default region */
  readonly s3?: S3Client;
  /** Retries of reads, of profile registrations and of batches (each carries a batch id). @default - 4 attempts, jittered back-off */
  readonly retry?: RetryOptions;
}

/** What `CollectData` stored: the monitor, the records in the batch, the capture file's key. */
export type CollectDataResult = Awaited<ReturnType<ReturnType<typeof collectData>>>;

type QueryOf<Q extends QueryMonitoringRequest['query']> = Omit<Extract<QueryMonitoringRequest, { query: Q }>, 'query'>;
/** `limit` (1 to 100, default 25) and `nextToken`. */
export type ListChecksOptions = Omit<QueryOf<'listChecks'>, 'monitor'>;

type BaselineSource = NonNullable<RegisterBaselineRequest['source']>;

/** A baseline profiled by the function from a local file: the version, whether to replace its baseline, and how to read the file. */
export type RegisterBaselineFromFileRequest = Pick<RegisterBaselineRequest, 'model' | 'version' | 'replace'> & Omit<BaselineSource, 'uri'>;

/** `key` defaults to `training-data/<model>/<version>/<uuid>/<file name>` here, and must be under `training-data/`: the function profiles nothing else. */
export interface RegisterBaselineFromFileOptions extends UploadArtifactOptions {
  /** Called once the file is in S3, before the register call. */
  readonly onUploaded?: (uploaded: UploadedArtifact) => void;
}

/**
 * Lambda refuses a synchronous request of this many bytes or more (`RequestEntityTooLargeException`).
 * A profile larger than `MAX_BASELINE_PROFILE_BYTES` cannot be sent: register it from its training data instead.
 */
export const MAX_INVOKE_PAYLOAD_BYTES = 6_291_456;
/** The largest profile `registerBaseline` sends, leaving room for the rest of the request. */
export const MAX_BASELINE_PROFILE_BYTES = MAX_INVOKE_PAYLOAD_BYTES - 4096;

const ITERATION_PAGE = 100;

/**
 * Calls the monitoring functions: validates requests locally, invokes, and types the answers and
 * errors. Sends production records (`collect`), registers baselines, and reads monitors, checks,
 * drift reports and baselines.
 */
export class MonitoringClient {
  private readonly lambda: LambdaClient;
  private s3Client?: S3Client;

  constructor(private readonly options: MonitoringClientOptions) {
    this.lambda = options.lambda ?? new LambdaClient({});
    this.s3Client = options.s3;
  }

  /**
   * Sends production records to a monitor. A batch id is generated when none is given, and the
   * inference time is fixed to now when absent: the function stores a batch with the same id and
   * inference time once, so retries after throttling or a lost answer cannot count records twice.
   */
  async collect(request: CollectDataRequest): Promise<CollectDataResult> {
    const command = validate(CollectDataRequest, {
      ...request,
      batchId: request.batchId ?? randomUUID(),
      inferenceTime: request.inferenceTime ?? new Date().toISOString(),
    });
    const functionName = this.functionName('collectData');
    return retryTransient(() => invokeFunction<CollectDataResult>(this.lambda, functionName, command), this.options.retry);
  }

  /**
   * Registers a model version's baseline: a `profile` computed elsewhere (`mlops monitor baseline`),
   * or a training-data `source` under `training-data/` of the artifact bucket that the function
   * profiles. A version's baseline is replaced only with `replace: true` (otherwise a ConflictError).
   * A profile is retried after transient failures; a source is not (a profiling run that timed out
   * would time out again). A profile too large for one Lambda request
   * (`MAX_BASELINE_PROFILE_BYTES`) fails here: use `source` (`registerBaselineFromFile`) instead.
   */
  async registerBaseline(request: RegisterBaselineRequest): Promise<BaselineRecord> {
    const command = validate(RegisterBaselineRequest, request);
    if (command.profile !== undefined) {
      const bytes = utf8Length(command.profile);
      if (bytes > MAX_BASELINE_PROFILE_BYTES) {
        const message =
          `is ${bytes} bytes, more than the ${MAX_BASELINE_PROFILE_BYTES} one Lambda request takes: ` +
          'give the training data as source instead (upload it to the artifact bucket; the function profiles it), or profile with fewer sketch bins';
        throw new ValidationError(`profile: ${message}`, [{ path: 'profile', message }]);
      }
    }
    const functionName = this.functionName('registerBaseline');
    const invoke = () => invokeFunction<BaselineRecord>(this.lambda, functionName, command);
    return command.source ? invoke() : retryTransient(invoke, this.options.retry);
  }

  /**
   * Uploads training data to the artifact bucket, then registers the baseline the function profiles
   * from it. The request is checked before anything is uploaded. The function reads the file whole:
   * about a gigabyte of CSV at most; profile larger sets locally and register the `profile`.
   */
  async registerBaselineFromFile(
    file: string,
    request: RegisterBaselineFromFileRequest,
    options: RegisterBaselineFromFileOptions = {},
  ): Promise<BaselineRecord> {
    const bucket = this.artifactBucket();
    const key = options.key ?? `${TRAINING_DATA_PREFIX}${request.model}/${request.version}/${randomUUID()}/${basename(file)}`;
    requireKeyUnder(key, TRAINING_DATA_PREFIX);
    const { model, version, replace, ...source } = request;
    const full: RegisterBaselineRequest = {
      model,
      version,
      source: { ...source, uri: `s3://${bucket}/${key}` },
      ...(replace === undefined ? {} : { replace }),
    };
    validate(RegisterBaselineRequest, full);
    this.functionName('registerBaseline'); // a client that cannot register uploads nothing
    this.s3Client ??= new S3Client({});
    const uploaded = await uploadArtifact(this.s3Client, bucket, file, {
      key,
      onProgress: options.onProgress,
      partSizeBytes: this.options.partSizeBytes,
      concurrentParts: this.options.concurrentParts,
    });
    options.onUploaded?.(uploaded);
    return this.registerBaseline(full);
  }

  /**
   * Stores a monitor the platform checks on its schedule from the next window on, with no redeploy: a version's
   * (or an alias's) baseline against a deployment's capture, or against what `collect` sends it. Refused, storing
   * nothing, when the version has no baseline or a monitor of that name is stored (unless `replace`). Not retried:
   * a lost answer leaves the monitor stored, and a retry would be refused as a name in use.
   */
  async createMonitor(request: CreateMonitorRequest): Promise<StoredMonitor> {
    const command = validate(CreateMonitorRequest, request);
    return invokeFunction<StoredMonitor>(this.lambda, this.functionName('createMonitor'), command);
  }

  /** Stops checking a stored monitor and answers what it held; its checks and reports stay. */
  async deleteMonitor(request: DeleteMonitorRequest): Promise<StoredMonitor> {
    const command = validate(DeleteMonitorRequest, request);
    return invokeFunction<StoredMonitor>(this.lambda, this.functionName('deleteMonitor'), command);
  }

  /** The monitors the platform stores, with their schedules (monitors from CDK props are not among them). */
  async listStoredMonitors(): Promise<StoredMonitor[]> {
    const answer = await this.query<{ monitors: readonly StoredMonitor[] }>({ query: 'listStoredMonitors' });
    return [...answer.monitors];
  }

  /** Every monitor that has been checked, each with its latest check (by window end). */
  async listMonitors(): Promise<CheckRecord[]> {
    const answer = await this.query<{ monitors: readonly CheckRecord[] }>({ query: 'listMonitors' });
    return [...answer.monitors];
  }

  /** One page of a monitor's checks, newest window first. */
  listChecks(monitor: string, page: ListChecksOptions = {}): Promise<Page<CheckRecord>> {
    return this.query({ query: 'listChecks', monitor, ...page });
  }

  /** Every check of a monitor, newest window first, page after page. */
  iterateChecks(monitor: string): AsyncGenerator<CheckRecord> {
    return allItems((nextToken) => this.listChecks(monitor, { limit: ITERATION_PAGE, nextToken }));
  }

  /** A check by id, or the monitor's latest. */
  getCheck(monitor: string, checkId?: string): Promise<CheckRecord> {
    return this.query({ query: 'getCheck', monitor, ...(checkId === undefined ? {} : { checkId }) });
  }

  /** A check's drift report (every feature's scores and bins), by check id or the monitor's latest. */
  getReport(monitor: string, checkId?: string): Promise<DriftCheckReport> {
    return this.query({ query: 'getReport', monitor, ...(checkId === undefined ? {} : { checkId }) });
  }

  getBaseline(model: string, version: number): Promise<BaselineRecord> {
    return this.query({ query: 'getBaseline', model, version });
  }

  /**
   * A check's HTML report, read from the monitoring bucket through S3 (not through a function):
   * the caller needs `s3:GetObject` on the bucket's `reports/` prefix.
   */
  async getHtmlReport(check: Pick<CheckRecord, 'htmlReportUri'>): Promise<string> {
    const location = parseS3Uri(check.htmlReportUri);
    if (!location) throw new ValidationError(`the check's HTML report is not at an S3 URI: ${check.htmlReportUri}`);
    this.s3Client ??= new S3Client({});
    try {
      const { Body } = await this.s3Client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      return await Body!.transformToString('utf8');
    } catch (error) {
      if (error instanceof NoSuchKey) throw new NotFoundError(`no HTML report at ${check.htmlReportUri}`);
      throw error;
    }
  }

  private async query<T>(request: QueryMonitoringRequest): Promise<T> {
    const command = validate(QueryMonitoringRequest, request);
    const functionName = this.functionName('queryMonitoring');
    return retryTransient(() => invokeFunction<T>(this.lambda, functionName, command), this.options.retry);
  }

  private artifactBucket(): string {
    const bucket = this.options.artifactBucket;
    if (!bucket) throw new ConfigurationError('no artifact bucket configured: pass artifactBucket (or discover it from the stack)');
    return bucket;
  }

  private functionName(role: keyof MonitoringFunctionNames): string {
    const name = this.options.functions[role];
    if (!name) throw new ConfigurationError(`no ${role} function configured: pass functions.${role} (or discover them from the stack)`);
    return name;
  }
}
