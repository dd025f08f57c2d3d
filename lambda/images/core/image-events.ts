import type { Clock } from '../../shared/clock';
import { BASE_IMAGE_DIGEST_VARIABLE } from './buildspec';
import type { AliasMove, BuildPhaseChange, BuildStateChange, ImageEvent } from './event-schemas';
import { type ImageVersionRecord, imageTag, type ModelPackageRecord } from './model';
import { createModelPackages, decideApproval, type ModelPackageDependencies } from './model-packages';
import type { ImageEvents, ImageRepository, ImageStore, ImageVersionRef } from './ports';
import { stateChange } from './state-change';
import { pinnedReference } from './supply-chain';

export interface ImageEventDependencies extends ModelPackageDependencies {
  readonly store: ImageStore;
  readonly repository: ImageRepository;
  readonly events: ImageEvents;
  readonly clock: Clock;
  readonly repositoryName: string;
  readonly repositoryUri: string;
}

/** What handling an event did, for the logs and tests. */
export type ImageEventOutcome =
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'phase'; readonly image: ImageVersionRef; readonly phase: string }
  | { readonly outcome: 'ready' | 'failed'; readonly image: ImageVersionRef }
  | { readonly outcome: 'approvals'; readonly changed: number };

/** CodeBuild's phases in order; a phase-change event names the phase that completed. */
export const BUILD_PHASES = [
  'SUBMITTED',
  'QUEUED',
  'PROVISIONING',
  'DOWNLOAD_SOURCE',
  'INSTALL',
  'PRE_BUILD',
  'BUILD',
  'POST_BUILD',
  'UPLOAD_ARTIFACTS',
  'FINALIZING',
  'COMPLETED',
];

/**
 * Follows image builds and the registry into image records and SageMaker: CodeBuild phase changes
 * become the build's progress; a finished build makes the version `READY` (pinned to the pushed
 * digest, with its scan findings, mirrored to the SageMaker Model Registry) or `FAILED` (with the
 * failing phase and the log link); a move of the approval alias re-decides the approval of the
 * packages of the versions it names and of the version the registry says holds the alias. Events arrive at least once and maybe late: a
 * version that is no longer `BUILDING` is not changed again. A version becomes `READY` with its
 * packages in one write, after they are created (idempotently), so a failure in between leaves it
 * `BUILDING` for the redelivered event to finish.
 */
export function handleImageEvent(deps: ImageEventDependencies) {
  return async (event: ImageEvent): Promise<ImageEventOutcome> => {
    if (event['detail-type'] === 'ModelAliasChanged') return followAlias(deps, event.detail);
    const ref = imageOfBuild(event.detail);
    if (!ref) return { outcome: 'ignored', reason: 'the build names no image (IMAGE_NAME, IMAGE_VERSION)' };
    if (event['detail-type'] === 'CodeBuild Build Phase Change') return recordPhase(deps, ref, event.detail);
    return finishBuild(deps, ref, event.detail);
  };
}

function imageOfBuild(detail: BuildPhaseChange | BuildStateChange): ImageVersionRef | undefined {
  const variables = detail['additional-information']?.environment?.['environment-variables'] ?? [];
  const value = (name: string) => variables.find((variable) => variable.name === name)?.value;
  const name = value('IMAGE_NAME');
  const version = Number(value('IMAGE_VERSION'));
  return name && Number.isInteger(version) && version > 0 ? { name, version } : undefined;
}

async function recordPhase(deps: ImageEventDependencies, ref: ImageVersionRef, detail: BuildPhaseChange): Promise<ImageEventOutcome> {
  const completed = BUILD_PHASES.indexOf(detail['completed-phase']);
  const phase = BUILD_PHASES[completed + 1] ?? detail['completed-phase'];
  const record = await deps.store.getVersion(ref.name, ref.version);
  if (record?.status !== 'BUILDING') return { outcome: 'ignored', reason: `image ${ref.name} version ${ref.version} is not building` };
  // Phase events may arrive out of order: never move the progress backwards.
  if (BUILD_PHASES.indexOf(record.build?.phase ?? '') >= BUILD_PHASES.indexOf(phase)) return { outcome: 'ignored', reason: `a later phase is recorded` };
  await deps.store.updateBuilding(ref, { build: { ...record.build, id: record.build?.id ?? detail['build-id'], phase } }, deps.clock.now().toISOString());
  return { outcome: 'phase', image: ref, phase };
}

async function finishBuild(deps: ImageEventDependencies, ref: ImageVersionRef, detail: BuildStateChange): Promise<ImageEventOutcome> {
  const status = detail['build-status'];
  if (status === 'IN_PROGRESS') return { outcome: 'ignored', reason: 'the build is in progress' };
  const record = await deps.store.getVersion(ref.name, ref.version);
  if (!record) return { outcome: 'ignored', reason: `image ${ref.name} has no version ${ref.version}` };
  if (record.status !== 'BUILDING') return { outcome: 'ignored', reason: `already ${record.status}` };

  const now = deps.clock.now().toISOString();
  const info = detail['additional-information'];
  const build = { ...record.build, id: record.build?.id ?? detail['build-id'], logsUrl: info?.logs?.['deep-link'], endedAt: now, phase: 'COMPLETED' };
  if (status === 'SUCCEEDED') {
    const tag = imageTag(ref.name, ref.version);
    const pushed = await deps.repository.describe({ repository: deps.repositoryName, tag });
    if (!pushed)
      return fail(deps, record, { ...build, failure: `the build succeeded but ECR repository ${deps.repositoryName} has no image tagged ${tag}` }, now);
    const source = pinBaseImage(
      record.source,
      info?.['exported-environment-variables']?.find((variable) => variable.name === BASE_IMAGE_DIGEST_VARIABLE)?.value,
    );
    const change = {
      status: 'READY' as const,
      build,
      digest: pushed.digest,
      imageUri: `${deps.repositoryUri}@${pushed.digest}`,
      scan: pushed.scan,
      ...(source === record.source ? {} : { source }),
    };
    const ready: ImageVersionRecord = { ...record, ...change, updatedAt: now };
    // Packages first, so a READY version always has them; a redelivered event creates none twice (client tokens).
    const modelPackages = await createModelPackages(deps, ready);
    if (!(await deps.store.updateBuilding(ref, { ...change, modelPackages }, now))) return { outcome: 'ignored', reason: 'no longer BUILDING' };
    await deps.events.publish(stateChange(ready));
    return { outcome: 'ready', image: ref };
  }
  const failedPhase = info?.phases?.find((phase) => phase['phase-status'] !== undefined && phase['phase-status'] !== 'SUCCEEDED');
  const context = (failedPhase?.['phase-context'] ?? []).filter((line) => line.trim() !== '' && line.trim() !== ':').join('; ');
  const failure = failedPhase ? `${failedPhase['phase-type']} ${failedPhase['phase-status']}${context ? `: ${context}` : ''}` : `the build ended ${status}`;
  return fail(deps, record, { ...build, failure }, now);
}

/** The build source with its base image pinned to the digest the build reports it pulled; as it was when the build reports none. */
function pinBaseImage(source: ImageVersionRecord['source'], digest: string | undefined): ImageVersionRecord['source'] {
  if (source.type !== 'build' || digest === undefined) return source;
  const requestedBaseImage = source.requestedBaseImage ?? source.baseImage;
  return { ...source, baseImage: pinnedReference(requestedBaseImage, digest), requestedBaseImage };
}

async function fail(deps: ImageEventDependencies, record: ImageVersionRecord, build: ImageVersionRecord['build'], now: string): Promise<ImageEventOutcome> {
  const ref = { name: record.name, version: record.version };
  if (!(await deps.store.updateBuilding(ref, { status: 'FAILED', build }, now))) return { outcome: 'ignored', reason: 'no longer BUILDING' };
  await deps.events.publish(stateChange({ ...record, status: 'FAILED', build }));
  return { outcome: 'failed', image: ref };
}

/** How often an alias that keeps moving while its packages are re-decided is read again. */
const MAX_ALIAS_READS = 3;

/**
 * Re-decides the packages of the model's versions an alias move names and of the version the
 * approval alias holds now, from the registry: the event says only which model to look at, so a
 * forged or stale one changes no approval the registry does not back. The alias is read again after
 * the writes, and a move made meanwhile is followed, so a late writer never leaves an old version
 * approved.
 */
async function followAlias(deps: ImageEventDependencies, move: AliasMove): Promise<ImageEventOutcome> {
  if (move.alias !== deps.approvalAlias) return { outcome: 'ignored', reason: `alias "${move.alias}" does not approve` };
  const defined = (versions: (number | undefined)[]) => versions.filter((version): version is number => version !== undefined);
  let changed = 0;
  let holder = await deps.versions.aliasVersion(move.name, deps.approvalAlias);
  let pending = new Set(defined([move.toVersion, move.fromVersion, holder]));
  for (let read = 1; ; read++) {
    for (const modelVersion of pending) changed += await redecideServing(deps, move.name, modelVersion, holder);
    const now = await deps.versions.aliasVersion(move.name, deps.approvalAlias);
    if (now === holder || read === MAX_ALIAS_READS) break;
    // A move made meanwhile changes the decision of the versions it left and reached only.
    pending = new Set(defined([holder, now]));
    holder = now;
  }
  return { outcome: 'approvals', changed };
}

/** Re-decides the packages of one model version in every image serving it; returns how many changed status. */
async function redecideServing(deps: ImageEventDependencies, model: string, modelVersion: number, holder: number | undefined): Promise<number> {
  let changed = 0;
  for (const ref of await deps.store.versionsServing(model, modelVersion)) {
    const image = await deps.store.getVersion(ref.name, ref.version);
    if (!image?.modelPackages) continue;
    let recordChanged = false;
    const packages: ModelPackageRecord[] = [];
    for (const modelPackage of image.modelPackages) {
      const applies = modelPackage.model === model && modelPackage.modelVersion === modelVersion;
      const decision = applies ? decideApproval(image, modelVersion === holder, deps.approvalAlias) : undefined;
      if (!decision || (decision.status === modelPackage.approvalStatus && decision.blockedBy === modelPackage.approvalBlockedBy)) {
        packages.push(modelPackage);
        continue;
      }
      if (decision.status !== modelPackage.approvalStatus) {
        await deps.packages.setApproval(modelPackage.arn, decision.status, decision.description);
        changed++;
      }
      // The reason a package stays pending changes with the alias even when its status does not.
      const { approvalBlockedBy: _previous, ...rest } = modelPackage;
      packages.push({ ...rest, approvalStatus: decision.status, ...(decision.blockedBy ? { approvalBlockedBy: decision.blockedBy } : {}) });
      recordChanged = true;
    }
    if (recordChanged) await deps.store.setModelPackages(ref, packages, deps.clock.now().toISOString());
  }
  return changed;
}
