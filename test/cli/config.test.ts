import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { STACK_OUTPUTS } from '../../client/shared/catalogue';
import { fraudModel } from './fixtures';
import { cliHarness } from './harness';

const cli = cliHarness();

const stackOutputs = {
  Stacks: [
    {
      StackName: 'Platform',
      StackStatus: 'UPDATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: [
        { OutputKey: STACK_OUTPUTS.registerModelFunctionName, OutputValue: 'stack-register-fn' },
        { OutputKey: STACK_OUTPUTS.setModelAliasFunctionName, OutputValue: 'stack-alias-fn' },
        { OutputKey: STACK_OUTPUTS.queryRegistryFunctionName, OutputValue: 'stack-query-fn' },
        { OutputKey: STACK_OUTPUTS.artifactBucketName, OutputValue: 'stack-artifacts' },
      ],
    },
  ],
};

beforeEach(() => {
  cli.reset();
  cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackOutputs);
  cli.answer('stack-query-fn', () => ({ items: [fraudModel] }));
  cli.answer('explicit-query-fn', () => ({ items: [fraudModel] }));
});

const describedStacks = () => cli.mocks.cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName);

describe('mlops connection settings', () => {
  it('discovers the functions from the MlopsPlatform stack when none are given', async () => {
    const { code } = await cli.run(['model', 'list'], { env: {} });

    expect(code).toBe(0);
    expect(describedStacks()).toEqual(['MlopsPlatform']);
    expect(cli.mocks.lambda.calls()[0].args[0].input).toMatchObject({ FunctionName: 'stack-query-fn' });
  });

  it('discovers from the stack named by MLOPS_STACK, or by --stack over it', async () => {
    await cli.run(['model', 'list'], { env: { MLOPS_STACK: 'FromEnv' } });
    await cli.run(['--stack', 'FromFlag', 'model', 'list'], { env: { MLOPS_STACK: 'FromEnv' } });

    expect(describedStacks()).toEqual(['FromEnv', 'FromFlag']);
  });

  it('reads no stack when the command’s function is given by flag', async () => {
    const { code } = await cli.run(['--query-function', 'explicit-query-fn', 'model', 'list'], { env: {} });

    expect(code).toBe(0);
    expect(describedStacks()).toEqual([]);
    expect(cli.mocks.lambda.calls()[0].args[0].input).toMatchObject({ FunctionName: 'explicit-query-fn' });
  });

  it('prefers the flag over the environment variable', async () => {
    await cli.run(['--query-function', 'explicit-query-fn', 'model', 'list'], { env: { MLOPS_QUERY_FUNCTION: 'stack-query-fn' } });

    expect(cli.mocks.lambda.calls()[0].args[0].input).toMatchObject({ FunctionName: 'explicit-query-fn' });
  });

  it('builds the AWS clients for the --region given', async () => {
    await cli.run(['--region', 'eu-west-1', 'model', 'list'], { env: {} });

    expect(cli.regions).toEqual(['eu-west-1']);
  });

  it('fails with exit code 1 naming the stack when it has no registry outputs', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...stackOutputs.Stacks[0], Outputs: [] }] });

    const { code, stderr } = await cli.run(['model', 'list'], { env: {} });

    expect(code).toBe(1);
    expect(stderr).toMatch(/^error \(ConfigurationError\): stack "MlopsPlatform" has no output RegisterModelFunctionName, /);
  });
});

describe('mlops usage', () => {
  it('prints help on stdout with exit code 0 for --help', async () => {
    const { code, stdout } = await cli.run(['model', '--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: mlops model');
    expect(stdout).toMatch(/alias\s+move a model's aliases/);
  });

  it('fails with exit code 2 on an unknown command', async () => {
    const { code, stderr } = await cli.run(['model', 'delete', 'fraud']);

    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'delete'");
  });

  it('fails with exit code 2 when no command is given', async () => {
    const { code, stderr } = await cli.run([]);

    expect(code).toBe(2);
    expect(stderr).toContain('Usage: mlops');
  });
});
