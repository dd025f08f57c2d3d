import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fromAttributeNumber, toAttributeNumber } from '../../shared/any-number';
import { cancellation, DynamoTable, type Item, prefixed, userKeyed } from '../../shared/dynamo-table';
import { ValidationError } from '../../shared/errors';
import type { Page, PageRequest } from '../../shared/page';
import { decodePageToken, encodePageToken } from '../../shared/page-token';
import type { ExperimentRecord, MetricSummary, RunRecord, RunStatus, StoredPoint } from '../core/model';
import type { AppendBatchOutcome, BatchReceipt, ExperimentStore, RunBatch, RunEnding, SilentRun } from '../core/ports';
import { packPoints, unpackPoints } from './packed-points';
import { searchFields, searchIndexKeys } from './run-search-index';
import { GSI1, GSI2, keys, RECEIPT_TTL_DAYS, RUNNING } from './table-keys';

/** Attributes that exist for storage (keys, TTL, the request fingerprint), not for callers. */
const STORAGE_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'expiresAt',
  'fingerprint',
  'searchParams',
  'searchTags',
  'searchMetrics',
  'searchInputs',
  'searchIndexed',
]);

export const withoutKeys = <T>(item: Item): T => Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.has(name))) as T;

/** A metric summary as an attribute holds it: numbers MLflow's clients log that a number attribute cannot hold are text. */
const storedSummaries = (metrics: RunRecord['metrics']) =>
  new Map(
    Object.entries(metrics).map(([name, { last, lastStep, lastTimestamp, min, max, count }]) => [
      name,
      { last: toAttributeNumber(last), lastStep, lastTimestamp, min: toAttributeNumber(min), max: toAttributeNumber(max), count },
    ]),
  );

const readSummaries = (metrics: Record<string, MetricSummary>): RunRecord['metrics'] =>
  Object.fromEntries(
    Object.entries(metrics).map(([name, summary]) => [
      name,
      { ...summary, last: fromAttributeNumber(summary.last), min: fromAttributeNumber(summary.min), max: fromAttributeNumber(summary.max) },
    ]),
  );

export const toRun = (item: Item): RunRecord => {
  const run = withoutKeys<RunRecord>(item);
  return { ...run, metrics: readSummaries(run.metrics) };
};

/** Where a history page resumes: the item and how many of its points were returned already. */
interface HistoryCursor {
  readonly sk: string;
  readonly offset: number;
}

/** Experiment tracking's storage on one DynamoDB table (layout in `table-keys.ts`). */
export class DynamoExperimentStore implements ExperimentStore {
  protected readonly table: DynamoTable;

  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {
    this.table = new DynamoTable(db, tableName);
  }

  async reserveRunNumber(experiment: string, at: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.experiment(experiment),
        UpdateExpression: 'SET #name = :name, createdAt = if_not_exists(createdAt, :at), lastRunAt = :at, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk ADD runCount :one',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': experiment, ':at': at, ':one': 1, ...prefixed(keys.experimentIndex(experiment)) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes!.runCount as number;
  }

  async createRun(run: RunRecord, fingerprint: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.run(run.runId),
            ...keys.runIndex(run.experiment, run.startTime, run.runId),
            gsi2pk: RUNNING,
            gsi2sk: run.heartbeatAt,
            ...searchIndexKeys(run.experiment, run.runId, run.startTime),
            ...searchFields(run),
            ...run,
            params: userKeyed(run.params),
            tags: userKeyed(run.tags),
            metrics: storedSummaries(run.metrics),
            fingerprint,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.table.get(keys.run(runId));
    return item && toRun(item);
  }

  async getRunFingerprint(runId: string): Promise<string | undefined> {
    const item = await this.table.get(keys.run(runId));
    return item?.fingerprint as string | undefined;
  }

  async getRuns(runIds: readonly string[]): Promise<readonly RunRecord[]> {
    return (await this.table.batchGet(runIds.map(keys.run))).map(toRun);
  }

  async getBatchReceipt(runId: string, batchId: string): Promise<BatchReceipt | undefined> {
    const item = await this.table.get(keys.receipt(runId, batchId));
    // The fingerprint is hidden from callers on runs, but it is what a receipt is compared by.
    return item && { ...withoutKeys<BatchReceipt>(item), fingerprint: item.fingerprint as string };
  }

  async appendBatch(batch: RunBatch): Promise<AppendBatchOutcome> {
    const { runId, expectedRevision, receipt } = batch;
    const receiptItems = receipt
      ? [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...keys.receipt(runId, receipt.batchId),
                ...receipt,
                expiresAt: Math.floor(Date.parse(batch.heartbeatAt) / 1000) + RECEIPT_TTL_DAYS * 86_400,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]
      : [];
    const revision = expectedRevision + 1;
    const running = batch.status === 'RUNNING';
    const historyItems = batch.series.map(({ name, points }) => ({
      Put: {
        TableName: this.tableName,
        Item: { ...keys.history(runId, name, revision), points: packPoints(points) },
      },
    }));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.run(runId),
                // A running batch (on a crashed run too: it revives it) puts the run back in the running index, its end
                // undone; a batch MLflow's client logs to a finished run leaves it finished.
                UpdateExpression:
                  'SET #status = :status, heartbeatAt = :heartbeatAt, params = :params, tags = :tags, #metrics = :metrics, revision = :revision, ' +
                  'gsi3pk = :gsi3pk, gsi3sk = :gsi3sk, searchParams = :searchParams, searchTags = :searchTags, searchMetrics = :searchMetrics' +
                  (running ? ', gsi2pk = :running, gsi2sk = :heartbeatAt REMOVE endTime, reason' : ''),
                ConditionExpression: 'revision = :expected',
                // METRICS is a DynamoDB reserved word.
                ExpressionAttributeNames: { '#status': 'status', '#metrics': 'metrics' },
                ExpressionAttributeValues: {
                  ':status': batch.status,
                  ':heartbeatAt': batch.heartbeatAt,
                  ':params': userKeyed(batch.params),
                  ':tags': userKeyed(batch.tags),
                  ':metrics': storedSummaries(batch.metrics),
                  ':revision': revision,
                  ':expected': expectedRevision,
                  ...(running ? { ':running': RUNNING } : {}),
                  ...prefixed(searchIndexKeys(batch.experiment, runId, batch.heartbeatAt)),
                  ...prefixed(searchFields(batch)),
                },
              },
            },
            ...receiptItems,
            ...historyItems,
          ],
        }),
      );
      return { kind: 'committed' };
    } catch (error) {
      const cancelled = cancellation(error);
      if (!cancelled) throw error;
      if (receipt && cancelled.failed(1)) return { kind: 'already-applied' };
      if (cancelled.failed(0)) return { kind: 'stale' };
      throw error;
    }
  }

  async endRun({ runId, experiment, expectedRevision, status, endTime, reason }: RunEnding): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.run(runId),
          // Without a reason, one from before (the sweep's, on a crashed run) goes: the run is as the caller is told.
          UpdateExpression: `SET #status = :status, endTime = :endTime, revision = :revision, gsi3pk = :gsi3pk, gsi3sk = :gsi3sk${reason === undefined ? '' : ', reason = :reason'} REMOVE gsi2pk, gsi2sk${reason === undefined ? ', reason' : ''}`,
          ConditionExpression: 'revision = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ':endTime': endTime,
            ':revision': expectedRevision + 1,
            ':expected': expectedRevision,
            // A sweep's end time is the last heartbeat, long past: the index orders by when the change was made.
            ...prefixed(searchIndexKeys(experiment, runId, new Date().toISOString())),
            ...(reason === undefined ? {} : { ':reason': reason }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async listRuns(experiment: string, status: RunStatus | undefined, page: PageRequest): Promise<Page<RunRecord>> {
    return this.table.queryPage(
      ['runs', experiment, status ?? null],
      page,
      {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :experiment',
        ...(status === undefined ? {} : { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
        ExpressionAttributeValues: { ':experiment': keys.runsOf(experiment), ...(status === undefined ? {} : { ':status': status }) },
        ScanIndexForward: false,
      },
      toRun,
    );
  }

  async listExperiments(page: PageRequest): Promise<Page<ExperimentRecord>> {
    return this.table.queryPage(
      ['experiments'],
      page,
      { IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :experiments', ExpressionAttributeValues: { ':experiments': keys.experimentIndex('').gsi1pk } },
      (item) => withoutKeys<ExperimentRecord>(item),
    );
  }

  async metricHistory(runId: string, metric: string, page: PageRequest): Promise<Page<StoredPoint>> {
    const scope = ['history', runId, metric];
    const cursor = decodePageToken(scope, page.nextToken) as HistoryCursor | undefined;
    const prefix = keys.historyPrefix(metric);
    if (cursor && (typeof cursor.sk !== 'string' || !cursor.sk.startsWith(prefix) || !Number.isInteger(cursor.offset) || cursor.offset < 0)) {
      throw ValidationError.of('nextToken', 'is not a token returned by this query');
    }
    const points: StoredPoint[] = [];
    let from = cursor?.sk ?? prefix;
    let offset = cursor?.offset ?? 0;
    for (;;) {
      const { Items = [], LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.partition(runId), ':from': from, ':to': `${prefix}\uffff` },
          ConsistentRead: true,
          // Items hold a batch's points of one metric: read many at once (a response stops at 1 MB anyway).
          Limit: 200,
        }),
      );
      for (const item of Items) {
        const stored = unpackPoints(item);
        const take = Math.min(stored.length - offset, page.limit - points.length);
        points.push(...stored.slice(offset, offset + take));
        if (points.length === page.limit) {
          const resume = offset + take;
          const lastItem = item === Items[Items.length - 1];
          // A page that ends exactly at the end of the history has no next page.
          if (resume === stored.length && lastItem && !LastEvaluatedKey) return { items: points };
          return { items: points, nextToken: encodePageToken(scope, { sk: item.sk, offset: resume }) };
        }
        offset = 0;
      }
      if (!LastEvaluatedKey) return { items: points };
      // Resume after the last item read: the smallest key greater than it.
      from = `${LastEvaluatedKey.sk as string}\u0000`;
    }
  }

  async findSilentRuns(before: string, page: PageRequest): Promise<Page<SilentRun>> {
    return this.table.queryPage(
      ['silent', before],
      page,
      {
        IndexName: GSI2,
        KeyConditionExpression: 'gsi2pk = :running AND gsi2sk < :before',
        ExpressionAttributeValues: { ':running': RUNNING, ':before': before },
      },
      (item) => ({ runId: keys.runIdOf(item.pk as string), heartbeatAt: item.gsi2sk as string }),
    );
  }

  async countRunning(): Promise<number> {
    let count = 0;
    let ExclusiveStartKey: Item | undefined;
    do {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: GSI2,
          KeyConditionExpression: 'gsi2pk = :running',
          ExpressionAttributeValues: { ':running': RUNNING },
          Select: 'COUNT',
          ExclusiveStartKey,
        }),
      );
      count += result.Count ?? 0;
      ExclusiveStartKey = result.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return count;
  }
}
