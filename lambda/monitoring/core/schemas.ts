import * as z from 'zod/mini';
import { DeploymentName } from '../../deployments/core/schemas';
import { AliasName, ModelName, S3Uri, VersionNumber } from '../../registry/core/schemas';
import { Actor, Identifier, LongText, noControlCharacters, Page, Text, utf8Length } from '../../shared/schema-fields';
import { DEFAULT_THRESHOLDS } from './drift/drift-policy';

/**
 * The request contracts of the monitoring functions: each validates a handler's payload, types the
 * TypeScript client, and is published as JSON Schema for other languages.
 */

/** Monitor names: letters, digits, `-` and `_`, as they appear in metric dimensions and S3 keys. */
export const MonitorName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must start with a letter or digit and hold only letters, digits, "-" and "_"'),
  );

/** Records one `CollectData` call takes: one capture object each call, read whole by the drift job. */
export const MAX_COLLECTED_RECORDS = 10_000;
/** Lambda takes 6 MB synchronous payloads; this leaves room for the envelope. */
export const MAX_COLLECTED_BYTES = 5 * 1024 * 1024;

/** Text values are data (a review, an address): they may break lines; numbers go to S3 as JSON, any finite one. */
const FeatureValue = z.union([z.number().check(z.refine(Number.isFinite, 'must be a finite number')), LongText(1000), z.boolean(), z.null()]);

/** Feature (column) names, printed in reports and the CLI's tables. */
const FeatureName = Text(250).check(z.minLength(1));

export const CollectDataRequest = z
  .strictObject({
    monitor: MonitorName,
    /** Input records keyed by feature name; a feature left out counts as missing. */
    records: z.array(z.record(FeatureName, FeatureValue)).check(z.minLength(1), z.maxLength(MAX_COLLECTED_RECORDS)),
    /** When the predictions were made (ISO 8601); the time of the call when absent. */
    inferenceTime: z.optional(z.iso.datetime({ offset: true })),
    /** A batch retried with the same id and inference time is stored and counted once (the first write stands). */
    batchId: z.optional(Identifier),
  })
  .check(z.refine((request: object) => utf8Length(request) <= MAX_COLLECTED_BYTES, `must serialize to at most ${MAX_COLLECTED_BYTES} bytes; split the batch`));
export type CollectDataRequest = z.input<typeof CollectDataRequest>;
export type CollectDataCommand = z.output<typeof CollectDataRequest>;

/** Where training data for a baseline is: an object in the platform's artifact bucket. */
const BaselineSource = z.strictObject({
  uri: S3Uri,
  format: z._default(z.enum(['csv', 'jsonl']), 'csv'),
  /** Columns that are not model inputs (the label, ids): left out of the profile. */
  exclude: z._default(z.array(FeatureName).check(z.maxLength(1000)), []),
  /** Columns to treat as categorical even though every value is a number. */
  categorical: z._default(z.array(FeatureName).check(z.maxLength(1000)), []),
});

export const RegisterBaselineRequest = z
  .strictObject({
    model: ModelName,
    version: VersionNumber,
    /** A profile computed elsewhere (`mlops monitor baseline`); give this or `source`. */
    profile: z.optional(z.unknown()),
    /** Training data to profile in the function. */
    source: z.optional(BaselineSource),
    /** Replace the version's baseline if it has one; without it, an existing baseline is a ConflictError. */
    replace: z._default(z.boolean(), false),
  })
  .check(
    z.refine(
      (request: { profile?: unknown; source?: unknown }) => (request.profile === undefined) !== (request.source === undefined),
      'must give exactly one of profile and source',
    ),
  );
export type RegisterBaselineRequest = z.input<typeof RegisterBaselineRequest>;
export type RegisterBaselineCommand = z.output<typeof RegisterBaselineRequest>;

export const QueryMonitoringRequest = z.discriminatedUnion('query', [
  z.strictObject({ query: z.literal('listMonitors') }),
  /** The monitors the platform stores, with their schedules (a CDK monitor is not stored). */
  z.strictObject({ query: z.literal('listStoredMonitors') }),
  z.strictObject({ query: z.literal('listChecks'), monitor: MonitorName, ...Page }),
  z.strictObject({ query: z.literal('getCheck'), monitor: MonitorName, checkId: z.optional(Identifier) }),
  z.strictObject({ query: z.literal('getReport'), monitor: MonitorName, checkId: z.optional(Identifier) }),
  z.strictObject({ query: z.literal('getBaseline'), model: ModelName, version: VersionNumber }),
]);
export type QueryMonitoringRequest = z.input<typeof QueryMonitoringRequest>;
export type QueryMonitoringCommand = z.output<typeof QueryMonitoringRequest>;

/**
 * Thresholds are stored with a stored monitor: bounded to what DynamoDB holds (and far past any useful setting),
 * so a value that passes is one the table keeps.
 */
const SMALLEST_THRESHOLD = 1e-12;
const Share = z.number().check(z.gte(SMALLEST_THRESHOLD), z.lte(1));
const Distance = z.number().check(z.gte(SMALLEST_THRESHOLD), z.lte(1e6));

export const DriftThresholdsSchema = z.strictObject({
  ksPValue: z._default(Share, DEFAULT_THRESHOLDS.ksPValue),
  chiSquarePValue: z._default(Share, DEFAULT_THRESHOLDS.chiSquarePValue),
  psi: z._default(Distance, DEFAULT_THRESHOLDS.psi),
  jensenShannon: z._default(Distance, DEFAULT_THRESHOLDS.jensenShannon),
  wasserstein: z._default(Distance, DEFAULT_THRESHOLDS.wasserstein),
  driftShare: z._default(Share, DEFAULT_THRESHOLDS.driftShare),
});

const NumericMethod = z._default(z.enum(['auto', 'ks', 'psi', 'wasserstein', 'jensen_shannon']), 'auto');
const CategoricalMethod = z._default(z.enum(['auto', 'chi_square', 'psi', 'jensen_shannon']), 'auto');
const WindowMinutes = z.int().check(z.gte(1), z.lte(7 * 24 * 60));

const BucketName = z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'));
const KeyPrefix = z.string().check(z.maxLength(512), z.regex(/^([^/].*\/)?$/, 'must be empty or end with "/" and not start with one'), noControlCharacters);

/**
 * One monitor, as `ModelMonitoring.addMonitor` writes it into its schedule: the model whose
 * baseline drift is measured against, where its production records are captured, and how drift
 * is decided.
 */
export const MonitorConfig = z
  .strictObject({
    monitor: MonitorName,
    model: ModelName,
    /** The version whose baseline is the reference; or `alias`, resolved at each check. */
    version: z.optional(VersionNumber),
    alias: z.optional(AliasName),
    /**
     * Where capture files are: SageMaker's `<destination>/<endpoint>/` (variants beneath it) or
     * `collected/<monitor>/` in the monitoring bucket.
     */
    capture: z.strictObject({ bucket: BucketName, prefix: KeyPrefix }),
    windowMinutes: WindowMinutes,
    /** A window with fewer records gets no verdict (quiet hours do not alarm). */
    minRecords: z._default(z.int().check(z.gte(1)), 100),
    thresholds: z._default(DriftThresholdsSchema, DEFAULT_THRESHOLDS),
    numericMethod: NumericMethod,
    categoricalMethod: CategoricalMethod,
  })
  .check(
    z.refine(
      (config: { version?: number; alias?: string }) => (config.version === undefined) !== (config.alias === undefined),
      'must give exactly one of version and alias',
    ),
  );
export type MonitorConfig = z.input<typeof MonitorConfig>;

/**
 * The drift check's steps. `plan` lists the window's capture files and either checks them at once
 * or writes a manifest of chunks for the state machine's Distributed Map; `finish` merges the
 * chunks' sketches and checks.
 */
export const CheckDriftRequest = z.discriminatedUnion('phase', [
  z.strictObject({
    phase: z.literal('plan'),
    config: MonitorConfig,
    /** The end of the window (the schedule's time); the window is the `windowMinutes` before it. */
    windowEnd: z.iso.datetime({ offset: true }),
  }),
  z.strictObject({ phase: z.literal('finish'), config: MonitorConfig, checkId: Identifier }),
]);
export type CheckDriftRequest = z.input<typeof CheckDriftRequest>;

/** One chunk of a fanned-out check: capture objects sketched together by `SketchCaptureChunk`. */
export const SketchChunkRequest = z.strictObject({
  config: MonitorConfig,
  checkId: Identifier,
  chunk: z.strictObject({
    index: z.int().check(z.gte(0)),
    version: VersionNumber,
    windowStart: z.iso.datetime({ offset: true }),
    windowEnd: z.iso.datetime({ offset: true }),
    keys: z.array(Text(1024).check(z.minLength(1))).check(z.minLength(1), z.maxLength(1000)),
  }),
});
export type SketchChunkRequest = z.input<typeof SketchChunkRequest>;

/** What the retrain gate receives when a monitor's drift alarm goes into ALARM. */
export const RetrainGateRequest = z.strictObject({
  monitor: MonitorName,
  model: ModelName,
  cooldownSeconds: z.int().check(z.gte(0)),
  /** The alarm's state change time. */
  alarmTime: z.iso.datetime({ offset: true }),
});
export type RetrainGateRequest = z.input<typeof RetrainGateRequest>;

/**
 * A monitor the platform stores and checks on its own schedule, with no redeploy: what it compares (a model version's
 * baseline, or the version an alias names at each check) and where the production records are (a deployment's
 * capture, or what `CollectData` stores for the monitor).
 */
export const CreateMonitorRequest = z
  .strictObject({
    monitor: MonitorName,
    model: ModelName,
    version: z.optional(VersionNumber),
    alias: z.optional(AliasName),
    /** Check the requests this deployment captures; without it, the records `CollectData` stores for the monitor. */
    deployment: z.optional(DeploymentName),
    /** Minutes between checks, windows ending on multiples of it (UTC); the schedule looks each minute. */
    scheduleMinutes: z._default(z.int().check(z.gte(1), z.lte(24 * 60)), 60),
    /** @default - the schedule: each record is checked once */
    windowMinutes: z.optional(WindowMinutes),
    minRecords: z._default(z.int().check(z.gte(1), z.lte(1_000_000_000)), 100),
    thresholds: z._default(DriftThresholdsSchema, DEFAULT_THRESHOLDS),
    numericMethod: NumericMethod,
    categoricalMethod: CategoricalMethod,
    /** Replace a stored monitor of that name; without it, one is a ConflictError. */
    replace: z._default(z.boolean(), false),
    actor: z.optional(Actor),
  })
  .check(
    z.refine((request) => (request.version === undefined) !== (request.alias === undefined), {
      message: 'must give exactly one of version and alias',
      path: ['version'],
    }),
  );
export type CreateMonitorRequest = z.input<typeof CreateMonitorRequest>;
export type CreateMonitorCommand = z.output<typeof CreateMonitorRequest>;

export const DeleteMonitorRequest = z.strictObject({ monitor: MonitorName, actor: z.optional(Actor) });
export type DeleteMonitorRequest = z.input<typeof DeleteMonitorRequest>;
export type DeleteMonitorCommand = z.output<typeof DeleteMonitorRequest>;

/**
 * What the monitor event handler takes: its schedule's tick (each stored monitor that is due is checked), and a
 * deployment's state change from the platform bus (a deployment going into service gets, or moves, its monitor).
 * Only the fields read are checked; the deployment is read again from its table, not taken from the event.
 */
export const MonitorEvent = z.discriminatedUnion('detail-type', [
  z.looseObject({ 'detail-type': z.literal('Scheduled Event'), time: z.iso.datetime({ offset: true }) }),
  z.looseObject({ 'detail-type': z.literal('DeploymentStateChanged'), detail: z.looseObject({ name: DeploymentName }) }),
]);
export type MonitorEvent = z.output<typeof MonitorEvent>;

/** Every request schema by the function that takes it, for the published JSON Schemas. */
export const monitoringRequestSchemas = {
  CollectData: CollectDataRequest,
  RegisterBaseline: RegisterBaselineRequest,
  QueryMonitoring: QueryMonitoringRequest,
  CreateMonitor: CreateMonitorRequest,
  DeleteMonitor: DeleteMonitorRequest,
} as const;
