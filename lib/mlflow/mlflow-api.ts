import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { MLFLOW_API_PREFIX, MLFLOW_ROUTES, MLFLOW_UNSUPPORTED_PREFIXES } from '../../lambda/mlflow/core/routes';
import { MLFLOW_ARTIFACTS_PREFIX, REGISTRY_MANIFESTS_PREFIX } from '../../lambda/shared/artifact-prefixes';
import { ExperimentTracking } from '../experiments/experiment-tracking';
import { ModelRegistry } from '../registry/model-registry';
import { grantDownloadOf, grantUploadUnder } from '../shared/bucket-grants';
import { PlatformCapability } from '../shared/platform-capability';
import type { TableAction } from '../shared/platform-function';
import { definedOnly } from '../shared/props';

/** The one operation of the MLflow API's function: it answers every route. */
export type MlflowApiOperation = 'mlflowApi';

export interface MlflowApiProps {
  /** Experiment tracking's table: MLflow's experiments, runs and logged models are kept there. */
  readonly experimentsTable: dynamodb.ITable;
  /** The model registry's table: MLflow's registered models and versions are kept there. */
  readonly registryTable: dynamodb.ITable;
  /** The platform's artifact bucket: MLflow's clients write their artifacts under `mlflow/` of it. */
  readonly artifactBucket: s3.IBucket;
  /** The platform's event bus, on which versions registered through MLflow are announced. */
  readonly eventBus: events.IEventBus;
  /**
   * The CloudWatch namespace of runs' metrics (`ExperimentTracking.runMetricsNamespace`): metrics logged
   * through MLflow go there too, so the experiments dashboard and alarms see them as the platform's own runs'.
   * @default - not sent to CloudWatch (kept in the run's history only)
   */
  readonly runMetricsNamespace?: string;
  /**
   * A customer-managed key for the API's access logs. Its key policy gets the statement that lets
   * CloudWatch Logs of this account and region use it (a key imported into the app must hold it already).
   * @default - CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Requests per second the API's stage takes (`rateLimit`, steady) and at once (`burstLimit`), across
   * all callers; more is answered 429, which MLflow's client retries.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: apigwv2.ThrottleSettings;
  /**
   * What happens to the access log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB actions the MLflow stores send (lambda/mlflow/adapters, over the tracking and registry
 * stores): a `TransactWriteItems` is authorised item by item as these; only the registry's checks a condition.
 */
const TRACKING_ACTIONS: readonly TableAction[] = ['GetItem', 'Query', 'PutItem', 'UpdateItem'];
/** A version's tag change deletes the tag's index item. */
const REGISTRY_ACTIONS: readonly TableAction[] = [...TRACKING_ACTIONS, 'ConditionCheckItem', 'DeleteItem'];

/** What each access log line holds: who called which route, and how it went. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
};

/** The stage MLflow's clients call: the URL has no stage segment, so `MLFLOW_TRACKING_URI` is the API's root. */
const STAGE_NAME = '$default';

/**
 * MLflow's REST API over the platform's own data: an API Gateway HTTP API with one route per entry of
 * `MLFLOW_ROUTES` (and the unsupported areas' prefixes, so MLflow's client gets MLflow's error codes),
 * every route IAM-authorized (MLflow's client signs with SigV4 when `MLFLOW_TRACKING_AWS_SIGV4=true`), all
 * answered by one function, `MlflowApi`. The stage keeps JSON access logs and is throttled. MLflow's
 * clients read and write artifacts in the artifact bucket under `mlflow/` with their own credentials.
 */
export class MlflowApi extends PlatformCapability<MlflowApiOperation> {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly functions: Readonly<Record<MlflowApiOperation, lambda.IFunction>>;
  /** The API's root, `https://<api id>.execute-api.<region>.amazonaws.com/`: MLflow's tracking URI. */
  readonly url: string;
  private readonly artifactBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: MlflowApiProps) {
    super(scope, id, 'mlflow');
    const throttle = { rateLimit: 100, burstLimit: 200, ...definedOnly(props.throttle ?? {}) };
    requireThrottle(throttle);
    this.artifactBucket = props.artifactBucket;

    const mlflowApi = this.addFunction('MlflowApi', { description: "Answers MLflow's REST API over the platform's experiments and registry." });
    // MLflow's run search reads the run search index; listings read the listing index.
    mlflowApi.bindTable(props.experimentsTable, 'EXPERIMENTS_TABLE_NAME', TRACKING_ACTIONS, [
      ExperimentTracking.LISTING_INDEX,
      ExperimentTracking.SEARCH_INDEX,
    ]);
    mlflowApi.bindTable(props.registryTable, 'REGISTRY_TABLE_NAME', REGISTRY_ACTIONS, [ModelRegistry.LOOKUP_INDEX]);
    // It registers versions as RegisterModel does, from MLflow's artifacts only (where its callers write): it pins
    // directories under mlflow/, listing the bucket to tell a missing key (404) from a forbidden one, and writes their manifests.
    mlflowApi.bindBucketObjects(props.artifactBucket, 'ARTIFACT_BUCKET_NAME', ['GetObject', 'GetObjectVersion'], [MLFLOW_ARTIFACTS_PREFIX]);
    mlflowApi.grantBucketPrefixes(props.artifactBucket, { write: [REGISTRY_MANIFESTS_PREFIX] });
    mlflowApi.bindEventBus(props.eventBus);
    if (props.runMetricsNamespace !== undefined) mlflowApi.bindMetricNamespace(props.runMetricsNamespace, 'RUN_METRICS_NAMESPACE');
    this.functions = { mlflowApi };

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: "MLflow's REST API over the MLOps platform; every route takes SigV4-signed requests only.",
      defaultAuthorizer: new HttpIamAuthorizer(),
      // The stage below is the default one, with access logs and throttling.
      createDefaultStage: false,
    });
    // One invoke permission for the whole API: one per route would outgrow the function's 20 KB resource policy.
    const integration = new HttpLambdaIntegration('MlflowApi', mlflowApi, { scopePermissionToRoute: false });
    for (const route of MLFLOW_ROUTES) {
      this.api.addRoutes({ path: `${MLFLOW_API_PREFIX}${route.path}`, methods: [apigwv2.HttpMethod[route.method]], integration });
    }
    for (const prefix of MLFLOW_UNSUPPORTED_PREFIXES) {
      // `{proxy+}` needs at least one segment: MLflow also calls the prefix itself (POST /api/3.0/mlflow/traces).
      this.api.addRoutes({ path: prefix, methods: [apigwv2.HttpMethod.ANY], integration });
      this.api.addRoutes({ path: `${prefix}/{proxy+}`, methods: [apigwv2.HttpMethod.ANY], integration });
    }
    // Any other path reaches the function too (IAM-authorized as every route), which answers MLflow's
    // ENDPOINT_NOT_FOUND: API Gateway's own {"message":"Not Found"} reads to MLflow's client as INTERNAL_ERROR.
    new apigwv2.HttpRoute(this, 'DefaultRoute', { httpApi: this.api, routeKey: apigwv2.HttpRouteKey.DEFAULT, integration });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (props.encryptionKey) allowLogsToUseKey(props.encryptionKey, this);
    this.stage = this.api.addStage('DefaultStage', {
      stageName: STAGE_NAME,
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    this.url = this.stage.url;
  }

  /**
   * Lets `grantee` read through MLflow: invoke the `read` routes (searches included, which are POSTs) and
   * the unsupported areas' routes, list `mlflow/` of the artifact bucket and download the artifacts there.
   */
  grantMlflowRead(grantee: iam.IGrantable): iam.Grant {
    const routes = MLFLOW_ROUTES.filter((route) => route.access === 'read').map((route) => this.routeArn(route.method, route.path));
    const unsupported = MLFLOW_UNSUPPORTED_PREFIXES.map((prefix) => this.api.arnForExecuteApi('ANY', `${prefix}*`, STAGE_NAME));
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: [...routes, ...unsupported] }).combine(
      this.grantArtifactReads(grantee),
    );
  }

  /**
   * Lets `grantee` read and write through MLflow: invoke every route of the API (what `grantMlflowRead`
   * allows and the `write` routes), read `mlflow/` of the artifact bucket as `grantMlflowRead` does, and
   * upload there, where MLflow's client writes artifacts itself. The routes are granted by prefix: one ARN
   * per route would take some 7 KB of the grantee's policies (IAM allows a role 10 KB of inline policy).
   */
  grantMlflowWrite(grantee: iam.IGrantable): iam.Grant {
    const outsidePrefix = MLFLOW_UNSUPPORTED_PREFIXES.filter((prefix) => !prefix.startsWith(`${MLFLOW_API_PREFIX}/`));
    const everyRoute = [`${MLFLOW_API_PREFIX}/*`, ...outsidePrefix.map((prefix) => `${prefix}*`)].map((path) =>
      this.api.arnForExecuteApi('ANY', path, STAGE_NAME),
    );
    return iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: everyRoute })
      .combine(this.grantArtifactReads(grantee))
      .combine(grantUploadUnder(this.artifactBucket, grantee, [MLFLOW_ARTIFACTS_PREFIX]));
  }

  /** Requests answered 4xx (`4xx`, sum over 5 minutes). */
  metricClientErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricClientError(props);
  }

  /** Requests answered 5xx (`5xx`, sum over 5 minutes). */
  metricServerErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricServerError(props);
  }

  /** Time from request to response, API Gateway's own included (`Latency`, p99 over 5 minutes). */
  metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.api.metricLatency({ statistic: cloudwatch.Stats.p(99), ...props });
  }

  /** Listing and downloads under `mlflow/`, where MLflow's client lists a run's artifacts and reads them. */
  private grantArtifactReads(grantee: iam.IGrantable): iam.Grant {
    const listing = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.artifactBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${MLFLOW_ARTIFACTS_PREFIX}*`] } },
    });
    return listing.combine(grantDownloadOf(this.artifactBucket, grantee, [`${MLFLOW_ARTIFACTS_PREFIX}*`]));
  }

  /** A route's ARN, each path parameter a `*`. */
  private routeArn(method: string, path: string): string {
    return this.api.arnForExecuteApi(method, `${MLFLOW_API_PREFIX}${path}`.replace(/\{[^}]+\}/g, '*'), STAGE_NAME);
  }
}

function requireThrottle({ rateLimit, burstLimit }: { rateLimit: number; burstLimit: number }): void {
  if (!Token.isUnresolved(rateLimit) && !(rateLimit > 0))
    throw new Error(`throttle.rateLimit must be a positive number of requests per second, got ${rateLimit}`);
  if (!Token.isUnresolved(burstLimit) && !(Number.isInteger(burstLimit) && burstLimit > 0)) {
    throw new Error(`throttle.burstLimit must be a positive whole number of requests, got ${burstLimit}`);
  }
}

/**
 * Lets CloudWatch Logs of this account and region encrypt log groups with `key`, with the key policy
 * statement AWS documents for it. Only a key defined in this app can take it.
 */
function allowLogsToUseKey(key: kms.IKey, scope: Construct): void {
  const { account, region, partition } = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsToEncryptLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` } },
    }),
    /* allowNoOp */ true,
  );
}
