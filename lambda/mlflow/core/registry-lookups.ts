import type { ModelRecord, ModelVersionRecord } from '../../registry/core/model';
import { MlflowError } from './mlflow-error';
import type { MlflowRegistryStore } from './registry-ports';

/** A model MLflow sees: a deleted one is not found. */
export async function modelMlflowSees(store: Pick<MlflowRegistryStore, 'getModel'>, name: string): Promise<ModelRecord> {
  const model = await store.getModel(name);
  if (!model || model.deletedAt !== undefined) throw MlflowError.notFound(`Registered Model with name=${name} not found`);
  return model;
}

/** A version MLflow sees: a deleted one is not found, as MLflow's server forgets it. */
export async function versionMlflowSees(store: Pick<MlflowRegistryStore, 'getVersion'>, name: string, version: number): Promise<ModelVersionRecord> {
  const record = await store.getVersion(name, version);
  if (!record || record.deletedAt !== undefined) throw MlflowError.notFound(`Model Version (name=${name}, version=${version}) not found`);
  return record;
}
