import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { MONITORING_PREFIXES } from '../../lambda/monitoring/core/monitoring-names';
import { nagResourceName } from '../shared/nag';

export interface DriftCheckWorkflowProps {
  /** Plans a check (`phase: 'plan'`) and finishes a fanned-out one (`phase: 'finish'`). */
  readonly checkDrift: lambda.IFunction;
  /** Sketches one chunk of a fanned-out check's capture files. */
  readonly sketchCaptureChunk: lambda.IFunction;
  /** Where `CheckDrift` writes the manifest of a fanned-out check's chunks. */
  readonly monitoringBucket: s3.IBucket;
  /** How many chunks are sketched at once. */
  readonly fanOutConcurrency: number;
  /** What happens to the execution logs when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The manifest reader of the fan-out. The stock `S3JsonItemReader` grants `s3:GetObject` on every
 * object of its bucket; manifests are only ever under `checks/`.
 */
class CheckManifestReader extends sfn.S3JsonItemReader {
  constructor(private readonly monitoringBucket: s3.IBucket) {
    super({ bucket: monitoringBucket, key: sfn.JsonPath.stringAt('$.manifestKey') });
  }

  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.monitoringBucket.arnForObjects(`${MONITORING_PREFIXES.checks}*`)] })];
  }
}

/**
 * One drift check, started by each monitor's schedule with `{ config, windowEnd }`: `CheckDrift`
 * plans it and checks a small window at once; a large window is fanned out over a Distributed
 * Map that sketches its chunks in parallel, then `CheckDrift` merges the sketches and checks.
 */
export class DriftCheckWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: DriftCheckWorkflowProps) {
    super(scope, id);
    const plan = this.invoke('Plan', props.checkDrift, {
      payload: sfn.TaskInput.fromObject({ phase: 'plan', config: sfn.JsonPath.objectAt('$.config'), windowEnd: sfn.JsonPath.stringAt('$.windowEnd') }),
      outputPath: '$.Payload',
    });
    const sketchChunk = this.invoke('SketchChunk', props.sketchCaptureChunk, {
      // The chunk's sketch goes to S3; each child's output is `{}`, so the Map's gathered results stay small.
      outputPath: sfn.JsonPath.DISCARD,
    });
    const sketchChunks = new sfn.DistributedMap(this, 'SketchChunks', {
      itemReader: new CheckManifestReader(props.monitoringBucket),
      itemSelector: {
        config: sfn.JsonPath.objectAt('$.config'),
        checkId: sfn.JsonPath.stringAt('$.checkId'),
        chunk: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
      },
      maxConcurrency: props.fanOutConcurrency,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(sketchChunk);
    const finish = this.invoke('Finish', props.checkDrift, {
      payload: sfn.TaskInput.fromObject({ phase: 'finish', config: sfn.JsonPath.objectAt('$.config'), checkId: sfn.JsonPath.stringAt('$.checkId') }),
      outputPath: '$.Payload',
    });
    const definition = plan.next(
      new sfn.Choice(this, 'FanOut')
        .when(sfn.Condition.stringEquals('$.status', 'fanOut'), sketchChunks.next(finish))
        .otherwise(new sfn.Succeed(this, 'Checked')),
    );

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: props.removalPolicy });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'Checks one window of a monitor for drift: at once, or fanned out over the chunks of its capture files.',
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    props.monitoringBucket.encryptionKey?.grantDecrypt(this.stateMachine);
    this.acknowledgeWildcards(props);
  }

  private invoke(id: string, fn: lambda.IFunction, props: Omit<tasks.LambdaInvokeProps, 'lambdaFunction'>): sfn.TaskStateBase {
    // LambdaInvoke retries Lambda's service errors by default; throttles are likely at the fan-out's peak.
    return new tasks.LambdaInvoke(this, id, { lambdaFunction: fn, ...props }).addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
  }

  private acknowledgeWildcards(props: DriftCheckWorkflowProps): void {
    const role = this.stateMachine.role;
    const acknowledge = (resource: string, reason: string) => Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${resource}]`, reason });
    for (const fn of [props.checkDrift, props.sketchCaptureChunk]) {
      acknowledge(
        `${nagResourceName(this, fn.functionArn)}:*`,
        "LambdaInvoke grants the function's versions and aliases too; the state machine invokes only this function.",
      );
    }
    acknowledge(
      nagResourceName(this, props.monitoringBucket.arnForObjects(`${MONITORING_PREFIXES.checks}*`)),
      'The Distributed Map reads the manifest of a fanned-out check, under checks/ only.',
    );
    acknowledge(
      'Resource::*',
      'X-Ray tracing and CloudWatch Logs delivery (logs:*LogDelivery, logs:DescribeLogGroups, ...) support no resource-level permissions.',
    );

    // The Distributed Map runs its iterations as child executions of this state machine.
    const mapPolicy = this.stateMachine.node.tryFindChild('DistributedMapPolicy') as iam.Policy | undefined;
    if (!mapPolicy) return;
    const statements = Stack.of(this).resolve(mapPolicy.document.toJSON()).Statement as { Resource: unknown }[];
    for (const resource of statements.flatMap((statement) => [statement.Resource].flat())) {
      Validations.of(mapPolicy).acknowledge({
        id: `AwsSolutions-IAM5[${nagResourceName(this, resource as string)}]`,
        reason: 'The Distributed Map starts, describes and stops the child executions of its own state machine, whose names are not known in advance.',
      });
    }
  }
}
