import type { Clock } from '../../shared/clock';
import { ConflictError, type FieldIssue, ValidationError } from '../../shared/errors';
import { fingerprint } from '../../shared/fingerprint';
import { IMAGES_PREFIX, renderBuildContext, REQUIREMENTS_FILE, SHIM_FILE } from './build-context';
import type { ImageBuildVariables } from './buildspec';
import { parseEcrImageUri, pinnedImageUri } from './ecr-uri';
import { imageTag, type ImageVersionRecord, type ServedModel } from './model';
import { createModelPackages, type ModelPackageDependencies } from './model-packages';
import type { BuildInputs, EcrImageFacts, ImageBuilder, ImageEvents, ImageRepository, ImageStore, ModelVersions } from './ports';
import { parseRequirements } from './requirements';
import type { RegisterImageCommand } from './schemas';
import { baseImageRefusal, type BuildSources, externalImageRefusal, type ExternalImageSources } from './supply-chain';
import { stateChange } from './state-change';

export interface RegisterImageDependencies extends ModelPackageDependencies {
  readonly store: ImageStore;
  readonly versions: ModelVersions;
  readonly inputs: BuildInputs;
  readonly builder: ImageBuilder;
  readonly repository: ImageRepository;
  readonly events: ImageEvents;
  readonly clock: Clock;
  /** The bucket clients upload entry scripts to, and build contexts and model data are written to. */
  readonly artifactBucket: string;
  /** The serving shim's source, written into every build context. */
  readonly shim: string;
  /** The registries base images and the indexes requirements may come from. */
  readonly buildSources: BuildSources;
  /** The repositories images built elsewhere may be registered from. */
  readonly externalImages: ExternalImageSources;
}

/** Requirements files larger than this are refused: they are read whole to be checked. */
export const MAX_REQUIREMENTS_BYTES = 64 * 1024;

type Source = RegisterImageCommand['source'];
type Checked = { readonly models: ServedModel[]; readonly requirements: readonly string[]; readonly external?: EcrImageFacts };

/**
 * Registers a version of an inference image. Everything the request names is checked first (the
 * model versions, with aliases pinned to numbers; the uploaded script and requirements, or the
 * external image in ECR), so bad input is a `ValidationError` with nothing written or started.
 * Then the version takes its number from an atomic counter and is committed with its client token:
 * an image to build is committed `BUILDING` with its build context in the artifact bucket, and its
 * CodeBuild build started; an external image is committed `READY`, pinned to its digest, and
 * mirrored to the SageMaker Model Registry. A retried client token returns its version and
 * finishes what the first call left undone (a build not started, packages not created).
 */
export function registerImage(deps: RegisterImageDependencies) {
  return async (command: RegisterImageCommand): Promise<ImageVersionRecord> => {
    const requestFingerprint = fingerprint({ ...command, registeredBy: undefined });
    if (command.clientToken) {
      const retried = await retriedVersion(deps, command.name, command.clientToken, requestFingerprint);
      if (retried) return complete(deps, retried);
    }
    const checked = await check(deps, command);
    const now = deps.clock.now().toISOString();
    const version = await deps.store.reserveVersion(command.name, now);
    const record = versionRecord(deps, command, checked, version, now);
    if (record.source.type === 'build') {
      await deps.inputs.writeContext(record.source.contextUri, buildContext(deps, record, checked.requirements), {
        [entryFileName(record.source.entry)]: record.source.entry,
      });
    }
    const token = command.clientToken ? { clientToken: command.clientToken, fingerprint: requestFingerprint } : undefined;
    const outcome = await deps.store.commitVersion(record, token);
    if (outcome.kind === 'token-taken') return complete(deps, (await retriedVersion(deps, command.name, command.clientToken!, requestFingerprint))!);
    await deps.events.publish(stateChange(record));
    return complete(deps, record);
  };
}

async function retriedVersion(deps: RegisterImageDependencies, name: string, clientToken: string, requestFingerprint: string): Promise<ImageVersionRecord | undefined> {
  const token = await deps.store.getToken(name, clientToken);
  if (!token) return undefined;
  if (token.fingerprint !== requestFingerprint) {
    throw new ConflictError(`client token ${clientToken} was used for a different registration of image ${name} (version ${token.version})`);
  }
  return deps.store.getVersion(name, token.version);
}

/** Starts the build of a committed `BUILDING` version, or mirrors a `READY` one, unless already done. */
async function complete(deps: RegisterImageDependencies, record: ImageVersionRecord): Promise<ImageVersionRecord> {
  const ref = { name: record.name, version: record.version };
  if (record.status === 'BUILDING' && record.build?.id === undefined) {
    const build = { id: await startBuild(deps, record), phase: 'SUBMITTED' };
    const updatedAt = deps.clock.now().toISOString();
    await deps.store.updateBuilding(ref, { build }, updatedAt);
    return { ...record, build, updatedAt };
  }
  if (record.status === 'READY' && record.modelPackages === undefined) {
    const modelPackages = await createModelPackages(deps, record);
    const updatedAt = deps.clock.now().toISOString();
    await deps.store.setModelPackages(ref, modelPackages, updatedAt);
    return { ...record, modelPackages, updatedAt };
  }
  return record;
}

async function startBuild(deps: RegisterImageDependencies, record: ImageVersionRecord): Promise<string> {
  const source = record.source as Extract<ImageVersionRecord['source'], { type: 'build' }>;
  const variables: ImageBuildVariables = {
    IMAGE_NAME: record.name,
    IMAGE_VERSION: String(record.version),
    IMAGE_TAG: imageTag(record.name, record.version),
    MODEL_DATA_URI: record.modelDataUrl!,
  };
  try {
    return await deps.builder.start({
      sourceLocation: source.contextUri.slice('s3://'.length),
      variables: { ...variables },
      idempotencyToken: `${record.name}-${record.version}-${Date.parse(record.createdAt)}`,
    });
  } catch (error) {
    // The version is committed: record why it will never build, then fail the call.
    const build = { failure: `the build could not be started: ${(error as Error).message}` };
    if (await deps.store.updateBuilding({ name: record.name, version: record.version }, { status: 'FAILED', build }, deps.clock.now().toISOString())) {
      await deps.events.publish(stateChange({ ...record, status: 'FAILED', build }));
    }
    throw error;
  }
}

/** Checks every reference of the request, reporting all bad fields at once. */
async function check(deps: RegisterImageDependencies, command: RegisterImageCommand): Promise<Checked> {
  const issues: FieldIssue[] = [];
  const models = await resolveModels(deps.versions, command.models, issues);
  const source = command.source;
  let requirements: readonly string[] = [];
  let external: EcrImageFacts | undefined;
  if (source.type === 'build') {
    const refusal = baseImageRefusal(source.baseImage, deps.buildSources);
    if (refusal) issues.push({ path: 'source.baseImage', message: refusal });
    requirements = await checkBuildInputs(deps, source, issues);
  } else {
    const refusal = externalImageRefusal(source.imageUri, deps.externalImages);
    if (refusal) issues.push({ path: 'source.imageUri', message: refusal });
    else external = await checkExternalImage(deps.repository, source.imageUri, issues);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { models, requirements, external };
}

async function resolveModels(versions: ModelVersions, references: RegisterImageCommand['models'], issues: FieldIssue[]): Promise<ServedModel[]> {
  const served: ServedModel[] = [];
  for (const [index, reference] of references.entries()) {
    const path = `models[${index}]`;
    const version = reference.version ?? (await versions.aliasVersion(reference.name, reference.alias!));
    if (version === undefined) {
      issues.push({ path: `${path}.alias`, message: `model ${reference.name} has no alias "${reference.alias}"` });
      continue;
    }
    const artifactUri = await versions.artifactUri(reference.name, version);
    if (artifactUri === undefined) {
      issues.push({ path: `${path}.${reference.alias ? 'alias' : 'version'}`, message: `model ${reference.name} has no version ${version}` });
      continue;
    }
    if (served.some((model) => model.name === reference.name && model.version === version)) {
      issues.push({ path, message: `${reference.name} version ${version} is listed twice` });
      continue;
    }
    served.push({ name: reference.name, version, artifactUri, ...(reference.alias ? { requestedAlias: reference.alias } : {}) });
  }
  return served;
}

async function checkBuildInputs(deps: RegisterImageDependencies, source: Extract<Source, { type: 'build' }>, issues: FieldIssue[]): Promise<readonly string[]> {
  const inBucket = (uri: string) => uri.startsWith(`s3://${deps.artifactBucket}/`);
  const entryFile = entryFileName(source.entry);
  if (!inBucket(source.entry)) issues.push({ path: 'source.entry', message: `must be in the platform's artifact bucket (s3://${deps.artifactBucket}/...)` });
  else if (!/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(entryFile) || [SHIM_FILE, REQUIREMENTS_FILE].includes(entryFile)) {
    issues.push({ path: 'source.entry', message: `must be a Python module file like score.py (not "${SHIM_FILE}", the serving shim's name), got "${entryFile}"` });
  } else if (!(await deps.inputs.exists(source.entry))) issues.push({ path: 'source.entry', message: `no script at ${source.entry}: upload it first` });

  if (source.requirements === undefined) return [];
  if (!inBucket(source.requirements)) {
    issues.push({ path: 'source.requirements', message: `must be in the platform's artifact bucket (s3://${deps.artifactBucket}/...)` });
    return [];
  }
  const text = await deps.inputs.readText(source.requirements);
  if (text === undefined) {
    issues.push({ path: 'source.requirements', message: `no file at ${source.requirements}: upload it first` });
    return [];
  }
  if (Buffer.byteLength(text) > MAX_REQUIREMENTS_BYTES) {
    issues.push({ path: 'source.requirements', message: `is ${Buffer.byteLength(text)} bytes; at most ${MAX_REQUIREMENTS_BYTES} are accepted` });
    return [];
  }
  const parsed = parseRequirements(text, deps.buildSources.packageIndexes);
  for (const problem of parsed.problems) {
    issues.push({ path: 'source.requirements', message: `line ${problem.line} "${problem.text}" ${problem.reason}` });
  }
  return parsed.requirements;
}

async function checkExternalImage(repository: ImageRepository, imageUri: string, issues: FieldIssue[]): Promise<EcrImageFacts | undefined> {
  const ref = parseEcrImageUri(imageUri);
  const facts = await repository.describe(ref);
  if (!facts) {
    const what = ref.tag ? `tag ${ref.tag}` : `digest ${ref.digest}`;
    issues.push({ path: 'source.imageUri', message: `no image with ${what} in ECR repository ${ref.repository} of account ${ref.registryId}` });
  }
  return facts;
}

function versionRecord(deps: RegisterImageDependencies, command: RegisterImageCommand, checked: Checked, version: number, now: string): ImageVersionRecord {
  const common = {
    name: command.name,
    version,
    createdAt: now,
    updatedAt: now,
    createdBy: command.registeredBy,
    description: command.description,
    models: checked.models,
    environment: command.environment,
    allowCriticalFindings: command.allowCriticalFindings,
  };
  const source = command.source;
  if (source.type === 'external') {
    const facts = checked.external!;
    // Only a single model's tar.gz artifact is model data SageMaker can extract; otherwise the image carries its models.
    const only = checked.models.length === 1 ? checked.models[0] : undefined;
    return {
      ...common,
      status: 'READY',
      source: { type: 'external', imageUri: source.imageUri },
      imageUri: pinnedImageUri(source.imageUri, facts.digest),
      digest: facts.digest,
      scan: facts.scan,
      modelDataUrl: only?.artifactUri.endsWith('.tar.gz') ? only.artifactUri : undefined,
    };
  }
  const prefix = `s3://${deps.artifactBucket}/${IMAGES_PREFIX}${command.name}/${version}`;
  return {
    ...common,
    status: 'BUILDING',
    source: { type: 'build', entry: source.entry, requirements: source.requirements, baseImage: source.baseImage, contextUri: `${prefix}/context/` },
    modelDataUrl: `${prefix}/model.tar.gz`,
  };
}

function buildContext(deps: RegisterImageDependencies, record: ImageVersionRecord, requirements: readonly string[]): Record<string, string> {
  const source = record.source as Extract<ImageVersionRecord['source'], { type: 'build' }>;
  return renderBuildContext(
    {
      imageName: record.name,
      imageVersion: record.version,
      baseImage: source.baseImage,
      entryFile: entryFileName(source.entry),
      models: record.models,
      environment: record.environment,
      requirements,
    },
    deps.shim,
  );
}

const entryFileName = (uri: string) => uri.slice(uri.lastIndexOf('/') + 1);
