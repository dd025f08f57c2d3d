import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from './model';

/** The history entry and `DeploymentStateChanged` detail of a deployment now in `record.status`, for `revision`. */
export function stateChange(
  record: DeploymentRecord,
  revision: DeploymentRevision,
  from: DeploymentStateChange['from'],
  reason: string,
  at: string,
): DeploymentStateChange {
  return {
    name: record.name,
    revision: revision.revision,
    ...(from ? { from } : {}),
    to: record.status,
    reason,
    image: { name: revision.image.name, version: revision.image.version },
    at,
    ...(record.createdBy ? { by: record.createdBy } : {}),
  };
}
