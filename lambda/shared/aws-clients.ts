import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients, created once per container. Endpoints come from the SDK's own variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, ...), which is how local mode points them at emulators;
 * emulators on loopback also need path-style S3 addressing.
 */
export const documentClient = () => DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });

export const s3Client = () => new S3Client({ forcePathStyle: process.env.MLOPS_S3_FORCE_PATH_STYLE === 'true' });

export const eventBridgeClient = () => new EventBridgeClient({});

export const cloudWatchClient = () => new CloudWatchClient({});

export const ecrClient = () => new ECRClient({});

export const codeBuildClient = () => new CodeBuildClient({});

export const sageMakerClient = () => new SageMakerClient({});

export const stepFunctionsClient = () => new SFNClient({});
