import * as z from 'zod/mini';
import { DynamoImageStore } from '../../images/adapters/dynamo-image-store';
import { MONITORING_PREFIXES } from '../../monitoring/core/monitoring-names';
import { RegistryModelVersions } from '../../registry/adapters/registry-model-versions';
import { cloudWatchClient, documentClient, eventBridgeClient, sageMakerClient } from '../../shared/aws-clients';
import { systemClock } from '../../shared/clock';
import { readEnvironment, required } from '../../shared/environment';
import type { AdvanceDeploymentsDependencies } from '../core/advance-deployments';
import { CloudWatchRollbackAlarms } from './cloudwatch-rollback-alarms';
import { DynamoDeploymentStore } from './dynamo-deployment-store';
import { EventBridgeDeploymentEvents } from './eventbridge-deployment-events';
import { SageMakerEndpointWatcher } from './sagemaker-endpoint-watcher';
import { SageMakerDeploymentHosting } from './sagemaker-hosting';

/** The monitoring bucket's folder deployments capture requests under (`captured/<endpoint>/<variant>/yyyy/mm/dd/hh/`), as the monitors read it. */
const CAPTURE_FOLDER = MONITORING_PREFIXES.captured.replace(/\/$/, '');

/** What `ModelDeployments` gives every deployment function but QueryDeployments. */
const DeploymentsEnvironment = z.object({
  DEPLOYMENTS_TABLE_NAME: required(),
  IMAGES_TABLE_NAME: required(),
  REGISTRY_TABLE_NAME: required(),
  EVENT_BUS_NAME: required(),
  MONITORING_BUCKET_NAME: required(),
  /** The role SageMaker runs the endpoints' containers with. */
  EXECUTION_ROLE_ARN: required(),
});

/**
 * The adapters every deployment use case runs on, from the function's environment, built once per container.
 * Building an adapter sends nothing: each function sends only the calls its use case makes.
 */
export function platformDependencies(): AdvanceDeploymentsDependencies {
  const env = readEnvironment(DeploymentsEnvironment);
  const db = documentClient();
  const sageMaker = sageMakerClient();
  const cloudWatch = cloudWatchClient();
  return {
    store: new DynamoDeploymentStore(db, env.DEPLOYMENTS_TABLE_NAME),
    images: new DynamoImageStore(db, env.IMAGES_TABLE_NAME),
    aliases: new RegistryModelVersions(db, env.REGISTRY_TABLE_NAME),
    hosting: new SageMakerDeploymentHosting(sageMaker, {
      executionRoleArn: env.EXECUTION_ROLE_ARN,
      captureUri: `s3://${env.MONITORING_BUCKET_NAME}/${CAPTURE_FOLDER}`,
    }),
    alarms: new CloudWatchRollbackAlarms(cloudWatch),
    events: new EventBridgeDeploymentEvents(eventBridgeClient(), env.EVENT_BUS_NAME),
    watcher: new SageMakerEndpointWatcher(sageMaker, cloudWatch),
    clock: systemClock,
  };
}
