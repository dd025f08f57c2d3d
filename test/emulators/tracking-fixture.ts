import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LogMetricsResult } from '../../lambda/experiments/core/log-metrics';
import type { RunRecord, StoredPoint } from '../../lambda/experiments/core/model';
import type { MetricHistoryPage, QueryRunsResult } from '../../lambda/experiments/core/query-runs';
import type { EndRunRequest, LogMetricsRequest, QueryRunsRequest, StartRunRequest } from '../../lambda/experiments/core/schemas';
import type { SweepRunsResult } from '../../lambda/experiments/core/sweep-runs';
import { provisionFromTemplate } from '../../local/provision-from-template';
import { type FunctionSource, type Invocation, loadFunctions, requireEmulatorEnvironment, resourcesOf, scanTable } from './function-harness';
import { startRecordingProxy } from './recording-proxy';
import { readSynthesizedTemplate } from './synthesized-template';

export type { Invocation, InvocationError } from './function-harness';

/**
 * A fresh experiment-tracking table per test file, on the emulators the jest global setup started,
 * with the real tracking handlers loaded against it. LogMetrics reaches CloudWatch (moto) through a
 * recording proxy, so a test sees every PutMetricData request exactly as sent: moto stores what it
 * gets without checking CloudWatch's limits, so the tests check them on these records.
 */

/** The tracking functions, by the name the fixture invokes them with. */
export interface TrackingFunctions {
  readonly startRun: { readonly request: StartRunRequest; readonly result: RunRecord };
  readonly logMetrics: { readonly request: LogMetricsRequest; readonly result: LogMetricsResult };
  readonly endRun: { readonly request: EndRunRequest; readonly result: RunRecord };
  readonly queryRuns: { readonly request: QueryRunsRequest; readonly result: QueryRunsResult };
  readonly sweepRuns: { readonly request: Record<string, unknown>; readonly result: SweepRunsResult };
}
export type TrackingFunctionName = keyof TrackingFunctions;

/** One datum of a PutMetricData request, as the JSON protocol carries it (`Timestamp` in epoch seconds). */
export interface SentDatum {
  readonly MetricName: string;
  readonly Dimensions?: readonly { readonly Name: string; readonly Value: string }[];
  readonly Timestamp?: number;
  readonly Value?: number;
  readonly Values?: readonly number[];
  readonly Counts?: readonly number[];
}

/** A PutMetricData request LogMetrics sent, read off the wire. */
export interface SentPutMetricData {
  readonly namespace: string;
  readonly metricData: readonly SentDatum[];
  /** The body's size as CloudWatch reads it (after decompression). */
  readonly bodyBytes: number;
  /** The body's size as sent (the SDK gzips bodies of 10 KiB or more). */
  readonly wireBytes: number;
}

export interface TrackingFixtureOptions {
  /**
   * Goes into the table's name, to tell the tables of test files apart.
   * @default 'tracking'
   */
  readonly label?: string;
  /**
   * The SweepRuns function's `CRASH_AFTER_SECONDS`, to make heartbeats old without waiting.
   * @default - the template's value
   */
  readonly crashAfterSeconds?: number;
}

export interface TrackingFixture {
  readonly tableName: string;
  /** LogMetrics's `RUN_METRICS_NAMESPACE`. */
  readonly runMetricsNamespace: string;
  /** The environment each function read at its cold start. */
  readonly environments: Readonly<Record<TrackingFunctionName, Readonly<Record<string, string>>>>;
  /** Clients on the emulators (CloudWatch straight to moto, not through the proxy), for arranging and inspecting state. */
  readonly clients: { readonly dynamodb: DynamoDBDocumentClient; readonly cloudWatch: CloudWatchClient };
  /** Calls a handler as the Lambda service would: the payload and result go through JSON, errors come back as `errorType`/`errorMessage`. */
  invoke<F extends TrackingFunctionName>(name: F, payload: TrackingFunctions[F]['request']): Promise<Invocation<TrackingFunctions[F]['result']>>;
  /** Like `invoke`, for arranging state: returns the result or throws with the error it got. */
  call<F extends TrackingFunctionName>(name: F, payload: TrackingFunctions[F]['request']): Promise<TrackingFunctions[F]['result']>;
  /** A metric's whole history through QueryRuns, following `nextToken` with pages of `limit` points. */
  metricHistory(runId: string, metric: string, limit: number): Promise<{ readonly points: StoredPoint[]; readonly pages: number }>;
  /** Every PutMetricData request sent so far, oldest first (LogMetrics is the only sender). */
  putMetricDataRequests(): SentPutMetricData[];
  /** Every item of the tracking table with its keys, sorted by `pk` then `sk`. */
  tableItems(): Promise<Record<string, unknown>[]>;
  /** The run ids the running index (gsi2) holds now, with the heartbeat it is keyed by. */
  runningIndex(): Promise<{ readonly runId: string; readonly heartbeatAt: string }[]>;
  /** Arranges a running run's last heartbeat, as the store keeps it: on the run and as its running-index key. */
  setHeartbeat(runId: string, heartbeatAt: Date): Promise<void>;
  /** Deletes the table and stops the proxy. */
  dispose(): Promise<void>;
}

const FUNCTIONS: Record<TrackingFunctionName, FunctionSource> = {
  startRun: { service: 'StartRun', handler: 'experiments/handlers/start-run' },
  logMetrics: { service: 'LogMetrics', handler: 'experiments/handlers/log-metrics' },
  endRun: { service: 'EndRun', handler: 'experiments/handlers/end-run' },
  queryRuns: { service: 'QueryRuns', handler: 'experiments/handlers/query-runs' },
  sweepRuns: { service: 'SweepRuns', handler: 'experiments/handlers/sweep-runs' },
};

/** The running index's name and partition; runs are `R#<runId>`/`#RUN` (lambda/experiments/adapters/table-keys.ts). */
const RUNNING_INDEX = 'gsi2';
const RUNNING = 'RUNNING';

export async function createTrackingFixture(options: TrackingFixtureOptions = {}): Promise<TrackingFixture> {
  requireEmulatorEnvironment('tracking', ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_CLOUDWATCH']);
  const suffix = randomUUID().slice(0, 8);
  const slug = (options.label ?? 'tracking')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 30);
  const motoEndpoint = process.env.AWS_ENDPOINT_URL_CLOUDWATCH!;

  const dynamodbClient = new DynamoDBClient({});
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient);
  const cloudWatch = new CloudWatchClient({ endpoint: motoEndpoint });
  const proxy = await startRecordingProxy(motoEndpoint);

  // The table the tracking functions refer to, exactly as the stack declares it.
  const template = readSynthesizedTemplate();
  const services = Object.values(FUNCTIONS).map(({ service }) => service);
  const provisioning = { dynamodb: dynamodbClient, s3: new S3Client({ forcePathStyle: true }), eventBridge: new EventBridgeClient({}) };
  const names = await provisionFromTemplate(resourcesOf(template, services), provisioning, `mlops-${slug}-${suffix}`);
  provisioning.s3.destroy();
  provisioning.eventBridge.destroy();

  const functions = loadFunctions(template, names, FUNCTIONS, {
    overrides: {
      logMetrics: { AWS_ENDPOINT_URL_CLOUDWATCH: proxy.endpoint },
      ...(options.crashAfterSeconds === undefined ? {} : { sweepRuns: { CRASH_AFTER_SECONDS: String(options.crashAfterSeconds) } }),
    },
  });
  const tableName = functions.environments.startRun.EXPERIMENTS_TABLE_NAME;
  const invoke = <F extends TrackingFunctionName>(name: F, payload: TrackingFunctions[F]['request']) =>
    functions.invoke<TrackingFunctions[F]['result']>(name, payload);

  const fixture: TrackingFixture = {
    tableName,
    runMetricsNamespace: functions.environments.logMetrics.RUN_METRICS_NAMESPACE,
    environments: functions.environments,
    clients: { dynamodb, cloudWatch },
    invoke,

    async call(name, payload) {
      const invocation = await invoke(name, payload);
      if ('result' in invocation) return invocation.result;
      throw new Error(`${name} failed with ${invocation.errorType}: ${invocation.errorMessage}`);
    },

    async metricHistory(runId, metric, limit) {
      const points: StoredPoint[] = [];
      let pages = 0;
      let nextToken: string | undefined;
      do {
        const page = (await fixture.call('queryRuns', { query: 'metricHistory', runId, metric, limit, nextToken })) as MetricHistoryPage;
        points.push(...page.items);
        pages++;
        nextToken = page.nextToken;
      } while (nextToken);
      return { points, pages };
    },

    putMetricDataRequests: () =>
      proxy.requests
        .filter(({ operation }) => operation === 'PutMetricData')
        .map(({ body, wireBytes }) => {
          const { Namespace, MetricData } = JSON.parse(body.toString('utf8')) as { Namespace: string; MetricData: SentDatum[] };
          return { namespace: Namespace, metricData: MetricData, bodyBytes: body.length, wireBytes };
        }),

    tableItems: () => scanTable(dynamodb, tableName),

    async runningIndex() {
      const running: { runId: string; heartbeatAt: string }[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: RUNNING_INDEX,
            KeyConditionExpression: 'gsi2pk = :running',
            ExpressionAttributeValues: { ':running': RUNNING },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) running.push({ runId: String(item.pk).slice('R#'.length), heartbeatAt: String(item.gsi2sk) });
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return running;
    },

    async setHeartbeat(runId, heartbeatAt) {
      await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `R#${runId}`, sk: '#RUN' },
          UpdateExpression: 'SET heartbeatAt = :at, gsi2sk = :at',
          ConditionExpression: 'gsi2pk = :running',
          ExpressionAttributeValues: { ':at': heartbeatAt.toISOString(), ':running': RUNNING },
        }),
      );
    },

    async dispose() {
      await Promise.all([...names.values()].map((TableName) => dynamodbClient.send(new DeleteTableCommand({ TableName }))));
      await proxy.close();
      for (const client of [dynamodbClient, cloudWatch]) client.destroy();
    },
  };
  return fixture;
}

/**
 * CloudWatch's PutMetricData limits, from its API reference (not from the code under test):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 */
export const CLOUDWATCH_PUT_METRIC_DATA_LIMITS = {
  datumsPerRequest: 1000,
  valuesPerDatum: 150,
  dimensionsPerDatum: 30,
  /** "1 MB for HTTP POST requests", read as the smaller 10^6 bytes, of the body as CloudWatch reads it. */
  requestBytes: 1_000_000,
} as const;

/** What in `requests` CloudWatch would refuse, one line per problem; empty when all are within its limits. */
export function putMetricDataViolations(requests: readonly SentPutMetricData[]): string[] {
  const limits = CLOUDWATCH_PUT_METRIC_DATA_LIMITS;
  return requests.flatMap((request, index) => {
    const problems: string[] = [];
    if (request.metricData.length > limits.datumsPerRequest) problems.push(`${request.metricData.length} datums`);
    if (request.bodyBytes > limits.requestBytes) problems.push(`${request.bodyBytes} bytes`);
    if (request.wireBytes > limits.requestBytes) problems.push(`${request.wireBytes} bytes sent`);
    request.metricData.forEach((datum, at) => {
      const values = datum.Values?.length ?? 0;
      if (values > limits.valuesPerDatum) problems.push(`datum ${at} (${datum.MetricName}) holds ${values} values`);
      if (datum.Counts !== undefined && datum.Counts.length !== values) problems.push(`datum ${at} has ${datum.Counts.length} counts for ${values} values`);
      if ((datum.Dimensions?.length ?? 0) > limits.dimensionsPerDatum) problems.push(`datum ${at} has ${datum.Dimensions!.length} dimensions`);
    });
    return problems.map((problem) => `request ${index}: ${problem}`);
  });
}
