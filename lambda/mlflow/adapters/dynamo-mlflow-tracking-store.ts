import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type QueryCommandInput, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoExperimentStore, toRun, withoutKeys } from '../../experiments/adapters/dynamo-experiment-store';
import { SEARCH_INDEX, SEARCH_SHARDS, searchFields, searchIndexKeys, searchPartition } from '../../experiments/adapters/run-search-index';
import { GSI1, keys, RUNNING } from '../../experiments/adapters/table-keys';
import type { ExperimentRecord, RunRecord } from '../../experiments/core/model';
import { fromAttributeNumber, toAttributeNumber } from '../../shared/any-number';
import { cancellation, type Item, prefixed, userKeyed } from '../../shared/dynamo-table';
import { mapConcurrently } from '../../shared/map-concurrently';
import { experimentIdOf } from '../core/experiment-ids';
import type { ExperimentView, LoggedModelRecord, RunIndexEntry } from '../core/model';
import type { ExperimentChange, MlflowTrackingStore, RunChange } from '../core/ports';

const toExperiment = (item: Item): ExperimentView => {
  const record = withoutKeys<ExperimentRecord & { experimentId?: string }>(item);
  return {
    experimentId: experimentIdOf(record.name),
    name: record.name,
    lifecycleStage: record.lifecycleStage ?? 'active',
    createdAt: record.createdAt,
    updatedAt: record.updatedAt ?? record.lastRunAt ?? record.createdAt,
    tags: record.tags ?? {},
    idRecorded: record.experimentId !== undefined,
  };
};

/** How many earlier runs are put in the search index at once. */
const INDEXING_CONCURRENCY = 8;

const parsed = <T>(text: unknown, empty: T): T => (typeof text === 'string' ? (JSON.parse(text) as T) : empty);

const toIndexEntry = (item: Item): RunIndexEntry => ({
  runId: keys.runIdOf(item.pk as string),
  experiment: item.experiment as string,
  runName: item.runName as string,
  status: item.status as RunIndexEntry['status'],
  startTime: item.startTime as string,
  endTime: item.endTime as string | undefined,
  createdBy: item.createdBy as string | undefined,
  lifecycleStage: (item.lifecycleStage as RunIndexEntry['lifecycleStage'] | undefined) ?? 'active',
  params: parsed(item.searchParams, {}),
  tags: parsed(item.searchTags, {}),
  metrics: Object.fromEntries(
    Object.entries(parsed<Record<string, [number | string, number, number]>>(item.searchMetrics, {})).map(([name, [value, step, timestamp]]) => [
      name,
      [fromAttributeNumber(value), step, timestamp] as const,
    ]),
  ),
  datasets: parsed(item.searchInputs, []),
  changedAt: (item.gsi3sk as string).slice(0, (item.gsi3sk as string).lastIndexOf('#')),
});

const LOGGED_MODEL_STORAGE = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);
const toLoggedModel = (item: Item): LoggedModelRecord => {
  const model = Object.fromEntries(Object.entries(item).filter(([name]) => !LOGGED_MODEL_STORAGE.has(name))) as unknown as LoggedModelRecord;
  return { ...model, metrics: model.metrics.map((metric) => ({ ...metric, value: fromAttributeNumber(metric.value) })) };
};

/** The data sets a run's search entry keeps: what `datasets.` filters compare. */
const searchInputs = (inputs: NonNullable<RunRecord['inputs']>) =>
  JSON.stringify(inputs.datasets.map(({ dataset, tags }) => ({ name: dataset.name, digest: dataset.digest, context: tags['mlflow.data.context'] })));

/** MLflow's tracking records on experiment tracking's table (layout in experiments/adapters/table-keys.ts). */
export class DynamoMlflowTrackingStore extends DynamoExperimentStore implements MlflowTrackingStore {
  async getExperiment(name: string): Promise<ExperimentView | undefined> {
    const item = await this.table.get(keys.experiment(name));
    return item && toExperiment(item);
  }

  async experimentNameOf(experimentId: string): Promise<string | undefined> {
    return (await this.table.get(keys.experimentId(experimentId)))?.name as string | undefined;
  }

  async createExperiment(experiment: ExperimentView): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...keys.experiment(experiment.name),
                  ...keys.experimentIndex(experiment.name),
                  name: experiment.name,
                  createdAt: experiment.createdAt,
                  lastRunAt: experiment.createdAt,
                  updatedAt: experiment.updatedAt,
                  runCount: 0,
                  lifecycleStage: experiment.lifecycleStage,
                  tags: userKeyed(experiment.tags),
                  experimentId: experiment.experimentId,
                  // A new experiment's runs are indexed as they are written (see indexEarlierRuns).
                  searchIndexed: true,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: this.experimentIdPut(experiment.name, experiment.experimentId) },
          ],
        }),
      );
      return true;
    } catch (error) {
      const cancelled = cancellation(error);
      if (cancelled?.failed(0)) return false;
      if (cancelled?.failed(1)) throw new Error(`experiment id ${experiment.experimentId} of "${experiment.name}" is another experiment's`);
      throw error;
    }
  }

  async takeRunNumber(name: string, at: string): Promise<{ experiment: ExperimentView; runNumber: number } | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.experiment(name),
          UpdateExpression: 'SET lastRunAt = :at ADD runCount :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { experiment: toExperiment(Attributes!), runNumber: Attributes!.runCount as number };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async recordExperimentId(name: string, experimentId: string): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: this.experimentIdPut(name, experimentId) },
            // The experiment says its id is recorded: readers need not record it again.
            {
              Update: {
                TableName: this.tableName,
                Key: keys.experiment(name),
                UpdateExpression: 'SET experimentId = :id',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':id': experimentId },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (cancellation(error)?.failed(0)) throw new Error(`experiment id ${experimentId} of "${name}" is another experiment's`);
      throw error;
    }
  }

  private experimentIdPut(name: string, experimentId: string) {
    return {
      TableName: this.tableName,
      Item: { ...keys.experimentId(experimentId), name },
      // Ids are derived from names: the same id for another name is a hash clash, never overwritten.
      ConditionExpression: 'attribute_not_exists(pk) OR #name = :name',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':name': name },
    };
  }

  async allExperiments(): Promise<readonly ExperimentView[]> {
    const items = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :experiments',
      ExpressionAttributeValues: { ':experiments': keys.experimentIndex('').gsi1pk },
    });
    return items.map(toExperiment);
  }

  updateExperiment(name: string, change: ExperimentChange, at: string): Promise<boolean> {
    return this.table.setIfExists(keys.experiment(name), {
      updatedAt: at,
      lifecycleStage: change.lifecycleStage,
      tags: change.tags && userKeyed(change.tags),
    });
  }

  async updateRun(run: RunRecord, change: RunChange, at: string): Promise<boolean> {
    const updated: RunRecord = { ...run, ...change };
    const names: Record<string, string> = {};
    const values: Item = { ':revision': run.revision + 1, ':expected': run.revision, ...prefixed(searchIndexKeys(run.experiment, run.runId, at)) };
    const sets = ['revision = :revision', 'gsi3pk = :gsi3pk', 'gsi3sk = :gsi3sk'];
    const removes: string[] = [];
    for (const [field, value] of Object.entries(change)) {
      const name = `#${field}`;
      names[name] = field;
      if (value === undefined) {
        removes.push(name);
        continue;
      }
      sets.push(`${name} = :${field}`);
      values[`:${field}`] = field === 'tags' ? userKeyed(value as Record<string, string>) : value;
    }
    if (change.tags !== undefined) {
      sets.push('searchTags = :searchTags');
      values[':searchTags'] = searchFields(updated).searchTags;
    }
    if (change.inputs !== undefined) {
      sets.push('searchInputs = :searchInputs');
      values[':searchInputs'] = searchInputs(change.inputs);
    }
    if (change.status !== undefined && change.status !== run.status) {
      // Only running runs are in the sweep's index.
      if (change.status === 'RUNNING') {
        sets.push('gsi2pk = :running', 'gsi2sk = :heartbeatAt');
        values[':running'] = RUNNING;
        values[':heartbeatAt'] = at;
      } else removes.push('gsi2pk', 'gsi2sk');
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.run(run.runId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'revision = :expected',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async runIndex(experiment: string, changedSince?: string): Promise<readonly RunIndexEntry[]> {
    if (changedSince === undefined) await this.indexEarlierRuns(experiment);
    // The shards are independent partitions: read them at once.
    const shards = await Promise.all(
      Array.from({ length: SEARCH_SHARDS }, (_, shard) =>
        this.queryAll({
          IndexName: SEARCH_INDEX,
          KeyConditionExpression: changedSince === undefined ? 'gsi3pk = :partition' : 'gsi3pk = :partition AND gsi3sk > :since',
          ExpressionAttributeValues: { ':partition': searchPartition(experiment, shard), ...(changedSince === undefined ? {} : { ':since': changedSince }) },
        }),
      ),
    );
    return shards.flat().map(toIndexEntry);
  }

  /**
   * Runs written before the search index existed (a platform upgraded to it) are not in it: before the first full
   * read of an experiment not yet marked indexed, its runs (the listing index, one Query) missing from the search
   * index are put in it, as changed now so readers holding the experiment see them, and the experiment is marked.
   * Once per experiment, ever; experiments MLflow creates are marked from the start.
   */
  private async indexEarlierRuns(experiment: string): Promise<void> {
    const item = await this.table.get(keys.experiment(experiment));
    if (!item || item.searchIndexed === true) return;
    const unindexed = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :runs',
      FilterExpression: 'attribute_not_exists(gsi3pk)',
      ExpressionAttributeValues: { ':runs': keys.runsOf(experiment) },
    });
    const at = new Date().toISOString();
    await mapConcurrently(unindexed, INDEXING_CONCURRENCY, async (runItem) => {
      const run = toRun(runItem);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.run(run.runId),
            UpdateExpression: `SET gsi3pk = :gsi3pk, gsi3sk = :gsi3sk, searchParams = :searchParams, searchTags = :searchTags, searchMetrics = :searchMetrics${run.inputs ? ', searchInputs = :searchInputs' : ''}`,
            // A writer that indexed the run meanwhile indexed it as it is now.
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(gsi3pk)',
            ExpressionAttributeValues: {
              ...prefixed(searchIndexKeys(run.experiment, run.runId, at)),
              ...prefixed(searchFields(run)),
              ...(run.inputs ? { ':searchInputs': searchInputs(run.inputs) } : {}),
            },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
    await this.table.setIfExists(keys.experiment(experiment), { searchIndexed: true });
  }

  async createLoggedModel(model: LoggedModelRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: this.loggedModelItem(model),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getLoggedModel(modelId: string): Promise<LoggedModelRecord | undefined> {
    const item = await this.table.get(keys.loggedModel(modelId));
    return item && toLoggedModel(item);
  }

  async updateLoggedModel(model: LoggedModelRecord, expectedUpdatedAt: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.loggedModelItem(model),
          ConditionExpression: 'updatedAt = :expected',
          ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listLoggedModels(experiment: string): Promise<readonly LoggedModelRecord[]> {
    const items = await this.queryAll({
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :models',
      ExpressionAttributeValues: { ':models': keys.loggedModelsOf(experiment) },
    });
    return items.map(toLoggedModel);
  }

  private loggedModelItem(model: LoggedModelRecord): Item {
    return {
      ...keys.loggedModel(model.modelId),
      ...keys.loggedModelIndex(model.experiment, model.createdAt, model.modelId),
      ...model,
      params: userKeyed(model.params),
      tags: userKeyed(model.tags),
      metrics: model.metrics.map((metric) => ({ ...metric, value: toAttributeNumber(metric.value) })),
    };
  }

  /** Every item a query matches, page after page. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }
}
