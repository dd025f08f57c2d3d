import type { ModelRecord, ModelVersionRecord } from '../../registry/core/model';
import type { RegistryStore } from '../../registry/core/ports';

/** What MLflow's registry API stores beyond the registry's own port: models made before any version, their description and tags. */
export interface MlflowRegistryStore extends RegistryStore {
  /** Creates a model with no version yet; `false` when one of that name exists. */
  createModel(model: Omit<ModelRecord, 'latestVersion'>): Promise<boolean>;
  /** Changes an existing model's description or tags; `false` when there is none of that name. */
  updateModel(name: string, change: Pick<ModelRecord, 'description' | 'tags'>, at: string): Promise<boolean>;
  /**
   * Changes a version's description, tags (and their index) or stage, provided its tags are still
   * those of `version` (a concurrent change makes it `false`: read it again).
   */
  updateVersion(version: ModelVersionRecord, change: Partial<Pick<ModelVersionRecord, 'description' | 'tags' | 'stage'>>, at: string): Promise<boolean>;
}
