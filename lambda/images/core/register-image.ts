import { createHash } from 'node:crypto';
import { type ManifestFile, parseManifest } from '../../registry/core/artifact-manifest';
import {
  DIRECTORY_ARTIFACT_PREFIXES,
  IMAGE_INPUTS_PREFIX,
  IMAGES_PREFIX,
  isKeyUnder,
  MODEL_DATA_FILE,
  MODEL_UPLOAD_PREFIXES,
  outsidePrefixMessage,
} from '../../shared/artifact-prefixes';
import type { Clock } from '../../shared/clock';
import { ConflictError, type FieldIssue, ValidationError } from '../../shared/errors';
import { boundedIssues, excerpt } from '../../shared/excerpt';
import { fingerprint } from '../../shared/fingerprint';
import { parseS3Uri } from '../../shared/s3-uri';
import {
  fileFolder,
  formatContextFiles,
  MLFLOW_ENTRY_FILE,
  MLMODEL_FILE,
  type PinnedModel,
  REQUIREMENTS_FILE,
  renderBuildContext,
  SHIM_FILE,
} from './build-context';
import type { ImageBuildVariables } from './buildspec';
import { parseEcrImageUri, pinnedImageUri } from './ecr-uri';
import { type ContextFile, type ImageVersionRecord, imageTag, type PinnedObject } from './model';
import { createModelPackages, type ModelPackageDependencies } from './model-packages';
import type { BuildInputs, EcrImageFacts, ImageBuilder, ImageEvents, ImageRepository, ImageStore, ModelVersions, PinnedArtifact } from './ports';
import { parseRequirements } from './requirements';
import type { RegisterImageCommand } from './schemas';
import { stateChange } from './state-change';
import { type BuildSources, baseImageRefusal, type ExternalImageSources, externalImageRefusal } from './supply-chain';

export interface RegisterImageDependencies extends ModelPackageDependencies {
  readonly store: ImageStore;
  readonly versions: ModelVersions;
  readonly inputs: BuildInputs;
  readonly builder: ImageBuilder;
  readonly repository: ImageRepository;
  readonly events: ImageEvents;
  readonly clock: Clock;
  /** The bucket clients upload entry scripts to (under `image-inputs/`), and build contexts and model data are written to (under `images/`). */
  readonly artifactBucket: string;
  /** The serving shim's source, written into every build context. */
  readonly shim: string;
  /** The platform's MLflow entry script (serving/mlflow_pyfunc.py), written into the context of a build that names no entry. */
  readonly mlflowEntry: string;
  /** The registries base images and the indexes requirements may come from. */
  readonly buildSources: BuildSources;
  /** The repositories images built elsewhere may be registered from. */
  readonly externalImages: ExternalImageSources;
}

/** Requirements files larger than this are refused: they are read whole to be checked. */
export const MAX_REQUIREMENTS_BYTES = 64 * 1024;
/** Entry scripts larger than this are refused: they are read whole, to be copied into the context as checked. */
export const MAX_ENTRY_BYTES = 1024 * 1024;
/** A directory artifact's manifest larger than this is refused: 10,000 files of 1 KB keys fit in it. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** What the MLflow entry installs for a model without a requirements.txt: the one package it needs, unpinned. */
export const MLFLOW_FALLBACK_REQUIREMENT = 'mlflow';

type Source = RegisterImageCommand['source'];
/** An input as read at registration: the bytes the context gets, and the version they were. */
type ReadInput = { readonly bytes: Uint8Array; readonly pinned: PinnedObject };
/** The entry script as the context gets it: an uploaded one (`pinned`) or the platform's MLflow entry. */
type EntryScript = { readonly file: string; readonly bytes: Uint8Array; readonly pinned?: PinnedObject };
type BuildInputsRead = { readonly entry: EntryScript; readonly requirements?: ReadInput; readonly requirementLines: readonly string[] };
type Checked = { readonly models: PinnedModel[]; readonly build?: BuildInputsRead; readonly external?: EcrImageFacts };

/**
 * Registers a version of an inference image. Everything the request names is checked first (the
 * model versions, with aliases pinned to numbers and artifacts to the registry's S3 version and
 * SHA-256; the uploaded script and requirements, only from `image-inputs/`; or the external image
 * in ECR), so bad input is a `ValidationError` with nothing written or started. Then the version
 * takes its number from an atomic counter and is committed with its client token: an image to
 * build is committed `BUILDING` with its build context in the artifact bucket (the script copied
 * as the bytes checked; every file recorded with its S3 version and SHA-256, which the build
 * verifies), and its CodeBuild build started; an external image is committed `READY`, pinned to
 * its digest, its model data copied by version to a key only the platform writes, and mirrored
 * to the SageMaker Model Registry. A retried client token returns its version and
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
    const record = await writeBuildFiles(deps, versionRecord(deps, command, checked, version, now), checked);
    const token = command.clientToken ? { clientToken: command.clientToken, fingerprint: requestFingerprint } : undefined;
    const outcome = await deps.store.commitVersion(record, token);
    if (outcome.kind === 'token-taken') return complete(deps, (await retriedVersion(deps, command.name, command.clientToken!, requestFingerprint))!);
    await deps.events.publish(stateChange(record));
    return complete(deps, record);
  };
}

async function retriedVersion(
  deps: RegisterImageDependencies,
  name: string,
  clientToken: string,
  requestFingerprint: string,
): Promise<ImageVersionRecord | undefined> {
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
  const context = parseS3Uri(source.contextUri)!;
  const variables: ImageBuildVariables = {
    IMAGE_NAME: record.name,
    IMAGE_VERSION: String(record.version),
    IMAGE_TAG: imageTag(record.name, record.version),
    MODEL_DATA_URI: record.modelDataUrl!,
    CONTEXT_BUCKET: context.bucket,
    CONTEXT_PREFIX: context.key,
    CONTEXT_FILES: formatContextFiles(source.contextFiles ?? []),
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
  const models = await resolveModels(deps, command.models, issues);
  const source = command.source;
  let build: BuildInputsRead | undefined;
  let external: EcrImageFacts | undefined;
  if (source.type === 'build') {
    const refusal = baseImageRefusal(source.baseImage, deps.buildSources);
    if (refusal) issues.push({ path: 'source.baseImage', message: refusal });
    build =
      source.entry === undefined
        ? await mlflowEntryInputs(deps, source, command.models.length, models, issues)
        : await checkBuildInputs(deps, source, source.entry, issues);
  } else {
    const refusal = externalImageRefusal(source.imageUri, deps.externalImages);
    if (refusal) issues.push({ path: 'source.imageUri', message: refusal });
    else external = await checkExternalImage(deps.repository, source.imageUri, issues);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { models, build, external };
}

async function resolveModels(deps: RegisterImageDependencies, references: RegisterImageCommand['models'], issues: FieldIssue[]): Promise<PinnedModel[]> {
  const { versions, artifactBucket } = deps;
  const served: PinnedModel[] = [];
  for (const [index, reference] of references.entries()) {
    const path = `models[${index}]`;
    const version = reference.version ?? (await versions.aliasVersion(reference.name, reference.alias!));
    if (version === undefined) {
      issues.push({ path: `${path}.alias`, message: `model ${reference.name} has no alias "${reference.alias}"` });
      continue;
    }
    const artifact = await versions.artifact(reference.name, version);
    if (artifact === undefined) {
      issues.push({ path: `${path}.${reference.alias ? 'alias' : 'version'}`, message: `model ${reference.name} has no version ${version}` });
      continue;
    }
    // Builds read artifacts only where registrants upload them; a version registered elsewhere before that rule cannot be built.
    const location = parseS3Uri(artifact.uri);
    const readable = artifact.manifest ? DIRECTORY_ARTIFACT_PREFIXES : MODEL_UPLOAD_PREFIXES;
    if (location?.bucket !== artifactBucket || !isKeyUnder(location.key, readable)) {
      issues.push({
        path,
        message: `the artifact of ${reference.name} version ${version} is not under ${readable.join(' or ')} of the artifact bucket, where builds read artifacts: register it again from there`,
      });
      continue;
    }
    const what = `${reference.name} version ${version}`;
    const files = artifact.manifest ? await readManifest(deps, what, artifact.manifest, artifact.sha256, path, issues) : undefined;
    if (artifact.manifest && !files) continue;
    if (served.some((model) => model.name === reference.name && model.version === version)) {
      issues.push({ path, message: `${reference.name} version ${version} is listed twice` });
      continue;
    }
    served.push({
      name: reference.name,
      version,
      artifactUri: artifact.uri,
      // S3 names the single version of an object in an unversioned bucket "null". A directory is pinned by its manifest.
      artifactVersionId: (artifact.manifest ? artifact.manifest.versionId : artifact.versionId) ?? 'null',
      artifactSha256: artifact.sha256,
      ...(reference.alias ? { requestedAlias: reference.alias } : {}),
      ...(artifact.manifest ? { artifactManifestUri: artifact.manifest.uri, files } : {}),
    });
  }
  return served;
}

/**
 * The files of a directory artifact, read from its manifest (that version, refused unless it has the
 * digest the registry recorded), each in a folder the build can unpack: the build's file list is
 * split on white space, which only the last field (the URI) may hold.
 */
async function readManifest(
  deps: RegisterImageDependencies,
  what: string,
  manifest: NonNullable<PinnedArtifact['manifest']>,
  sha256Recorded: string,
  path: string,
  issues: FieldIssue[],
): Promise<readonly ManifestFile[] | undefined> {
  const read = await deps.inputs.read(manifest.uri, MAX_MANIFEST_BYTES, manifest.versionId);
  if (read.kind !== 'read') {
    issues.push({ path, message: `the manifest of ${what}'s directory artifact (${manifest.uri}) cannot be read (${read.kind})` });
    return undefined;
  }
  let files: readonly ManifestFile[];
  try {
    files = parseManifest(new TextDecoder().decode(read.bytes), sha256Recorded);
  } catch (error) {
    issues.push({ path, message: `the manifest of ${what}'s directory artifact is not what the registry recorded: ${(error as Error).message}` });
    return undefined;
  }
  const unpackable = files.find((file) => /\s/.test(fileFolder(file.path)) || /[\u0000-\u001f\u007f]/.test(file.path));
  if (unpackable) {
    issues.push({
      path,
      message: `${what} holds "${excerpt(unpackable.path)}", whose folder name or path a build cannot unpack (white space in a folder, or a control character)`,
    });
    return undefined;
  }
  return files;
}

/**
 * The inputs of a build that names no entry script: the platform's MLflow entry, serving the image's one
 * model, whose artifact must be an MLflow model directory (an `MLmodel` file at its top), with the model's
 * own requirements.txt (that version, checked against its manifest digest and by `parseRequirements`), or
 * `mlflow` alone when it has none.
 */
async function mlflowEntryInputs(
  deps: RegisterImageDependencies,
  source: Extract<Source, { type: 'build' }>,
  requested: number,
  models: readonly PinnedModel[],
  issues: FieldIssue[],
): Promise<BuildInputsRead | undefined> {
  if (source.requirements !== undefined) {
    issues.push({
      path: 'source.requirements',
      message: "come from the MLflow model's own requirements.txt without an entry script: leave them out, or give source.entry",
    });
  }
  if (requested !== 1) {
    issues.push({ path: 'source.entry', message: `is required for an image of ${requested} models: the platform's MLflow entry serves one` });
    return undefined;
  }
  // The model could not be resolved: its issue is reported already.
  const [model] = models;
  if (!model) return undefined;
  if (!model.files?.some((file) => file.path === MLMODEL_FILE)) {
    issues.push({
      path: 'source.entry',
      message: `is required: the artifact of ${model.name} version ${model.version} is not an MLflow model directory (no ${MLMODEL_FILE} file in its manifest)`,
    });
    return undefined;
  }
  const entry = { file: MLFLOW_ENTRY_FILE, bytes: Buffer.from(deps.mlflowEntry) };
  const pinnedRequirements = model.files.find((file) => file.path === REQUIREMENTS_FILE);
  if (!pinnedRequirements) return { entry, requirementLines: [MLFLOW_FALLBACK_REQUIREMENT] };

  const path = 'models[0]';
  const uri = `${model.artifactUri.replace(/\/?$/, '/')}${REQUIREMENTS_FILE}`;
  const read = await deps.inputs.read(uri, MAX_REQUIREMENTS_BYTES, pinnedRequirements.versionId);
  if (read.kind !== 'read' || sha256(read.bytes) !== pinnedRequirements.sha256) {
    const why =
      read.kind === 'too-large' ? `is ${read.sizeBytes} bytes; at most ${MAX_REQUIREMENTS_BYTES} are accepted` : 'is not the version the registry pinned';
    issues.push({ path, message: `the model's ${REQUIREMENTS_FILE} ${why}` });
    return undefined;
  }
  const parsed = parseRequirements(new TextDecoder().decode(read.bytes), deps.buildSources.packageIndexes);
  const problems = parsed.problems.map((problem) => ({
    path,
    message: `${REQUIREMENTS_FILE} line ${problem.line} "${excerpt(problem.text)}" ${problem.reason}`,
  }));
  issues.push(...boundedIssues(problems));
  return problems.length > 0 ? undefined : { entry, requirementLines: parsed.requirements };
}

async function checkBuildInputs(
  deps: RegisterImageDependencies,
  source: Extract<Source, { type: 'build' }>,
  entryUri: string,
  issues: FieldIssue[],
): Promise<BuildInputsRead | undefined> {
  const entryFile = entryFileName(entryUri);
  const badName = !/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(entryFile) || [SHIM_FILE, REQUIREMENTS_FILE].includes(entryFile);
  let uploaded: ReadInput | undefined;
  if (badName)
    issues.push({
      path: 'source.entry',
      message: `must be a Python module file like score.py (not "${SHIM_FILE}", the serving shim's name), got "${excerpt(entryFile)}"`,
    });
  else uploaded = await readInput(deps, { path: 'source.entry', uri: entryUri, what: 'script', maxBytes: MAX_ENTRY_BYTES }, issues);
  const entry = uploaded && { file: entryFile, bytes: uploaded.bytes, pinned: uploaded.pinned };
  if (source.requirements === undefined) return entry && { entry, requirementLines: [] };

  const requirements = await readInput(deps, { path: 'source.requirements', uri: source.requirements, what: 'file', maxBytes: MAX_REQUIREMENTS_BYTES }, issues);
  if (!requirements) return undefined;
  const parsed = parseRequirements(new TextDecoder().decode(requirements.bytes), deps.buildSources.packageIndexes);
  // The file may be anything its uploader could write: quote a few short excerpts of it, no more.
  const problems = parsed.problems.map((problem) => ({
    path: 'source.requirements',
    message: `line ${problem.line} "${excerpt(problem.text)}" ${problem.reason}`,
  }));
  issues.push(...boundedIssues(problems));
  return entry && { entry, requirements, requirementLines: parsed.requirements };
}

/**
 * Reads an uploaded input whole, pinned to the version read, if it is where `InferenceImages.grantRegister`
 * lets a registrant upload (`image-inputs/` of the artifact bucket): elsewhere are objects the
 * caller may not be allowed to read, which the function must not read for it.
 */
async function readInput(
  deps: RegisterImageDependencies,
  { path, uri, what, maxBytes }: { readonly path: string; readonly uri: string; readonly what: string; readonly maxBytes: number },
  issues: FieldIssue[],
): Promise<ReadInput | undefined> {
  const location = parseS3Uri(uri);
  if (location?.bucket !== deps.artifactBucket || !isKeyUnder(location.key, IMAGE_INPUTS_PREFIX)) {
    issues.push({ path, message: `${outsidePrefixMessage(IMAGE_INPUTS_PREFIX)} (s3://${deps.artifactBucket}/${IMAGE_INPUTS_PREFIX}...)` });
    return undefined;
  }
  const read = await deps.inputs.read(uri, maxBytes);
  if (read.kind === 'missing') issues.push({ path, message: `no ${what} at ${uri}: upload it first` });
  else if (read.kind === 'too-large') issues.push({ path, message: `is ${read.sizeBytes} bytes; at most ${maxBytes} are accepted` });
  else return { bytes: read.bytes, pinned: { versionId: read.versionId, sha256: sha256(read.bytes) } };
  return undefined;
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
    // A directory's files are in its manifest, not in the record.
    models: checked.models.map(({ files: _files, ...model }) => model),
    environment: command.environment,
    allowCriticalFindings: command.allowCriticalFindings,
  };
  const source = command.source;
  const prefix = `s3://${deps.artifactBucket}/${IMAGES_PREFIX}${command.name}/${version}`;
  if (source.type === 'external') {
    const facts = checked.external!;
    // Only a single model's tar.gz artifact is model data SageMaker can extract; otherwise the image carries its models.
    const only = checked.models.length === 1 ? checked.models[0] : undefined;
    // SageMaker takes no S3 version id: the model data is a copy of the pinned version at a key only the platform writes, once.
    return {
      ...common,
      status: 'READY',
      source: { type: 'external', imageUri: source.imageUri },
      imageUri: pinnedImageUri(source.imageUri, facts.digest),
      digest: facts.digest,
      scan: facts.scan,
      modelDataUrl: only && !only.files && only.artifactUri.endsWith('.tar.gz') ? `${prefix}/${MODEL_DATA_FILE}` : undefined,
    };
  }
  const { entry, requirements } = checked.build!;
  return {
    ...common,
    status: 'BUILDING',
    source: {
      type: 'build',
      entry: source.entry,
      requirements: source.requirements,
      baseImage: source.baseImage,
      contextUri: `${prefix}/context/`,
      inputs: { ...(entry.pinned ? { entry: entry.pinned } : {}), ...(requirements ? { requirements: requirements.pinned } : {}) },
    },
    modelDataUrl: `${prefix}/${MODEL_DATA_FILE}`,
  };
}

/**
 * Writes what the version's build or deployment reads, under `images/<name>/<version>/`: a build's
 * context (the entry script as the bytes that were checked), each file recorded with the S3 version
 * it was written as and its SHA-256; an external image's model data, copied from the pinned artifact version.
 */
async function writeBuildFiles(deps: RegisterImageDependencies, record: ImageVersionRecord, checked: Checked): Promise<ImageVersionRecord> {
  if (record.source.type === 'external') {
    const only = checked.models[0];
    if (record.modelDataUrl) await deps.inputs.copyVersion({ uri: only.artifactUri, versionId: only.artifactVersionId }, record.modelDataUrl);
    return record;
  }
  const source = record.source;
  const build = checked.build!;
  const entryFile = build.entry.file;
  const generated = renderBuildContext(
    {
      imageName: record.name,
      imageVersion: record.version,
      baseImage: source.baseImage,
      entryFile,
      models: checked.models,
      environment: record.environment,
      requirements: build.requirementLines,
    },
    deps.shim,
  );
  const files: Record<string, Uint8Array> = { [entryFile]: build.entry.bytes };
  for (const [name, text] of Object.entries(generated)) files[name] = Buffer.from(text);
  const versions = await deps.inputs.writeContext(source.contextUri, files);
  const contextFiles: ContextFile[] = Object.entries(files).map(([name, bytes]) => ({ name, versionId: versions[name], sha256: sha256(bytes) }));
  return { ...record, source: { ...source, contextFiles } };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const entryFileName = (uri: string) => uri.slice(uri.lastIndexOf('/') + 1);
