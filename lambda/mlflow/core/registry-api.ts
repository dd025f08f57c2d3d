import type * as z from 'zod/mini';
import type { ModelRecord, ModelVersionRecord } from '../../registry/core/model';
import type { registerModel } from '../../registry/core/register-model';
import { ModelName, RegisterModelRequest, SetModelAliasRequest } from '../../registry/core/schemas';
import type { setModelAlias } from '../../registry/core/set-model-alias';
import type { Page, PageRequest } from '../../shared/page';
import { parseRequest } from '../../shared/validation';
import { MlflowError } from './mlflow-error';
import type { MlflowTrackingStore } from './ports';
import type { MlflowRegistryStore } from './registry-ports';
import type {
  AliasReference,
  CreateModelVersion,
  CreateRegisteredModel,
  DeleteRegisteredModelTag,
  GetLatestVersions,
  ModelVersionReference,
  RegisteredModelName,
  SearchModelVersions,
  SearchRegisteredModels,
  SetRegisteredModelAlias,
  SetRegisteredModelTag,
  UpdateRegisteredModel,
} from './registry-requests';
import { type ArtifactLocations, compact, keyValues } from './render';
import { attributeHints, matches, orderComparator, paginate, parseFilter, parseOrderBy, type SearchSubject } from './search';

/** Where MLflow's fields of a version live among the registry's version properties. */
const PROPERTY = { source: 'mlflow.source', modelId: 'mlflow.modelId', runLink: 'mlflow.runLink' } as const;

export interface RegistryApiDependencies {
  readonly store: MlflowRegistryStore;
  readonly tracking: MlflowTrackingStore;
  readonly register: ReturnType<typeof registerModel>;
  readonly setAlias: ReturnType<typeof setModelAlias>;
  readonly locations: ArtifactLocations;
  readonly now: () => string;
}

const millis = (iso: string) => Date.parse(iso);

/** Reads every page of a paged store query. */
async function all<T>(read: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const page = await read({ limit: 100, nextToken });
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

/** MLflow's own alias rules, with its messages; the platform's stricter ones (lowercase only) come after. */
function requireMlflowAlias(alias: string): void {
  if (!/^[\w-]*$/.test(alias))
    throw MlflowError.invalid(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  if (alias.toLowerCase() === 'latest') throw MlflowError.invalid(`'latest' alias name (case insensitive) is reserved.`);
  if (/^[vV]\d+$/.test(alias)) throw MlflowError.invalid(`Version alias name '${alias}' is reserved.`);
}

/** MLflow's model registry over the platform's registry: versions are the registry's own, with their events, images and monitors. */
export function registryApi(deps: RegistryApiDependencies) {
  const { store, tracking, locations } = deps;

  async function findModel(name: string): Promise<ModelRecord> {
    const model = await store.getModel(name);
    if (!model) throw MlflowError.notFound(`Registered Model with name=${name} not found`);
    return model;
  }

  async function findVersion(name: string, version: number): Promise<ModelVersionRecord> {
    const record = await store.getVersion(name, version);
    if (!record) throw MlflowError.notFound(`Model Version (name=${name}, version=${version}) not found`);
    return record;
  }

  async function aliasesOf(name: string): Promise<Map<number, string[]>> {
    const byVersion = new Map<number, string[]>();
    for (const { alias, version } of await store.listAliases(name)) byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
    return byVersion;
  }

  function renderVersion(record: ModelVersionRecord, aliases: readonly string[]) {
    return compact({
      name: record.name,
      version: String(record.version),
      creation_timestamp: millis(record.createdAt),
      last_updated_timestamp: millis(record.createdAt),
      current_stage: 'None',
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
    const [latest, aliases] = await Promise.all([model.latestVersion > 0 ? store.getLatestVersion(model.name) : undefined, store.listAliases(model.name)]);
    const byVersion = new Map<number, string[]>();
    for (const { alias, version } of aliases) byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
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
   * Where a version's files are, from MLflow's `source`: a logged model (`models:/<model id>`), a
   * run's artifacts (`runs:/<run id>/<path>`) or an `s3://` prefix of the artifact bucket.
   */
  async function storageOf(source: string, runId: string | undefined, modelId: string | undefined) {
    const loggedModelId = /^models:\/(m-[0-9a-f]{32})\/?$/.exec(source)?.[1] ?? (modelId && source.startsWith('models:/') ? modelId : undefined);
    if (loggedModelId) {
      const model = await tracking.getLoggedModel(loggedModelId);
      if (!model || model.lifecycleStage === 'deleted') throw MlflowError.notFound(`Logged model with ID '${loggedModelId}' not found.`);
      return { uri: locations.loggedModel(model.experiment, model.modelId), runId: runId || model.sourceRunId, modelId: model.modelId };
    }
    const runSource = /^runs:\/([^/]+)\/(.+)$/.exec(source);
    if (runSource) {
      const run = await tracking.getRun(runSource[1]);
      if (!run) throw MlflowError.notFound(`Run with id=${runSource[1]} not found`);
      return { uri: `${locations.run(run.experiment, run.runId)}/${runSource[2].replace(/\/+$/, '')}`, runId: runId || run.runId, modelId };
    }
    if (source.startsWith('s3://') && !source.split('/').includes('..')) return { uri: source.replace(/\/+$/, ''), runId, modelId };
    throw MlflowError.invalid(
      `Invalid model version source: '${source}'. Give a logged model (models:/<model id>), a run's artifacts (runs:/<run id>/<path>) or an s3:// location in the platform's artifact bucket.`,
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
        last_updated_timestamp: millis(record.createdAt),
      })[name],
    tag: (key) => (Object.hasOwn(record.tags, key) ? record.tags[key] : undefined),
  });

  return {
    async createRegisteredModel(request: z.output<typeof CreateRegisteredModel>) {
      parseRequest(ModelName, request.name);
      const at = deps.now();
      const tags = Object.fromEntries(request.tags.map(({ key, value }) => [key, value]));
      const model = { name: request.name, createdAt: at, updatedAt: at, description: request.description ?? '', tags };
      if (!(await store.createModel(model))) throw MlflowError.exists(`Registered Model (name=${request.name}) already exists.`);
      return { registered_model: await renderModel({ ...model, latestVersion: 0 }) };
    },

    async getRegisteredModel({ name }: z.output<typeof RegisteredModelName>) {
      return { registered_model: await renderModel(await findModel(name)) };
    },

    async updateRegisteredModel({ name, description }: z.output<typeof UpdateRegisteredModel>) {
      if (!(await store.updateModel(name, { description: description ?? '' }, deps.now())))
        throw MlflowError.notFound(`Registered Model with name=${name} not found`);
      return { registered_model: await renderModel(await findModel(name)) };
    },

    async setRegisteredModelTag({ name, key, value }: z.output<typeof SetRegisteredModelTag>) {
      const model = await findModel(name);
      await store.updateModel(name, { tags: { ...model.tags, [key]: value } }, deps.now());
      return {};
    },

    async deleteRegisteredModelTag({ name, key }: z.output<typeof DeleteRegisteredModelTag>) {
      const model = await findModel(name);
      const tags = { ...model.tags };
      delete tags[key];
      await store.updateModel(name, { tags }, deps.now());
      return {};
    },

    async searchRegisteredModels(request: z.output<typeof SearchRegisteredModels>) {
      const filter = parseFilter('registeredModels', request.filter);
      const orderBy = parseOrderBy('registeredModels', request.order_by);
      const models = await all((page) => store.listModels(page));
      const found = models
        .map((model) => ({
          model,
          subject: {
            attribute: (key: string) => ({ name: model.name, last_updated_timestamp: millis(model.updatedAt) })[key],
            tag: (key: string) => (model.tags && Object.hasOwn(model.tags, key) ? model.tags[key] : undefined),
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
      const model = await findModel(name);
      // Every version is in stage "None" (stages are MLflow's deprecated workflow; aliases replace them).
      const wanted = stages.length === 0 || stages.some((stage) => stage.toLowerCase() === 'none');
      const latest = wanted && model.latestVersion > 0 ? await store.getLatestVersion(name) : undefined;
      if (!latest) return {};
      return { model_versions: [renderVersion(latest, (await aliasesOf(name)).get(latest.version) ?? [])] };
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
      if (!found) throw MlflowError.invalid(`Registered model alias ${alias} not found.`);
      const record = await findVersion(name, found.version);
      return { model_version: renderVersion(record, (await aliasesOf(name)).get(record.version) ?? []) };
    },

    async createModelVersion(request: z.output<typeof CreateModelVersion>) {
      await findModel(request.name);
      const storage = await storageOf(request.source, request.run_id || undefined, request.model_id || undefined);
      const properties: Record<string, string> = { [PROPERTY.source]: request.source };
      if (storage.modelId) properties[PROPERTY.modelId] = storage.modelId;
      if (request.run_link) properties[PROPERTY.runLink] = request.run_link;
      const command = parseRequest(RegisterModelRequest, {
        name: request.name,
        artifact: { kind: 'directory', uri: storage.uri },
        ...(request.description ? { description: request.description } : {}),
        tags: Object.fromEntries(request.tags.map(({ key, value }) => [key, value])),
        properties,
        ...(storage.runId ? { sourceRunId: storage.runId } : {}),
      });
      const registered = await deps.register(command);
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
      const names = named ?? (await all((page) => store.listModels(page))).map(({ name }) => name);
      const versions = (await Promise.all(names.map((name) => all((page) => store.listVersions(name, page))))).flat();
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
