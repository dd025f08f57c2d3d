import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError } from '../../shared/errors';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryOptimistically } from '../../shared/optimistic-retry';
import { type AliasMove, isLive } from './model';
import type { EventPublisher, RegistryStore } from './ports';
import type { SetModelAliasCommand } from './schemas';

export interface SetModelAliasResult {
  readonly name: string;
  readonly alias: string;
  readonly version: number;
  readonly previousVersion?: number;
  readonly revision: number;
  readonly changedAt: string;
  /** False when the alias already pointed at the version: nothing was written. */
  readonly changed: boolean;
}

export interface SetModelAliasDependencies {
  readonly store: RegistryStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly retryPolicy?: RetryPolicy;
}

/**
 * Points an alias at a version and appends the move to the alias's history in one transaction.
 * With `expectedVersion` it is a compare-and-set: the move happens only if the alias still points
 * where the caller last saw it. Setting an alias to where it already points writes nothing but
 * publishes the move that put it there again, so a call that failed after the commit can be
 * completed by retrying (consumers dedupe on name, alias and revision).
 */
export function setModelAlias(deps: SetModelAliasDependencies) {
  const { store, events, clock } = deps;

  return (command: SetModelAliasCommand): Promise<SetModelAliasResult> =>
    retryOptimistically(
      clock,
      deps.retryPolicy ?? DEFAULT_RETRY_POLICY,
      async () => {
        const state = await store.getAlias(command.name, command.alias);
        // A removed alias points nowhere, but its revisions go on.
        const current = isLive(state) ? state : undefined;
        if (command.expectedVersion !== undefined && command.expectedVersion !== (current?.version ?? null)) {
          const now = current ? `points at version ${current.version}` : 'does not exist';
          const expected = command.expectedVersion === null ? 'not to exist' : `to point at version ${command.expectedVersion}`;
          throw new ConflictError(`alias "${command.alias}" of ${command.name} ${now}; expected it ${expected}`);
        }
        if (current?.version === command.version) {
          const lastChange = await store.getAliasChange(current);
          if (lastChange) await events.publish({ type: 'ModelAliasChanged', detail: lastChange });
          const unchanged: SetModelAliasResult = {
            name: command.name,
            alias: command.alias,
            version: current.version,
            previousVersion: current.version,
            revision: current.revision,
            changedAt: current.updatedAt,
            changed: false,
          };
          return unchanged;
        }
        const change: AliasMove = {
          name: command.name,
          alias: command.alias,
          revision: (state?.revision ?? 0) + 1,
          fromVersion: current?.version,
          toVersion: command.version,
          changedAt: clock.now().toISOString(),
          changedBy: command.actor,
          reason: command.reason,
        };
        const outcome = await store.commitAlias(change);
        if (outcome.kind === 'version-missing') throw new NotFoundError(`model ${command.name} has no version ${command.version}`);
        if (outcome.kind === 'stale') return undefined;
        await events.publish({ type: 'ModelAliasChanged', detail: change });
        const moved: SetModelAliasResult = {
          name: command.name,
          alias: command.alias,
          version: command.version,
          previousVersion: current?.version,
          revision: change.revision,
          changedAt: change.changedAt,
          changed: true,
        };
        return moved;
      },
      () => `too many concurrent moves of alias "${command.alias}" of ${command.name}; retry`,
    );
}
