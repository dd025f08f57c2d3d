import * as z from 'zod/mini';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { formatPath } from '../../shared/validation';
import type { BaselineRecord } from './model';
import type { ModelVersions, MonitoringObjects, MonitoringStore } from './ports';
import type { BaselineProfile } from './profile/baseline-profile';
import { BaselineProfileSchema, baselineFromJson } from './profile/baseline-schema';
import type { RegisterBaselineRequest } from './schemas';

type Command = z.output<typeof RegisterBaselineRequest>;

export interface RegisterBaselineDeps {
  readonly versions: ModelVersions;
  readonly objects: MonitoringObjects;
  readonly store: MonitoringStore;
  readonly clock: Clock;
  /** Profiles training data in the artifact bucket. */
  readonly profileSource: (source: NonNullable<Command['source']>, createdAt: string) => Promise<BaselineProfile>;
}

/**
 * Stores a model version's baseline, the reference its monitors measure drift against: a profile
 * given whole (validated), or one computed from training data. A version's baseline is replaced
 * only when the request says so (`replace: true`): changing what drift is measured against must
 * be deliberate, never a side effect of a second registration.
 */
export function registerBaseline(deps: RegisterBaselineDeps) {
  return async (command: Command): Promise<BaselineRecord> => {
    if (!(await deps.versions.exists(command.model, command.version))) {
      throw new NotFoundError(`model ${command.model} has no version ${command.version}`);
    }
    if (!command.replace) {
      const existing = await deps.store.getBaseline(command.model, command.version);
      if (existing) {
        throw new ConflictError(
          `model ${command.model} version ${command.version} already has a baseline (registered ${existing.createdAt}): pass replace: true to replace it`,
        );
      }
    }
    const createdAt = deps.clock.now().toISOString();
    const profile = command.source ? await deps.profileSource(command.source, createdAt) : parseProfile(command.profile);
    // Two first registrations racing past the check above: the profile's conditional write decides.
    const uri = await deps.objects.putBaseline(command.model, command.version, profile, command.replace);
    if (uri === undefined)
      throw new ConflictError(`model ${command.model} version ${command.version} already has a baseline: pass replace: true to replace it`);
    const record: BaselineRecord = {
      model: command.model,
      version: command.version,
      uri,
      createdAt,
      rows: profile.rows,
      features: profile.features.map(({ name, kind }) => ({ name, kind })),
      ...(profile.source ? { source: profile.source } : {}),
    };
    await deps.store.putBaseline(record);
    return record;
  };
}

function parseProfile(profile: unknown): BaselineProfile {
  const result = z.safeParse(BaselineProfileSchema, profile);
  if (!result.success) {
    throw new ValidationError(result.error.issues.slice(0, 10).map((issue) => ({ path: formatPath(['profile', ...issue.path]), message: issue.message })));
  }
  return baselineFromJson(result.data);
}
