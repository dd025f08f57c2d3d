import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { STACK_OUTPUTS } from '../../../client/shared/catalogue';
import { discoverFunctions, discoverMonitoring } from '../../../client/shared/discovery';
import { ConfigurationError } from '../../../client/shared/errors';

const cloudFormation = new CloudFormationClient({ region: 'us-east-1' });
const stacks = mockClient(cloudFormation);

const stackWithOutputs = (outputs: Record<string, string>) => ({
  Stacks: [
    {
      StackName: 'MlopsPlatform',
      StackStatus: 'CREATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: [...Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })), { OutputKey: 'Other', OutputValue: 'x' }],
    },
  ],
});

beforeEach(() => {
  stacks.reset();
});

describe('discoverFunctions', () => {
  it('reads the function names and artifact bucket from the stack outputs', async () => {
    // Arrange
    stacks.on(DescribeStacksCommand, { StackName: 'MlopsPlatform' }).resolves(
      stackWithOutputs({
        [STACK_OUTPUTS.registerModelFunctionName]: 'register-fn',
        [STACK_OUTPUTS.setModelAliasFunctionName]: 'alias-fn',
        [STACK_OUTPUTS.queryRegistryFunctionName]: 'query-fn',
        [STACK_OUTPUTS.artifactBucketName]: 'artifacts-bucket',
      }),
    );

    // Act
    const discovered = await discoverFunctions({ stackName: 'MlopsPlatform', cloudFormation });

    // Assert
    expect(discovered).toEqual({
      functions: { registerModel: 'register-fn', setModelAlias: 'alias-fn', queryRegistry: 'query-fn' },
      artifactBucket: 'artifacts-bucket',
    });
  });

  it('fails naming the outputs the stack lacks', async () => {
    stacks.on(DescribeStacksCommand).resolves(stackWithOutputs({ [STACK_OUTPUTS.queryRegistryFunctionName]: 'query-fn' }));

    const failure = discoverFunctions({ stackName: 'MlopsPlatform', cloudFormation });

    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow('stack "MlopsPlatform" has no output RegisterModelFunctionName, SetModelAliasFunctionName, ArtifactBucketName');
  });

  it('fails saying so when the stack does not exist', async () => {
    const missing = new CloudFormationServiceException({
      name: 'ValidationError',
      $fault: 'client',
      $metadata: {},
      message: 'Stack with id Nope does not exist',
    });
    stacks.on(DescribeStacksCommand).rejects(missing);

    await expect(discoverFunctions({ stackName: 'Nope', cloudFormation })).rejects.toThrow('stack "Nope" does not exist in this account and region');
  });
});

describe('discoverMonitoring', () => {
  it('reads the monitoring functions and buckets from the stack outputs', async () => {
    // Arrange
    stacks.on(DescribeStacksCommand, { StackName: 'MlopsPlatform' }).resolves(
      stackWithOutputs({
        [STACK_OUTPUTS.collectDataFunctionName]: 'collect-fn',
        [STACK_OUTPUTS.registerBaselineFunctionName]: 'baseline-fn',
        [STACK_OUTPUTS.queryMonitoringFunctionName]: 'query-monitoring-fn',
        [STACK_OUTPUTS.createMonitorFunctionName]: 'create-monitor-fn',
        [STACK_OUTPUTS.deleteMonitorFunctionName]: 'delete-monitor-fn',
        [STACK_OUTPUTS.monitoringBucketName]: 'monitoring-bucket',
        [STACK_OUTPUTS.artifactBucketName]: 'artifacts-bucket',
      }),
    );

    // Act
    const discovered = await discoverMonitoring({ stackName: 'MlopsPlatform', cloudFormation });

    // Assert
    expect(discovered).toEqual({
      functions: {
        collectData: 'collect-fn',
        registerBaseline: 'baseline-fn',
        queryMonitoring: 'query-monitoring-fn',
        createMonitor: 'create-monitor-fn',
        deleteMonitor: 'delete-monitor-fn',
      },
      monitoringBucket: 'monitoring-bucket',
      artifactBucket: 'artifacts-bucket',
    });
  });

  it('fails naming the outputs a stack without monitoring lacks', async () => {
    stacks.on(DescribeStacksCommand).resolves(stackWithOutputs({ [STACK_OUTPUTS.artifactBucketName]: 'artifacts-bucket' }));

    const failure = discoverMonitoring({ stackName: 'MlopsPlatform', cloudFormation });

    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow(
      'stack "MlopsPlatform" has no output CollectDataFunctionName, RegisterBaselineFunctionName, QueryMonitoringFunctionName, CreateMonitorFunctionName, ' +
        'DeleteMonitorFunctionName, MonitoringBucketName: ' +
        'does it include model monitoring, fully deployed?',
    );
  });
});
