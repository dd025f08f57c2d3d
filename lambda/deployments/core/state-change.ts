import type { DeploymentRecord, DeploymentRevision, DeploymentStateChange } from './model';

/** The history entry and `DeploymentStateChanged` detail of a deployment now in `record.status`, for `revision`. */
export function stateChange(
  record: DeploymentRecord,
  revision: DeploymentRevision,
  from: DeploymentStateChange['from'],
  reason: string,
  at: string,
  by?: string,
): DeploymentStateChange {
  return {
    name: record.name,
    revision: revision.revision,
    ...(from ? { from } : {}),
    to: record.status,
    reason,
    image: { name: revision.image.name, version: revision.image.version },
    at,
    ...(by ? { by } : {}),
  };
}

/** A failure SageMaker gave, as a deployment's reason: its name and message, never a stack. */
export const failureReason = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);
