import * as z from 'zod/mini';
import { type AliasChangeRecord, isLive, type ModelRecord, type ModelVersionRecord } from '../../registry/core/model';
import type { ArtifactStore, EventPublisher } from '../../registry/core/ports';
import type { registerModel } from '../../registry/core/register-model';
import { ModelName, RegisterModelFields, RegisterModelRequest, SetModelAliasRequest } from '../../registry/core/schemas';
import type { setModelAlias } from '../../registry/core/set-model-alias';
import type { Clock } from '../../shared/clock';
import { ValidationError } from '../../shared/errors';
import { DEFAULT_RETRY_POLICY, retryOptimistically } from '../../shared/optimistic-retry';
import { allPages } from '../../shared/page';
import { parseRequest } from '../../shared/validation';
import { MlflowError } from './mlflow-error';
import type { MlflowTrackingStore } from './ports';
import { modelMlflowSees, versionMlflowSees } from './registry-lookups';
import type { MlflowRegistryStore } from './registry-ports';
import type {
  AliasReference,
  CreateModelVersion,
  CreateRegisteredModel,
  DeleteModelVersionTag,
  DeleteRegisteredModelTag,
  GetLatestVersions,
  ModelVersionReference,
  RegisteredModelName,
  RenameRegisteredModel,
  SearchModelVersions,
  SearchRegisteredModels,
  SetModelVersionTag,
  SetRegisteredModelAlias,
  SetRegisteredModelTag,
  TransitionModelVersionStage,
  UpdateModelVersion,
  UpdateRegisteredModel,
} from './registry-requests';
import { type ArtifactLocations, compact, keyValues } from './render';
import { attributeHints, matches, orderComparator, paginate, parseFilter, parseOrderBy, type SearchSubject } from './search';
import { PROPERTY, versionSources } from './version-sources';

export interface RegistryApiDependencies {
  readonly store: MlflowRegistryStore;
  readonly tracking: MlflowTrackingStore;
  readonly register: ReturnType<typeof registerModel>;
  readonly setAlias: ReturnType<typeof setModelAlias>;
  readonly events: EventPublisher;
  readonly locations: ArtifactLocations;
  readonly artifacts: Pick<ArtifactStore, 'list'>;
  readonly clock: Clock;
}

/** A model name, refused under MLflow's field name. */
const ModelNameField = z.strictObject({ name: ModelName });

const VersionTags = z.strictObject({ tags: RegisterModelFields.shape.tags });

/**
 * MLflow 3's client adds ``tags.`mlflow.prompt.is_prompt` != 'true'`` to every registry search, and MLflow's
 * server reads a model or version without that tag as no prompt: so does this one, where any other absent tag
 * matches no comparison.
 */
const PROMPT_TAG = 'mlflow.prompt.is_prompt';
const taggedOrNoPrompt = (tags: Readonly<Record<string, string>> | undefined) => (key: string) =>
  tags && Object.hasOwn(tags, key) ? tags[key] : key === PROMPT_TAG ? 'false' : undefined;

/** MLflow's stages, in MLflow's spelling; a version without one is in `None`. */
const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

/** A stage as MLflow takes it (any case), in its canonical spelling. */
function canonicalStage(stage: string): (typeof STAGES)[number] {
  const found = STAGES.find((each) => each.toLowerCase() === stage.toLowerCase());
  if (!found) throw MlflowError.invalid(`Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`);
  return found;
}

const millis = (iso: string) => Date.parse(iso);

function aliasNamesByVersion(aliases: readonly { alias: string; version: number }[]): Map<number, string[]> {
  const byVersion = new Map<number, string[]>();
  for (const { alias, version } of aliases) byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
  return byVersion;
}

/** MLflow's own alias rules, with its messages; the platform's stricter ones (lowercase only) come after. */
function requireMlflowAlias(alias: string): void {
  if (!/^[\w-]*$/.test(alias))
    throw MlflowError.invalid(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  if (alias.toLowerCase() === 'latest') throw MlflowError.invalid(`'latest' alias name (case insensitive) is reserved.`);
  if (/^[vV]\d+$/.test(alias)) throw MlflowError.invalid(`Version alias name '${alias}' is reserved.`);
}

/** A version's tags must be what the registry stores: its own key and value rules. */
const checkedTags = (tags: Record<string, string>) => parseRequest(VersionTags, { tags }).tags;

/** MLflow's model registry over the platform's registry: versions are the registry's own, with their events, images and monitors. */
export function registryApi(deps: RegistryApiDependencies) {
  const { store, tracking, locations } = deps;
  const now = () => deps.clock.now().toISOString();

  /** Applies a change to a version, guarded by the tags read, retried while other writers move it on. */
  function changeVersion(name: string, version: number, compute: (record: ModelVersionRecord) => Parameters<typeof store.updateVersion>[1]) {
    return retryOptimistically(
      deps.clock,
      DEFAULT_RETRY_POLICY,
      async () => {
        const record = await findVersion(name, version);
        const change = compute(record);
        return (await store.updateVersion(record, change, now())) ? { ...record, ...change, updatedAt: now() } : undefined;
      },
      () => `version ${version} of ${name} kept changing while it was updated; retry`,
    );
  }

  const findModel = (name: string) => modelMlflowSees(store, name);
  const findVersion = (name: string, version: number) => versionMlflowSees(store, name, version);
  const sourceOf = versionSources({ store, tracking, locations, artifacts: deps.artifacts });

  /** The model's versions MLflow sees, newest first. */
  const liveVersions = async (name: string) => (await allPages((page) => store.listVersions(name, page))).filter((record) => record.deletedAt === undefined);

  /** The highest version MLflow sees, reading back from the newest only past deleted ones. */
  async function latestLive(name: string): Promise<ModelVersionRecord | undefined> {
    let nextToken: string | undefined;
    do {
      const page = await store.listVersions(name, { limit: 10, nextToken });
      const live = page.items.find((record) => record.deletedAt === undefined);
      if (live) return live;
      nextToken = page.nextToken;
    } while (nextToken);
    return undefined;
  }

  /** The model's alias names by the version each points at. */
  const aliasesOf = async (name: string) => aliasNamesByVersion(await store.listAliases(name));

  function renderVersion(record: ModelVersionRecord, aliases: readonly string[]) {
    return compact({
      name: record.name,
      version: String(record.version),
      creation_timestamp: millis(record.createdAt),
      last_updated_timestamp: millis(record.updatedAt ?? record.createdAt),
      current_stage: record.stage ?? 'None',
      description: record.description ?? '',
      source: record.properties[PROPERTY.source] ?? record.artifact.uri,
      run_id: record.sourceRunId,
      status: 'READY',
      tags: keyValues(record.tags),
      run_link: record.properties[PROPERTY.runLink] ?? '',
      aliases,
      model_id: record.properties[PROPERTY.modelId],
    });
  }

  async function renderModel(model: ModelRecord) {
    const [latest, aliases] = await Promise.all([model.latestVersion > 0 ? latestLive(model.name) : undefined, store.listAliases(model.name)]);
    const byVersion = aliasNamesByVersion(aliases);
    return compact({
      name: model.name,
      creation_timestamp: millis(model.createdAt),
      last_updated_timestamp: millis(model.updatedAt),
      description: model.description ?? '',
      latest_versions: latest ? [renderVersion(latest, byVersion.get(latest.version) ?? [])] : [],
      tags: keyValues(model.tags),
      aliases: aliases.map(({ alias, version }) => ({ alias, version: String(version) })),
    });
  }

  /**
   * Deletes a version, kept as the record of what was registered: it is marked deleted (MLflow sees it no
   * more; it takes no alias and no new image; images built from it keep serving it), its tag index goes,
   * and every alias on it is removed first as a move to nowhere. Its number is never given again.
   */
  async function deleteVersion(record: ModelVersionRecord): Promise<void> {
    const { name, version } = record;
    for (const { alias } of (await store.listAliases(name)).filter((each) => each.version === version)) await removeAlias(name, alias);
    if (!(await store.deleteVersion(record, now()))) throw MlflowError.notFound(`Model Version (name=${name}, version=${version}) not found`);
  }

  /** Removes a live alias as a move to nowhere, announced; nothing when it is not live. */
  function removeAlias(name: string, alias: string): Promise<true> {
    return retryOptimistically(
      deps.clock,
      DEFAULT_RETRY_POLICY,
      async () => {
        const current = await store.getAlias(name, alias);
        if (!isLive(current)) return true as const;
        const removal: AliasChangeRecord = { name, alias, revision: current.revision + 1, fromVersion: current.version, removed: true, changedAt: now() };
        if (!(await store.removeAlias(removal))) return undefined;
        await deps.events.publish({ type: 'ModelAliasChanged', detail: removal });
        return true as const;
      },
      () => `alias ${alias} of ${name} kept moving while it was removed; retry`,
    );
  }

  const versionSubject = (record: ModelVersionRecord): SearchSubject => ({
    attribute: (name) =>
      ({
        name: record.name,
        version_number: record.version,
        run_id: record.sourceRunId,
        source_path: record.properties[PROPERTY.source] ?? record.artifact.uri,
        creation_timestamp: millis(record.createdAt),
        last_updated_timestamp: millis(record.updatedAt ?? record.createdAt),
      })[name],
    tag: taggedOrNoPrompt(record.tags),
  });

  return {
    async createRegisteredModel(request: z.output<typeof CreateRegisteredModel>) {
      parseRequest(ModelNameField, { name: request.name });
      const at = now();
      const tags = Object.fromEntries(request.tags.map(({ key, value }) => [key, value]));
      const model = { name: request.name, createdAt: at, updatedAt: at, description: request.description ?? '', tags };
      if (!(await store.createModel(model))) throw MlflowError.exists(`Registered Model (name=${request.name}) already exists.`);
      return { registered_model: await renderModel({ ...model, latestVersion: 0 }) };
    },

    async getRegisteredModel({ name }: z.output<typeof RegisteredModelName>) {
      return { registered_model: await renderModel(await findModel(name)) };
    },

    async updateRegisteredModel({ name, description }: z.output<typeof UpdateRegisteredModel>) {
      if (!(await store.updateModel(name, { description: description ?? '' }, now())))
        throw MlflowError.notFound(`Registered Model with name=${name} not found`);
      return { registered_model: await renderModel(await findModel(name)) };
    },

    /**
     * A rename to the same name is no change; any other is refused: the name is the model's identity in its
     * versions' records, its alias history, its images and its SageMaker model package group. Versions move
     * to another name by copy (`copy_model_version`), pinned to the same files.
     */
    async renameRegisteredModel({ name, new_name }: z.output<typeof RenameRegisteredModel>) {
      const model = await findModel(name);
      if (new_name !== name)
        throw MlflowError.invalid(
          `registered models cannot be renamed on this platform: ${name} is the name its versions, alias history, images and SageMaker model package group are filed under; copy the versions you need with MlflowClient().copy_model_version("models:/${name}/<version>", "${new_name}")`,
        );
      return { registered_model: await renderModel(model) };
    },

    async setRegisteredModelTag({ name, key, value }: z.output<typeof SetRegisteredModelTag>) {
      const model = await findModel(name);
      await store.updateModel(name, { tags: { ...model.tags, [key]: value } }, now());
      return {};
    },

    async deleteRegisteredModelTag({ name, key }: z.output<typeof DeleteRegisteredModelTag>) {
      const model = await findModel(name);
      const tags = { ...model.tags };
      delete tags[key];
      await store.updateModel(name, { tags }, now());
      return {};
    },

    async searchRegisteredModels(request: z.output<typeof SearchRegisteredModels>) {
      const filter = parseFilter('registeredModels', request.filter);
      const orderBy = parseOrderBy('registeredModels', request.order_by);
      const models = (await allPages((page) => store.listModels(page))).filter((model) => model.deletedAt === undefined);
      const found = models
        .map((model) => ({
          model,
          subject: {
            attribute: (key: string) => ({ name: model.name, last_updated_timestamp: millis(model.updatedAt) })[key],
            tag: taggedOrNoPrompt(model.tags),
          } satisfies SearchSubject,
        }))
        .filter(({ subject }) => matches(filter, subject));
      const compare = orderComparator('registeredModels', orderBy);
      found.sort((a, b) => compare(a.subject, b.subject));
      const page = paginate(found, { entity: 'registeredModels', filter, orderBy }, { maxResults: request.max_results, pageToken: request.page_token });
      const rendered = await Promise.all(page.items.map(({ model }) => renderModel(model)));
      return { ...(rendered.length > 0 ? { registered_models: rendered } : {}), ...(page.nextToken ? { next_page_token: page.nextToken } : {}) };
    },

    async getLatestVersions({ name, stages }: z.output<typeof GetLatestVersions>) {
      await findModel(name);
      const wanted = new Set(stages.map(canonicalStage));
      // The highest version of each stage asked for (of every stage when none is).
      const latest = new Map<string, ModelVersionRecord>();
      for (const record of await liveVersions(name)) {
        const stage = record.stage ?? 'None';
        if ((wanted.size === 0 || wanted.has(stage)) && (latest.get(stage)?.version ?? 0) < record.version) latest.set(stage, record);
      }
      if (latest.size === 0) return {};
      const aliases = await aliasesOf(name);
      return { model_versions: [...latest.values()].map((record) => renderVersion(record, aliases.get(record.version) ?? [])) };
    },

    async updateModelVersion({ name, version, description }: z.output<typeof UpdateModelVersion>) {
      const record = await changeVersion(name, version, () => ({ description: description ?? '' }));
      return { model_version: renderVersion(record, (await aliasesOf(name)).get(version) ?? []) };
    },

    async setModelVersionTag({ name, version, key, value }: z.output<typeof SetModelVersionTag>) {
      await changeVersion(name, version, (record) => ({ tags: checkedTags({ ...record.tags, [key]: value }) }));
      return {};
    },

    async deleteModelVersionTag({ name, version, key }: z.output<typeof DeleteModelVersionTag>) {
      await changeVersion(name, version, (record) => {
        const tags = { ...record.tags };
        delete tags[key];
        return { tags };
      });
      return {};
    },

    /** MLflow's deprecated stages, kept on the version; aliases are the platform's way to name what is served. */
    async transitionModelVersionStage({ name, version, stage, archive_existing_versions }: z.output<typeof TransitionModelVersionStage>) {
      const target = canonicalStage(stage);
      if (archive_existing_versions && target !== 'Staging' && target !== 'Production') {
        throw MlflowError.invalid(
          `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are ['Staging', 'Production']`,
        );
      }
      const record = await changeVersion(name, version, () => ({ stage: target === 'None' ? undefined : target }));
      if (archive_existing_versions) {
        const others = (await liveVersions(name)).filter((each) => each.version !== version && each.stage === target);
        for (const other of others) await changeVersion(name, other.version, () => ({ stage: 'Archived' }));
      }
      return { model_version: renderVersion(record, (await aliasesOf(name)).get(version) ?? []) };
    },

    async setRegisteredModelAlias({ name, alias, version }: z.output<typeof SetRegisteredModelAlias>) {
      requireMlflowAlias(alias);
      const command = parseRequest(SetModelAliasRequest, { name, alias, version });
      await findVersion(name, version);
      await deps.setAlias(command);
      return {};
    },

    async getModelVersionByAlias({ name, alias }: z.output<typeof AliasReference>) {
      const found = await store.getAlias(name, alias);
      if (!isLive(found)) throw MlflowError.invalid(`Registered model alias ${alias} not found.`);
      const record = await findVersion(name, found.version);
      return { model_version: renderVersion(record, (await aliasesOf(name)).get(record.version) ?? []) };
    },

    /**
     * Removes the alias, as a move to nowhere: the alias keeps its revision (its next move is the next
     * one), the removal goes into its history and out as `ModelAliasChanged` without a `toVersion`. An
     * alias that does not exist is removed already, as in MLflow.
     */
    async deleteRegisteredModelAlias({ name, alias }: z.output<typeof AliasReference>) {
      await findModel(name);
      await removeAlias(name, alias);
      return {};
    },

    /** MLflow's delete of a version (see `deleteVersion`). */
    async deleteModelVersion({ name, version }: z.output<typeof ModelVersionReference>) {
      await deleteVersion(await findVersion(name, version));
      return {};
    },

    /**
     * MLflow's delete of a model and every version of it, kept as the record of what was registered: each
     * version deleted as `deleteModelVersion` deletes one, then the model marked deleted. A model of that
     * name registered again revives it, its version numbers going on.
     */
    async deleteRegisteredModel({ name }: z.output<typeof RegisteredModelName>) {
      await findModel(name);
      for (const record of await liveVersions(name)) await deleteVersion(record);
      if (!(await store.deleteModel(name, now()))) throw MlflowError.notFound(`Registered Model with name=${name} not found`);
      return {};
    },

    async createModelVersion(request: z.output<typeof CreateModelVersion>) {
      await findModel(request.name);
      const storage = await sourceOf(request.source, request.run_id || undefined, request.model_id || undefined);
      const properties: Record<string, string> = { [PROPERTY.source]: request.source };
      if (storage.modelId) properties[PROPERTY.modelId] = storage.modelId;
      if (request.run_link) properties[PROPERTY.runLink] = request.run_link;
      const command = parseRequest(RegisterModelRequest, {
        name: request.name,
        artifact: storage.artifact,
        ...(request.description ? { description: request.description } : {}),
        tags: Object.fromEntries(request.tags.map(({ key, value }) => [key, value])),
        properties,
        ...(storage.runId ? { sourceRunId: storage.runId } : {}),
      });
      const registered = await deps.register(command).catch((error: unknown) => {
        // The registry names the artifact it pins; MLflow's caller named a source.
        if (error instanceof ValidationError)
          throw new ValidationError(error.issues.map((issue) => ({ ...issue, path: issue.path.replace(/^artifact\b[.\w]*/, 'source') })));
        throw error;
      });
      return { model_version: renderVersion(await findVersion(registered.name, registered.version), []) };
    },

    async getModelVersion({ name, version }: z.output<typeof ModelVersionReference>) {
      const record = await findVersion(name, version);
      return { model_version: renderVersion(record, (await aliasesOf(name)).get(version) ?? []) };
    },

    async getModelVersionDownloadUri({ name, version }: z.output<typeof ModelVersionReference>) {
      return { artifact_uri: (await findVersion(name, version)).artifact.uri };
    },

    async searchModelVersions(request: z.output<typeof SearchModelVersions>) {
      const filter = parseFilter('modelVersions', request.filter);
      const orderBy = parseOrderBy('modelVersions', request.order_by);
      // A filter naming the model reads its versions only; otherwise every model's.
      const named = attributeHints(filter).get('name');
      const names = named ?? (await allPages((page) => store.listModels(page))).map(({ name }) => name);
      const versions = (await Promise.all(names.map(liveVersions))).flat();
      const found = versions.map((record) => ({ record, subject: versionSubject(record) })).filter(({ subject }) => matches(filter, subject));
      const compare = orderComparator('modelVersions', orderBy);
      found.sort((a, b) => compare(a.subject, b.subject));
      const page = paginate(found, { entity: 'modelVersions', filter, orderBy }, { maxResults: request.max_results, pageToken: request.page_token });
      const aliases = new Map(
        await Promise.all([...new Set(page.items.map(({ record }) => record.name))].map(async (name) => [name, await aliasesOf(name)] as const)),
      );
      const rendered = page.items.map(({ record }) => renderVersion(record, aliases.get(record.name)?.get(record.version) ?? []));
      return { ...(rendered.length > 0 ? { model_versions: rendered } : {}), ...(page.nextToken ? { next_page_token: page.nextToken } : {}) };
    },
  };
}
