/**
 * The artifact bucket's layout: who may write under each key prefix. The grants (lib/), the
 * functions that read inputs (lambda/) and the clients that upload them (client/) all take the
 * prefixes from here, so a function reads an input only where the matching grant lets its caller
 * write, and nothing a caller uploads lands where the platform keeps what it built.
 */

/** Model artifacts registrants upload (`ModelRegistry.grantRegister`): `models/<model>/<uuid>/<file>`. */
export const MODELS_PREFIX = 'models/';
/** Model artifacts uploaded without a model name (`RegistryClient.uploadArtifact`): `uploads/<uuid>/<file>`. */
export const UPLOADS_PREFIX = 'uploads/';
/** Where `RegisterModel` takes artifacts from: what `ModelRegistry.grantRegister` lets a registrant write. */
export const MODEL_UPLOAD_PREFIXES: readonly string[] = [MODELS_PREFIX, UPLOADS_PREFIX];

/** Entry scripts and requirements of images (`InferenceImages.grantRegister`): `image-inputs/<image>/<sha256>/<file>`. */
export const IMAGE_INPUTS_PREFIX = 'image-inputs/';

/** Training data of baselines (`ModelMonitoring.grantManageBaselines`): `training-data/<model>/<version>/<uuid>/<file>`. */
export const TRAINING_DATA_PREFIX = 'training-data/';

/** Written by the platform only (`RegisterImage`, the image build): build contexts and model data, `images/<image>/<version>/`. */
export const IMAGES_PREFIX = 'images/';
/** The SageMaker model data of an image version, `images/<image>/<version>/model.tar.gz`: all a deployment reads of `images/`. */
export const MODEL_DATA_FILE = 'model.tar.gz';

/** Whether `key` is under one of `prefixes` (and names an object in it, not the prefix itself). */
export function isKeyUnder(key: string, prefixes: string | readonly string[]): boolean {
  return (typeof prefixes === 'string' ? [prefixes] : prefixes).some((prefix) => key.startsWith(prefix) && key.length > prefix.length);
}

/** The message of an input outside its prefixes, naming where it may be. */
export function outsidePrefixMessage(prefixes: string | readonly string[]): string {
  const list = (typeof prefixes === 'string' ? [prefixes] : prefixes).map((prefix) => `"${prefix}"`).join(' or ');
  return `must be under ${list} of the artifact bucket, where the matching grant lets its caller upload`;
}

/**
 * MLflow's artifacts (`MlflowApi.grantMlflowWrite`): `mlflow/<experiment id>/<run id>/artifacts/...` for
 * runs and `mlflow/<experiment id>/models/<model id>/artifacts/...` for logged models, as MLflow lays
 * them out under an experiment's artifact location. MLflow clients write there with their own credentials.
 */
export const MLFLOW_ARTIFACTS_PREFIX = 'mlflow/';

/** Where `RegisterModel` takes a directory artifact (an S3 prefix, as every MLflow model is) from: the model upload prefixes and MLflow's artifacts. */
export const DIRECTORY_ARTIFACT_PREFIXES: readonly string[] = [...MODEL_UPLOAD_PREFIXES, MLFLOW_ARTIFACTS_PREFIX];

/**
 * Written by the platform only (`RegisterModel`, and `MlflowApi`, which runs its use case): the manifest that pins a directory artifact's files,
 * content-addressed, `registry-manifests/<manifest sha256>.json`.
 */
export const REGISTRY_MANIFESTS_PREFIX = 'registry-manifests/';
