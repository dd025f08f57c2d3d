import type { AliasChangeRecord, ModelRecord, ModelVersionRecord } from '../../registry/core/model';
import type { RegistryStore } from '../../registry/core/ports';

/** What MLflow's registry API stores beyond the registry's own port: models made before any version, their description and tags. */
export interface MlflowRegistryStore extends RegistryStore {
  /**
   * Creates a model with no version yet, or revives one deleted (its version numbers go on); `false`
   * when a live one of that name exists.
   */
  createModel(model: Omit<ModelRecord, 'latestVersion'>): Promise<boolean>;
  /** Marks the model deleted; `false` when it is gone or deleted already. */
  deleteModel(name: string, at: string): Promise<boolean>;
  /** Changes an existing model's description or tags; `false` when there is none of that name. */
  updateModel(name: string, change: Pick<ModelRecord, 'description' | 'tags'>, at: string): Promise<boolean>;
  /**
   * Changes a version's description, tags (and their index) or stage, provided its tags are still
   * those of `version` (a concurrent change makes it `false`: read it again).
   */
  /**
   * Removes the alias (`removal.revision - 1` must still be its revision; `false` when it moved on): its
   * item stays, pointing nowhere, with the new revision, and the removal goes into its history.
   */
  removeAlias(removal: AliasChangeRecord): Promise<boolean>;
  /** Marks the version deleted and drops its tag index items; `false` when it is gone or deleted already. */
  deleteVersion(version: ModelVersionRecord, at: string): Promise<boolean>;
  updateVersion(version: ModelVersionRecord, change: Partial<Pick<ModelVersionRecord, 'description' | 'tags' | 'stage'>>, at: string): Promise<boolean>;
}
