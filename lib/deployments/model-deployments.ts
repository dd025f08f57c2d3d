import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DEPLOYMENTS_EVENT_SOURCE } from '../../lambda/deployments/adapters/eventbridge-deployment-events';
import { VARIANT_NAME } from '../../lambda/deployments/adapters/sagemaker-hosting';
import { GSI1 } from '../../lambda/deployments/adapters/table-keys';
import { SAGEMAKER_NAME_PREFIX, sageMakerNames } from '../../lambda/deployments/core/sagemaker-names';
import { IMAGES_EVENT_SOURCE } from '../../lambda/images/adapters/eventbridge-image-events';
import { MONITORING_PREFIXES } from '../../lambda/monitoring/core/monitoring-names';
import { REGISTRY_EVENT_SOURCE } from '../../lambda/registry/adapters/eventbridge-publisher';
import { PLATFORM_METRICS } from '../../lambda/shared/platform-metrics';
import { EndpointMetricFactory } from '../monitoring/monitoring-metrics';
import { grantUploadUnder } from '../shared/bucket-grants';
import { nagResourceName } from '../shared/nag';
import { type CapabilityFunctionProps, PlatformCapability } from '../shared/platform-capability';
import type { PlatformFunction } from '../shared/platform-function';
import { platformMetric } from '../shared/platform-metric';
import { createPlatformTable } from '../shared/platform-table';
import { DeploymentsDashboard } from './deployments-dashboard';

/** The operations the deployment functions serve. */
export const DEPLOYMENTS_OPERATIONS = [
  'createDeployment',
  'updateDeployment',
  'rollbackDeployment',
  'deleteDeployment',
  'queryDeployments',
  'deploymentEvents',
  'advanceDeployments',
] as const;
export type DeploymentsOperation = (typeof DEPLOYMENTS_OPERATIONS)[number];

/** Where SageMaker writes captured requests on instance endpoints, and the serving shim on serverless ones. */
const CAPTURE_PREFIX = MONITORING_PREFIXES.captured;

/** The namespace of the instance metrics (CPU, memory, disk) SageMaker publishes for an endpoint with its execution role. */
const ENDPOINT_INSTANCE_METRICS_NAMESPACE = '/aws/sagemaker/Endpoints';

/** The images a deployment serves: their table, and the grant that lets SageMaker pull them and load their model data. */
export interface DeployableImages {
  readonly table: dynamodb.ITable;
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
}

export interface ModelDeploymentsProps {
  /** The platform's event bus: deployments announce `DeploymentStateChanged` on it and follow the registry's alias moves. */
  readonly eventBus: events.IEventBus;
  /** The inference images (`InferenceImages`): deployments read their versions and let SageMaker pull them. */
  readonly images: DeployableImages;
  /** The model registry's table: a deployment following an alias reads the alias's version in it. */
  readonly registryTable: dynamodb.ITable;
  /** The monitoring bucket: every deployment's requests are captured under its `captured/` prefix, where monitors read them. */
  readonly monitoringBucket: s3.IBucket;
  /**
   * A customer-managed key for the deployments table.
   * @default - an AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the deployments table when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Where the deployment alarms (rollouts no longer watched, alias moves not followed) are told, on ALARM and on OK,
   * and every deployment that fails or rolls back.
   * @default - no notification; the alarms are on the dashboard, failures and rollbacks in each deployment's history
   */
  readonly alarmTopic?: sns.ITopic;
}

/** The SageMaker and CloudWatch calls behind each method of the core's hosting, alarm and watcher ports, by resource. */
type HostingResource = 'model' | 'endpointConfig' | 'endpoint' | 'alarm';
const HOSTING_ACTIONS = {
  createRevision: { model: ['sagemaker:CreateModel', 'sagemaker:AddTags'], endpointConfig: ['sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'] },
  // CreateEndpoint and UpdateEndpoint are authorised on the endpoint and on the config it is moved to.
  createEndpoint: { endpoint: ['sagemaker:CreateEndpoint', 'sagemaker:AddTags'], endpointConfig: ['sagemaker:CreateEndpoint'] },
  updateEndpoint: { endpoint: ['sagemaker:UpdateEndpoint'], endpointConfig: ['sagemaker:UpdateEndpoint'] },
  deleteEndpoint: { endpoint: ['sagemaker:DeleteEndpoint'] },
  deleteRevision: { model: ['sagemaker:DeleteModel'], endpointConfig: ['sagemaker:DeleteEndpointConfig'] },
  putAlarms: { alarm: ['cloudwatch:PutMetricAlarm'] },
  deleteAlarms: { alarm: ['cloudwatch:DeleteAlarms'] },
  observe: { endpoint: ['sagemaker:DescribeEndpoint'], alarm: ['cloudwatch:DescribeAlarms'] },
} as const satisfies Record<string, Partial<Record<HostingResource, readonly string[]>>>;
type HostingCall = keyof typeof HOSTING_ACTIONS;

/** What rolls a new revision out on an endpoint in service: alarms put for it, its model and config made, the endpoint moved, a refused one deleted. */
const ROLL_OUT: readonly HostingCall[] = ['putAlarms', 'createRevision', 'updateEndpoint', 'deleteRevision'];

/**
 * Deployments: a READY image version (or the one serving a registry alias's version) served on a SageMaker endpoint
 * the platform names and tags, serverless or on instances, rolled out safely (SageMaker's blue/green with
 * auto-rollback on instances, the platform's bake and rollback on serverless), with every request captured for the
 * monitors. Callers invoke `CreateDeployment`, `UpdateDeployment`, `RollbackDeployment`, `DeleteDeployment` and
 * `QueryDeployments`; `DeploymentEvents` follows the registry's alias moves and `AdvanceDeployments` steps every
 * deployment in transit each minute. The functions may act only on SageMaker resources and alarms named
 * `mlops-*`, and pass only the execution role, to SageMaker only.
 */
export class ModelDeployments extends PlatformCapability<DeploymentsOperation> {
  /** Lists deployments (see lambda/deployments/adapters/table-keys.ts). */
  static readonly LISTING_INDEX = GSI1;

  readonly table: dynamodb.Table;
  /**
   * The role SageMaker runs every deployment's containers with: it pulls the platform's images, reads their model
   * data, writes the endpoints' logs and instance metrics, writes captured requests under `captured/` of the
   * monitoring bucket, and reads the rollback alarms (`mlops-*`) SageMaker's auto-rollback watches. The deployment
   * functions may pass this role, and no other, to SageMaker.
   */
  readonly executionRole: iam.Role;
  readonly functions: Readonly<Record<DeploymentsOperation, PlatformFunction>>;
  /** Runs `AdvanceDeployments` every minute. */
  readonly advanceSchedule: events.Rule;
  /** Alarms that tell of deployments no longer being stepped, or of alias moves not followed. */
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly dashboard: cloudwatch.Dashboard;

  private readonly hostingArns: Readonly<Record<HostingResource, string>>;

  constructor(scope: Construct, id: string, props: ModelDeploymentsProps) {
    super(scope, id, 'deployments');
    const stack = Stack.of(this);
    const named = (service: string, resource: string, arnFormat = ArnFormat.SLASH_RESOURCE_NAME) =>
      stack.formatArn({ service, resource, resourceName: `${SAGEMAKER_NAME_PREFIX}*`, arnFormat });
    this.hostingArns = {
      model: named('sagemaker', 'model'),
      endpointConfig: named('sagemaker', 'endpoint-config'),
      endpoint: named('sagemaker', 'endpoint'),
      alarm: named('cloudwatch', 'alarm', ArnFormat.COLON_RESOURCE_NAME),
    };

    this.table = createPlatformTable(this, 'Table', {
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      indexes: { [ModelDeployments.LISTING_INDEX]: dynamodb.ProjectionType.ALL },
    });
    this.executionRole = this.createExecutionRole(props);

    const createDeployment = this.addDeploymentFunction('CreateDeployment', props, {
      description: 'Creates a deployment: checks the image version, records it, and asks SageMaker for its model, endpoint config and endpoint.',
    });
    const updateDeployment = this.addDeploymentFunction('UpdateDeployment', props, {
      description: "Rolls a new version of a deployment's image out, or the one serving the alias it follows.",
    });
    const rollbackDeployment = this.addDeploymentFunction('RollbackDeployment', props, {
      description: 'Sends a deployment back to the version it served before, in one call.',
    });
    const deleteDeployment = this.addDeploymentFunction('DeleteDeployment', props, {
      description: "Deletes a deployment's endpoint and rollback alarms; AdvanceDeployments records it deleted once the endpoint is gone.",
    });
    const deploymentEvents = this.addDeploymentFunction('DeploymentEvents', props, {
      description: 'Follows registry alias moves: rolls the newly aliased version out on the deployments following the alias.',
      // Each following deployment is rolled out in turn, a few SageMaker calls each.
      timeout: Duration.minutes(2),
    });
    const advanceDeployments = this.addDeploymentFunction('AdvanceDeployments', props, {
      description: 'Steps every deployment in transit from SageMaker and its rollback alarms: rollouts completing, baking, rolling back, deletions.',
      // Ends before the next minute's run starts.
      timeout: Duration.seconds(55),
    });

    const reads = (fn: PlatformFunction) => {
      fn.bindTable(props.images.table, 'IMAGES_TABLE_NAME', ['GetItem'], [GSI1]);
      fn.bindTable(props.registryTable, 'REGISTRY_TABLE_NAME', ['GetItem']);
    };
    createDeployment.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['GetItem', 'PutItem']);
    reads(createDeployment);
    this.grantHosting(createDeployment, ['putAlarms', 'createRevision', 'createEndpoint', 'deleteRevision']);

    updateDeployment.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['GetItem', 'PutItem']);
    reads(updateDeployment);
    this.grantHosting(updateDeployment, ROLL_OUT);

    // A rollback serves an image it served before: it reads no image or alias.
    rollbackDeployment.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['GetItem', 'PutItem']);
    this.grantHosting(rollbackDeployment, ROLL_OUT);

    deleteDeployment.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['GetItem', 'PutItem']);
    this.grantHosting(deleteDeployment, ['deleteEndpoint', 'deleteAlarms']);

    deploymentEvents.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['GetItem', 'PutItem'], [GSI1]);
    reads(deploymentEvents);
    this.grantHosting(deploymentEvents, ROLL_OUT);

    advanceDeployments.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['PutItem'], [GSI1]);
    this.grantHosting(advanceDeployments, ['observe', 'updateEndpoint', 'deleteRevision']);

    const queryDeployments = this.addFunction('QueryDeployments', {
      description: "Answers deployment queries: a deployment, the deployments, a deployment's history and traffic.",
      // A traffic query reads up to 256 MB of capture.
      memorySize: 1024,
      timeout: Duration.minutes(1),
    });
    queryDeployments.bindTable(this.table, 'DEPLOYMENTS_TABLE_NAME', ['GetItem', 'Query'], [GSI1]);
    // Traffic: the deployments' capture (requests and callers) and SageMaker's endpoint metrics.
    queryDeployments.bindBucketPrefixes(props.monitoringBucket, 'MONITORING_BUCKET_NAME', { read: [CAPTURE_PREFIX], list: [CAPTURE_PREFIX] });
    queryDeployments.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    Validations.of(queryDeployments.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "X-Ray PutTraceSegments and PutTelemetryRecords, and CloudWatch GetMetricData (the endpoints' AWS/SageMaker metrics, for traffic), support no resource-level permissions.",
    });

    this.functions = {
      createDeployment,
      updateDeployment,
      rollbackDeployment,
      deleteDeployment,
      queryDeployments,
      deploymentEvents,
      advanceDeployments,
    };

    new events.Rule(this, 'AliasMoves', {
      eventBus: props.eventBus,
      description: 'Registry alias moves: deployments following the moved alias roll its new version out.',
      eventPattern: { source: [REGISTRY_EVENT_SOURCE], detailType: ['ModelAliasChanged'] },
      targets: [new targets.LambdaFunction(deploymentEvents)],
    });
    new events.Rule(this, 'ImagesReady', {
      eventBus: props.eventBus,
      description: 'Image versions built: deployments following an alias roll out the version serving it, once READY.',
      eventPattern: { source: [IMAGES_EVENT_SOURCE], detailType: ['ImageBuildStateChanged'], detail: { status: ['READY'] } },
      targets: [new targets.LambdaFunction(deploymentEvents)],
    });
    this.advanceSchedule = new events.Rule(this, 'AdvanceSchedule', {
      description: 'Steps every deployment in transit each minute: SageMaker rollouts, the platform bake on serverless, deletions.',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(advanceDeployments)],
    });

    this.alarms = this.createAlarms(props.alarmTopic);
    if (props.alarmTopic) this.notifyTrouble(props.eventBus, props.alarmTopic);
    this.dashboard = new DeploymentsDashboard(this, 'Dashboard', { functions: this.functions, alarms: this.alarms }).dashboard;
  }

  /** Lets `grantee` create, update, roll back and delete deployments (invoke the four functions). */
  grantDeploy(grantee: iam.IGrantable): iam.Grant {
    const { createDeployment, updateDeployment, rollbackDeployment, deleteDeployment } = this.functions;
    return [updateDeployment, rollbackDeployment, deleteDeployment].reduce(
      (grant, fn) => grant.combine(fn.grantInvoke(grantee)),
      createDeployment.grantInvoke(grantee),
    );
  }

  /** Lets `grantee` read deployments and their history (invoke `QueryDeployments`). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.functions.queryDeployments.grantInvoke(grantee);
  }

  /** The `AWS/SageMaker` metrics of a deployment's endpoint (its one variant), for alarms and graphs of one deployment. */
  endpointMetrics(deploymentName: string): EndpointMetricFactory {
    return new EndpointMetricFactory(sageMakerNames(deploymentName, 1).endpoint, VARIANT_NAME);
  }

  /** Requests a deployment's endpoint answered (`Invocations`, sum over 5 minutes). */
  metricInvocations(deploymentName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics(deploymentName).metricInvocations(props);
  }

  /** A deployment's model latency in microseconds (`ModelLatency`, p99 over 5 minutes). */
  metricModelLatencyP99(deploymentName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics(deploymentName).metricModelLatencyP99(props);
  }

  /** A deployment's requests answered 4XX or 5XX (`Invocation4XXErrors` / `Invocation5XXErrors`, sum over 5 minutes). */
  metricInvocationErrors(deploymentName: string, errorClass: '4XX' | '5XX', props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpointMetrics(deploymentName).metricInvocationErrors(errorClass, props);
  }

  /** Deployments whose step failed in an AdvanceDeployments run (`DeploymentStepsFailed`, sum; each run retries them). */
  metricStepsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return platformMetric({ service: 'AdvanceDeployments', metricName: PLATFORM_METRICS.deploymentStepsFailed, statistic: cloudwatch.Stats.SUM }, props);
  }

  /** A deployment function with what all but `QueryDeployments` share: the environment of the platform dependencies and the bus. */
  private addDeploymentFunction(id: string, props: ModelDeploymentsProps, functionProps: CapabilityFunctionProps): PlatformFunction {
    const fn = this.addFunction(id, functionProps);
    fn.bindEventBus(props.eventBus);
    // The functions name these to SageMaker only (the capture destination, the role it runs the containers with).
    fn.addEnvironment('MONITORING_BUCKET_NAME', props.monitoringBucket.bucketName);
    fn.addEnvironment('EXECUTION_ROLE_ARN', this.executionRole.roleArn);
    // Every function but a rollback's reads images and aliases; the variables are set for all, as one dependency set is built from them.
    fn.addEnvironment('IMAGES_TABLE_NAME', props.images.table.tableName);
    fn.addEnvironment('REGISTRY_TABLE_NAME', props.registryTable.tableName);
    return fn;
  }

  /**
   * Lets `fn` make the SageMaker and CloudWatch calls of `calls`, on the platform's resources only (`mlops-*`), and
   * pass the execution role to SageMaker if it creates models.
   */
  private grantHosting(fn: PlatformFunction, calls: readonly HostingCall[]): void {
    const actions = new Map<HostingResource, Set<string>>();
    for (const call of calls) {
      for (const [resource, resourceActions] of Object.entries(HOSTING_ACTIONS[call]) as [HostingResource, readonly string[]][]) {
        actions.set(resource, new Set([...(actions.get(resource) ?? []), ...resourceActions]));
      }
    }
    for (const [resource, resourceActions] of actions) {
      const arn = this.hostingArns[resource];
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...resourceActions].sort(), resources: [arn] }));
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceName(fn, arn)}]`,
        reason:
          resource === 'alarm'
            ? 'Each deployment has its own rollback alarms (mlops-<deployment>-5xx-rate, -latency-p99), made at its creation; their names are known only then.'
            : 'Each deployment has its own endpoint (mlops-<deployment>) and a model and endpoint config per revision (mlops-<deployment>-<revision>), made at runtime; their names are known only then.',
      });
    }
    if (calls.includes('createRevision')) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [this.executionRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
      );
    }
  }

  private createExecutionRole(props: ModelDeploymentsProps): iam.Role {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: "Runs the platform's deployments on SageMaker: pulls their images and model data, writes their logs, metrics and captured requests.",
    });
    const pulls = props.images.grantDeploy(role);
    grantUploadUnder(props.monitoringBucket, role, [CAPTURE_PREFIX]);
    const stack = Stack.of(this);
    const logGroups = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `/aws/sagemaker/Endpoints/${SAGEMAKER_NAME_PREFIX}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const logStreams = `${logGroups}:log-stream:*`;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'], resources: [logGroups] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreams] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': ENDPOINT_INSTANCE_METRICS_NAMESPACE } },
      }),
    );
    // SageMaker's auto-rollback reads the alarms an update names with the endpoint's execution role.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [this.hostingArns.alarm] }));

    const acknowledgements: [string, string][] = [
      [logGroups, "SageMaker writes each endpoint's logs to its own group, /aws/sagemaker/Endpoints/<endpoint>; endpoints are made at runtime."],
      [logStreams, 'SageMaker makes a log stream per variant and instance of an endpoint.'],
      [this.hostingArns.alarm, "Each deployment's rollback alarms (mlops-<deployment>-...) are made at runtime; SageMaker's auto-rollback reads them."],
      [
        props.monitoringBucket.arnForObjects(`${CAPTURE_PREFIX}*`),
        'Captured requests go to captured/<endpoint>/<variant>/<yyyy>/<mm>/<dd>/<hh>/, under endpoints made at runtime.',
      ],
      ['*', 'ecr:GetAuthorizationToken (pulling images) and cloudwatch:PutMetricData (held to the endpoint metrics namespace) support no resource.'],
    ];
    const imageResources = pulls.principalStatements.flatMap((statement) => statement.resources).filter((resource) => resource !== '*');
    for (const resource of imageResources.filter((arn) => arn.includes('*'))) {
      acknowledgements.push([
        resource,
        "Any of the platform's image versions may be deployed: their model data (images/<name>/<version>/model.tar.gz) and the repositories they come from.",
      ]);
    }
    for (const [resource, reason] of acknowledgements) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${resource === '*' ? 'Resource::*' : nagResourceName(this, resource)}]`, reason });
    }
    return role;
  }

  /** Tells `topic` of each deployment that fails or starts rolling back (the platform's bake or SageMaker's alarms, or asked), with why. */
  private notifyTrouble(bus: events.IEventBus, topic: sns.ITopic): void {
    const field = (path: string) => events.EventField.fromPath(`$.detail.${path}`);
    new events.Rule(this, 'FailuresAndRollbacks', {
      eventBus: bus,
      description: 'Deployments that fail or roll back, told to the alarm topic.',
      eventPattern: { source: [DEPLOYMENTS_EVENT_SOURCE], detailType: ['DeploymentStateChanged'], detail: { to: ['FAILED', 'ROLLING_BACK'] } },
      targets: [
        new targets.SnsTopic(topic, {
          message: events.RuleTargetInput.fromText(
            `Deployment ${field('name')} (revision ${field('revision')}, image ${field('image.name')} version ${field('image.version')}) went from ${field('from')} to ${field('to')}: ${field('reason')}`,
          ),
        }),
      ],
    });
  }

  private createAlarms(topic: sns.ITopic | undefined): cloudwatch.Alarm[] {
    const { advanceDeployments, deploymentEvents } = this.functions;
    const fiveMinutes = Duration.minutes(5);
    const alarms = [
      new cloudwatch.Alarm(this, 'AdvanceDeploymentsFailing', {
        alarmDescription:
          'AdvanceDeployments failed in 2 of the last 3 five-minute periods: deployments in transit are not stepped (rollouts and bakes unwatched, serverless rollbacks not made, deletions not recorded). See its logs.',
        metric: advanceDeployments.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'AdvanceDeploymentsStopped', {
        alarmDescription:
          'AdvanceDeployments did not run for 10 minutes (its schedule is disabled, or it is throttled): deployments in transit are not stepped.',
        metric: advanceDeployments.metricInvocations({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        // A function that is not invoked publishes nothing: silence is the failure.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DeploymentStepsFailing', {
        alarmDescription:
          "A deployment's step failed in 3 runs of AdvanceDeployments running (each run retries it): a call SageMaker or CloudWatch keeps refusing. See AdvanceDeployments' logs for the deployment and the error.",
        metric: this.metricStepsFailed({ period: Duration.minutes(1) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'DeploymentEventsFailing', {
        alarmDescription:
          'DeploymentEvents failed in the last five minutes: an alias move may not have been rolled out on the deployments following it. See its logs, then `mlops deploy update NAME`.',
        metric: deploymentEvents.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    if (topic) {
      for (const alarm of alarms) {
        alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
        alarm.addOkAction(new cloudwatchActions.SnsAction(topic));
      }
    }
    return alarms;
  }
}
