import * as z from 'zod/mini';
import { RUN_ID_PATTERN } from '../../experiments/core/schemas';
import type { Clock } from '../../shared/clock';
import { ConflictError, ValidationError } from '../../shared/errors';
import { fingerprint } from '../../shared/fingerprint';
import { KeyName, MetricValue, utf8Length } from '../../shared/schema-fields';
import { parseRequest } from '../../shared/validation';
import { resolveArtifact } from './artifact';
import { directoryRecord, pinDirectory, saveDirectory } from './directory-artifact';
import type { ArtifactRecord, ModelVersionRecord } from './model';
import type { ArtifactStore, EventPublisher, RegistryStore, SourceRun, SourceRuns } from './ports';
import { CopiedRunContent, ParameterValue, type RegisterModelCommand } from './schemas';

export interface RegisterModelResult {
  readonly name: string;
  readonly version: number;
  readonly artifact: ArtifactRecord;
  readonly createdAt: string;
}

export interface RegisterModelDependencies {
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly artifactBucket: string;
  /** Experiment tracking's runs; without it a `sourceRunId` is recorded as given. */
  readonly sourceRuns?: SourceRuns;
}

/**
 * The largest version record once a source run's params and metrics are copied in: it must still
 * fit a DynamoDB item (400 KB) and the `ModelVersionRegistered` event (256 KB).
 */
export const MAX_VERSION_RECORD_BYTES = 200 * 1024;

/** What a source run adds to a version: its params and final metrics (the request's own win), and a link. */
function withSourceRun<T extends { parameters: Readonly<Record<string, string>>; metrics: Readonly<Record<string, number>> }>(content: T, run: SourceRun) {
  const copied = run.origin === 'mlflow' ? holdable(run, content) : { params: run.params, finalMetrics: run.finalMetrics };
  return {
    ...content,
    parameters: { ...copied.params, ...content.parameters },
    metrics: { ...copied.finalMetrics, ...content.metrics },
    sourceRun: { experiment: run.experiment, runName: run.runName },
  };
}

/**
 * What a version holds of an MLflow run's params and final metrics. Such a run follows MLflow's rules (NaN and
 * infinite metrics, params of 6,000 characters, 1,000 of them), and MLflow's registry copies nothing from a run,
 * so registering one never fails on it: a version takes the entries it can hold, and none when they would not fit
 * it. The run keeps them all (`mlops run show`, MLflow's client).
 */
function holdable(run: SourceRun, content: { parameters: object; metrics: object }): Pick<SourceRun, 'params' | 'finalMetrics'> {
  const entries = <V>(record: Readonly<Record<string, V>>, value: z.ZodMiniType) =>
    Object.fromEntries(Object.entries(record).filter(([key, each]) => z.safeParse(KeyName, key).success && z.safeParse(value, each).success));
  const params = entries(run.params, ParameterValue);
  const finalMetrics = entries(run.finalMetrics, MetricValue);
  const record = { ...content, parameters: { ...params, ...content.parameters }, metrics: { ...finalMetrics, ...content.metrics } };
  return utf8Length(record) <= MAX_VERSION_RECORD_BYTES ? { params, finalMetrics } : { params: {}, finalMetrics: {} };
}

/** A source run's params and metrics must be storable in the version as the request's own are, and fit it. */
function checkCopiedContent(run: SourceRun, record: { parameters: object; metrics: object }): void {
  try {
    parseRequest(CopiedRunContent, { parameters: record.parameters, metrics: record.metrics });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues = error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw ValidationError.of('sourceRunId', `run ${run.runName} brings params or metrics a version cannot hold (${issues})`);
  }
  if (utf8Length(record) > MAX_VERSION_RECORD_BYTES) {
    throw ValidationError.of(
      'sourceRunId',
      `run ${run.runName} brings too many params and metrics: the version would exceed ${MAX_VERSION_RECORD_BYTES} bytes`,
    );
  }
}

/**
 * The artifact pinned, as it will be recorded; `save` returns the final record, writing a directory's
 * manifest, which is called only once the whole registration is known to be valid.
 */
async function pinArtifact(
  artifacts: ArtifactStore,
  artifactBucket: string,
  request: RegisterModelCommand['artifact'],
): Promise<{ readonly record: ArtifactRecord; readonly save: () => Promise<ArtifactRecord> }> {
  if (request.kind !== 'directory') {
    const record = await resolveArtifact(artifacts, artifactBucket, request);
    return { record, save: async () => record };
  }
  const pinned = await pinDirectory(artifacts, artifactBucket, request);
  return { record: directoryRecord(pinned), save: () => saveDirectory(artifacts, pinned) };
}

const toResult = ({ name, version, artifact, createdAt }: ModelVersionRecord): RegisterModelResult => ({
  name,
  version,
  artifact,
  createdAt,
});

/**
 * Registers a new version of a model: pins the artifact, takes the model's next version number
 * from an atomic counter (so concurrent callers never share one, and a hundred of them cost a
 * hundred increments, not a hundred rounds of retries), writes the version with its client token
 * and tag index in one transaction, and announces it. A retried client token returns the version
 * it produced and writes no new version; the model's latest version and the event are recorded
 * again, so a call that failed after the commit is completed by retrying. A number is skipped when
 * its commit does not happen: the caller fails between taking it and committing, or a concurrent
 * call with the same client token commits first.
 */
export function registerModel(deps: RegisterModelDependencies) {
  const { store, events, clock } = deps;

  async function replay(name: string, clientToken: string, requestFingerprint: string): Promise<RegisterModelResult | undefined> {
    const token = await store.getToken(name, clientToken);
    if (!token) return undefined;
    if (token.fingerprint !== requestFingerprint) {
      throw new ConflictError(`clientToken "${clientToken}" was already used for a different request (version ${token.version} of ${name})`);
    }
    const existing = await store.getVersion(name, token.version);
    if (!existing) throw new Error(`client token ${clientToken} points at missing version ${token.version} of ${name}`);
    await announce(existing);
    return toResult(existing);
  }

  /** What follows a commit; all are idempotent, so a replay repeats them. All run to the end before a failure is reported. */
  async function announce(record: ModelVersionRecord): Promise<void> {
    const outcomes = await Promise.allSettled([
      store.recordLatestVersion(record.name, record.version, record.createdAt),
      events.publish({ type: 'ModelVersionRegistered', detail: record }),
      record.sourceRun && deps.sourceRuns ? deps.sourceRuns.linkVersion(record.sourceRunId!, record.name, record.version) : undefined,
    ]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  return async (command: RegisterModelCommand): Promise<RegisterModelResult> => {
    const { clientToken, actor, artifact: artifactRequest, ...content } = command;
    const requestFingerprint = fingerprint({ artifact: artifactRequest, ...content });

    // A run id of experiment tracking's form must name a tracked run; other ids (a SageMaker job, a CI run) are kept as given.
    const tracked = deps.sourceRuns !== undefined && command.sourceRunId !== undefined && RUN_ID_PATTERN.test(command.sourceRunId);
    // The token lookup, the artifact check and the source run are independent round trips: run them together.
    // A replay wins over a failed check: its version exists whatever happened to the object since.
    const [replayed, resolved, source] = await Promise.allSettled([
      clientToken ? replay(command.name, clientToken, requestFingerprint) : Promise.resolve(undefined),
      pinArtifact(deps.artifacts, deps.artifactBucket, artifactRequest),
      tracked ? deps.sourceRuns!.get(command.sourceRunId!) : Promise.resolve(undefined),
    ]);
    if (replayed.status === 'rejected') throw replayed.reason;
    if (replayed.value) return replayed.value;
    if (resolved.status === 'rejected') throw resolved.reason;
    if (source.status === 'rejected') throw source.reason;
    if (tracked && !source.value) {
      throw ValidationError.of('sourceRunId', `is not a run known to experiment tracking (${command.sourceRunId})`);
    }
    const createdAt = clock.now().toISOString();
    const fields = { ...content, createdAt, createdBy: actor, artifact: resolved.value.record };
    const recordFields = source.value ? withSourceRun(fields, source.value) : fields;
    if (source.value) checkCopiedContent(source.value, recordFields);
    // The whole request is valid: only now is a directory's manifest written.
    const artifact = await resolved.value.save();
    const version = await store.reserveVersion(command.name, createdAt);
    const record: ModelVersionRecord = { ...recordFields, artifact, version };

    const outcome = await store.commitVersion(record, clientToken ? { clientToken, fingerprint: requestFingerprint } : undefined);
    if (outcome.kind === 'token-taken') {
      const replayed = await replay(command.name, clientToken!, requestFingerprint);
      if (!replayed) throw new Error(`client token ${clientToken} was taken but cannot be read`);
      return replayed;
    }
    await announce(record);
    return toResult(record);
  };
}
