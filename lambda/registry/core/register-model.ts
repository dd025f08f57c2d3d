import { ConflictError } from '../../shared/errors';
import { resolveArtifact } from './artifact';
import { fingerprint } from './fingerprint';
import type { ArtifactRecord, ModelVersionRecord } from './model';
import { DEFAULT_RETRY_POLICY, retryOptimistically, type RetryPolicy } from './optimistic-retry';
import type { ArtifactStore, Clock, EventPublisher, RegistryStore } from './ports';
import type { RegisterModelCommand } from './schemas';

export interface RegisterModelResult {
  readonly name: string;
  readonly version: number;
  readonly artifact: ArtifactRecord;
  readonly createdAt: string;
}

export interface RegisterModelDependencies {
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly artifactBucket: string;
  readonly retryPolicy?: RetryPolicy;
}

const toResult = ({ name, version, artifact, createdAt }: ModelVersionRecord): RegisterModelResult => ({
  name,
  version,
  artifact,
  createdAt,
});

/**
 * Registers a new version of a model: pins the artifact, takes the next version number with an
 * optimistic transaction (so concurrent callers never share one and none is skipped), and
 * announces it. A retried client token returns the version it produced and writes nothing; the
 * event is published again, so a call that failed after the commit can be completed by retrying.
 */
export function registerModel(deps: RegisterModelDependencies) {
  const { store, events, clock } = deps;

  async function replay(name: string, clientToken: string, requestFingerprint: string): Promise<RegisterModelResult | undefined> {
    const token = await store.getToken(name, clientToken);
    if (!token) return undefined;
    if (token.fingerprint !== requestFingerprint) {
      throw new ConflictError(`clientToken "${clientToken}" was already used for a different request (version ${token.version} of ${name})`);
    }
    const existing = await store.getVersion(name, token.version);
    if (!existing) throw new Error(`client token ${clientToken} points at missing version ${token.version} of ${name}`);
    await events.publish({ type: 'ModelVersionRegistered', detail: existing });
    return toResult(existing);
  }

  return async (command: RegisterModelCommand): Promise<RegisterModelResult> => {
    const { clientToken, actor, artifact: artifactRequest, ...content } = command;
    const requestFingerprint = fingerprint({ artifact: artifactRequest, ...content });
    const token = clientToken ? { clientToken, fingerprint: requestFingerprint } : undefined;

    if (clientToken) {
      const replayed = await replay(command.name, clientToken, requestFingerprint);
      if (replayed) return replayed;
    }
    const artifact = await resolveArtifact(deps.artifacts, deps.artifactBucket, artifactRequest);

    const committed = await retryOptimistically(
      clock,
      deps.retryPolicy ?? DEFAULT_RETRY_POLICY,
      async (): Promise<ModelVersionRecord | RegisterModelResult | undefined> => {
        const latest = (await store.getModel(command.name))?.latestVersion ?? 0;
        const record: ModelVersionRecord = {
          ...content,
          version: latest + 1,
          createdAt: clock.now().toISOString(),
          createdBy: actor,
          artifact,
        };
        const outcome = await store.commitVersion(record, latest, token);
        if (outcome.kind === 'committed') return record;
        if (outcome.kind === 'token-taken' && clientToken) return replay(command.name, clientToken, requestFingerprint);
        return undefined;
      },
      () => `too many concurrent registrations of model "${command.name}"; retry with the same clientToken`,
    );
    if (!('metrics' in committed)) return committed;
    await events.publish({ type: 'ModelVersionRegistered', detail: committed });
    return toResult(committed);
  };
}
