import type { ManifestFile } from '../../registry/core/artifact-manifest';
import type { ContextFile, ServedModel } from './model';

/**
 * The build context of an image the platform builds: what `RegisterImage` writes to the artifact
 * bucket and CodeBuild builds. The image holds the serving shim, the entry script and its
 * requirements; the models travel as SageMaker's model data (`model.tar.gz`, packed by the build
 * from `models.txt`) and are extracted into `/opt/ml/model/<model>/<version>/` at start.
 */

/** Where the image keeps the shim and the script; SageMaker extracts model data to `/opt/ml/model`. */
export const PROGRAM_DIR = '/opt/program';
export const MODEL_DIR = '/opt/ml/model';
export const SHIM_FILE = 'serve.py';
/**
 * Lists the artifacts to pack, each pinned as the registry recorded it: one
 * `<sha256> <s3 version id> <folder> <s3 uri>` per line (the URI last: keys may hold spaces), the
 * folder `<model>/<version>` under the model directory, and for each file of a directory artifact
 * `<model>/<version>/<the file's folder in the directory>` (`register-image.ts` refuses folders with white space).
 */
export const MODEL_MANIFEST_FILE = 'models.txt';
export const REQUIREMENTS_FILE = 'requirements.txt';
/** The platform's entry script for an MLflow model (serving/mlflow_pyfunc.py), used when a build names none. */
export const MLFLOW_ENTRY_FILE = 'mlflow_pyfunc.py';
/** What marks a directory artifact as an MLflow model: its `MLmodel` file at the top. */
export const MLMODEL_FILE = 'MLmodel';

export interface BuildContextSpec {
  readonly imageName: string;
  readonly imageVersion: number;
  readonly baseImage: string;
  /** The entry script's file name in the image. */
  readonly entryFile: string;
  readonly models: readonly PinnedModel[];
  readonly environment: Readonly<Record<string, string>>;
  /** The requirements, one per entry, as `parseRequirements` returns them. */
  readonly requirements: readonly string[];
}

/** A served model whose artifact the registry pinned (every model a new image serves); a directory's files as its manifest pins them. */
export type PinnedModel = ServedModel & { readonly artifactVersionId: string; readonly artifactSha256: string; readonly files?: readonly ManifestFile[] };

/** The context's generated files by name; the entry script is copied beside them as `entryFile`. */
export function renderBuildContext(spec: BuildContextSpec, shim: string): Record<string, string> {
  return {
    Dockerfile: renderDockerfile(spec),
    [SHIM_FILE]: shim,
    [REQUIREMENTS_FILE]: spec.requirements.map((line) => `${line}\n`).join(''),
    [MODEL_MANIFEST_FILE]: spec.models.flatMap(modelManifestLines).join(''),
    '.dockerignore': `${MODEL_MANIFEST_FILE}\n`,
  };
}

/** The `models.txt` lines of a served model: its artifact, or each file of its directory, in the folder of its path there. */
function modelManifestLines(model: PinnedModel): string[] {
  if (!model.files) return [`${model.artifactSha256} ${model.artifactVersionId} ${modelDirectory(model)} ${model.artifactUri}\n`];
  const prefix = model.artifactUri.endsWith('/') ? model.artifactUri : `${model.artifactUri}/`;
  return model.files.map((file) => {
    const folder = fileFolder(file.path);
    return `${file.sha256} ${file.versionId} ${modelDirectory(model)}${folder ? `/${folder}` : ''} ${prefix}${file.path}\n`;
  });
}

/** The folder of a path in a directory artifact (`code` of `code/helpers.py`), empty at its top. */
export const fileFolder = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), 0));

/** Where a served model's artifact is under the model directory. */
export const modelDirectory = (model: Pick<ServedModel, 'name' | 'version'>) => `${model.name}/${model.version}`;

export function renderDockerfile(spec: BuildContextSpec): string {
  const served = spec.models.map((model) => `${model.name}:${model.version}`).join(',');
  const platformEnvironment: Record<string, string> = {
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    MLOPS_ENTRY_SCRIPT: `${PROGRAM_DIR}/${spec.entryFile}`,
    MLOPS_MODEL_DIR: MODEL_DIR,
    MLOPS_IMAGE: `${spec.imageName}:${spec.imageVersion}`,
    MLOPS_MODELS: served,
  };
  const lines = [
    `# Built by mlops-platform: image ${spec.imageName} version ${spec.imageVersion}, serving ${served}.`,
    `FROM ${spec.baseImage}`,
    envInstruction(platformEnvironment),
    ...(Object.keys(spec.environment).length > 0 ? ['# Set at registration.', envInstruction(spec.environment)] : []),
    `WORKDIR ${PROGRAM_DIR}`,
    // Requirements first: their layer is reused while only the script changes.
    `COPY ${REQUIREMENTS_FILE} ./`,
    ...(spec.requirements.length > 0 ? [`RUN pip install --no-cache-dir --disable-pip-version-check --requirement ${REQUIREMENTS_FILE}`] : []),
    `COPY ${SHIM_FILE} ${spec.entryFile} ./`,
    // The SageMaker contract: the container answers on 8080; SageMaker runs it with the argument "serve".
    'EXPOSE 8080',
    `ENTRYPOINT ["python3", "${PROGRAM_DIR}/${SHIM_FILE}"]`,
  ];
  return `${lines.join('\n')}\n`;
}

/** One `ENV` instruction; values are quoted so spaces, quotes and `$` reach the container unexpanded. */
function envInstruction(variables: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(variables).map(([name, value]) => `${name}="${value.replace(/["\\$]/g, (c) => `\\${c}`)}"`);
  return `ENV ${pairs.join(' \\\n    ')}`;
}

/**
 * The context's files as the build takes them (`CONTEXT_FILES`): `<name>:<s3 version id>:<sha256>`
 * separated by spaces. Names are the platform's own and the entry script's (`[A-Za-z0-9_.]`), so
 * neither separator occurs in them.
 */
export function formatContextFiles(files: readonly ContextFile[]): string {
  return files.map(({ name, versionId, sha256 }) => `${name}:${versionId}:${sha256}`).join(' ');
}

/** The entries of `CONTEXT_FILES`, as the build and the local build simulator read them. */
export function parseContextFiles(value: string): ContextFile[] {
  return value
    .split(' ')
    .filter(Boolean)
    .map((entry) => {
      const [name, versionId, sha256] = entry.split(':');
      return { name, versionId, sha256 };
    });
}

/** One line of `models.txt`. */
export interface ModelManifestLine {
  readonly sha256: string;
  readonly versionId: string;
  readonly directory: string;
  readonly uri: string;
}

export function parseModelManifest(text: string): ModelManifestLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha256, versionId, directory, ...uri] = line.split(' ');
      return { sha256, versionId, directory, uri: uri.join(' ') };
    });
}
