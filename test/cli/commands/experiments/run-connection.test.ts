import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { STACK_OUTPUTS } from '../../../../client/shared/catalogue';
import { cliHarness } from '../../harness';
import { RUN_A, runRecord } from './run-fixtures';

const cli = cliHarness();

const trackingOutputs = {
  [STACK_OUTPUTS.startRunFunctionName]: 'stack-start-run',
  [STACK_OUTPUTS.logMetricsFunctionName]: 'stack-log-metrics',
  [STACK_OUTPUTS.endRunFunctionName]: 'stack-end-run',
  [STACK_OUTPUTS.queryRunsFunctionName]: 'stack-query-runs',
  [STACK_OUTPUTS.sweepRunsFunctionName]: 'stack-sweep-runs',
};

const stackWith = (outputs: Record<string, string>) => ({
  Stacks: [
    {
      StackName: 'MlopsPlatform',
      StackStatus: 'UPDATE_COMPLETE' as const,
      CreationTime: new Date(),
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

const describedStacks = () => cli.mocks.cloudFormation.commandCalls(DescribeStacksCommand).map((call) => call.args[0].input.StackName);
const invokedFunctions = () => cli.mocks.lambda.calls().map((call) => (call.args[0].input as { FunctionName?: string }).FunctionName);

beforeEach(() => {
  cli.reset();
  cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackWith(trackingOutputs));
  for (const name of ['stack-query-runs', 'explicit-query-runs']) cli.answer(name, () => runRecord({ status: 'COMPLETED' }));
  cli.answer('stack-sweep-runs', () => ({ crashed: [], running: 0 }));
});

describe('mlops run connection settings', () => {
  it('discovers the tracking functions from the stack outputs when none are given', async () => {
    const { code } = await cli.run(['run', 'show', RUN_A], { env: {} });
    await cli.run(['--stack', 'Other', 'run', 'sweep'], { env: {} });

    expect(code).toBe(0);
    expect(describedStacks()).toEqual(['MlopsPlatform', 'Other']);
    expect(invokedFunctions()).toEqual(['stack-query-runs', 'stack-sweep-runs']);
  });

  it('reads no stack when the function is given by flag, and prefers the flag over the environment variable', async () => {
    const { code } = await cli.run(['--query-runs-function', 'explicit-query-runs', 'run', 'show', RUN_A], {
      env: { MLOPS_QUERY_RUNS_FUNCTION: 'stack-query-runs' },
    });

    expect(code).toBe(0);
    expect(describedStacks()).toEqual([]);
    expect(invokedFunctions()).toEqual(['explicit-query-runs']);
  });

  it('fails with exit code 1 naming the outputs a stack without experiment tracking lacks', async () => {
    cli.mocks.cloudFormation.on(DescribeStacksCommand).resolves(stackWith({ [STACK_OUTPUTS.queryRegistryFunctionName]: 'query-fn' }));

    const { code, stderr } = await cli.run(['run', 'sweep'], { env: {} });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'error (ConfigurationError): stack "MlopsPlatform" has no output StartRunFunctionName, LogMetricsFunctionName, EndRunFunctionName, ' +
        'QueryRunsFunctionName, SweepRunsFunctionName: does it include experiment tracking, fully deployed?\n',
    );
  });

  it('fails with exit code 1 saying how to start the local platform when --local finds none', async () => {
    const { code, stderr } = await cli.run(['run', 'sweep'], { env: { MLOPS_LOCAL: '/nonexistent/platform.json' } });

    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: no local platform described at \/nonexistent\/platform.json .*start one with npm run local\n$/);
    expect(invokedFunctions()).toEqual([]);
  });
});
