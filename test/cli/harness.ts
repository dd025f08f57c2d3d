import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type InvokeCommandInput, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import type { CliContext, Terminal } from '../../cli/context';
import { runCli } from '../../cli/run';
import { functionError, functionResult, sentPayload } from '../client/shared/lambda-responses';

/** A terminal that keeps what was written. */
export class BufferTerminal implements Terminal {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
  ) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** The functions named through the environment, so no stack discovery happens unless a test wants it. */
export const EXPLICIT_ENV = {
  MLOPS_REGISTER_FUNCTION: 'register-fn',
  MLOPS_ALIAS_FUNCTION: 'alias-fn',
  MLOPS_QUERY_FUNCTION: 'query-fn',
  MLOPS_ARTIFACT_BUCKET: 'artifacts-bucket',
  MLOPS_ACTOR: 'ana@laptop',
};

interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly stderrTTY?: boolean;
  readonly stdoutTTY?: boolean;
  /** The width of stdout. @default 100 */
  readonly columns?: number;
  /** Replaces parts of the context: the child processes, signals and clock `run` commands use. */
  readonly context?: Partial<Pick<CliContext, 'processes' | 'clock'>>;
}

type Answer = unknown | { readonly errorType: string; readonly errorMessage: string };
type Handler = (payload: Record<string, unknown>) => Answer;

/**
 * Runs `mlops` in-process against mocked Lambda, S3 and CloudFormation clients. Registry functions
 * answer through `answer(functionName, handler)`; a handler returning `{ errorType, errorMessage }`
 * makes the function fail with that error.
 */
export function cliHarness() {
  const clients = {
    lambda: new LambdaClient({ region: 'us-east-1' }),
    s3: new S3Client({ region: 'us-east-1' }),
    cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
    sageMakerRuntime: new SageMakerRuntimeClient({ region: 'us-east-1' }),
  };
  const mocks = {
    lambda: mockClient(clients.lambda),
    s3: mockClient(clients.s3),
    cloudFormation: mockClient(clients.cloudFormation),
    sageMakerRuntime: mockClient(clients.sageMakerRuntime),
  };
  const handlers = new Map<string, Handler>();
  const regions: (string | undefined)[] = [];

  const reset = () => {
    Object.values(mocks).forEach((mock) => mock.reset());
    handlers.clear();
    regions.length = 0;
    mocks.lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => {
      const handler = handlers.get(input.FunctionName ?? '');
      if (!handler) throw new Error(`no handler for function ${input.FunctionName}`);
      const answer = handler(sentPayload(input) as Record<string, unknown>) as { errorType?: unknown; errorMessage?: unknown };
      if (answer && typeof answer.errorType === 'string') return functionError(answer.errorType, String(answer.errorMessage));
      return functionResult(answer);
    });
  };

  const answer = (functionName: string, handler: Handler) => handlers.set(functionName, handler);

  /** Answers the query function by query type. */
  const answerQueries = (byQuery: Record<string, Handler>) =>
    answer('query-fn', (payload) => {
      const handler = byQuery[payload.query as string];
      if (!handler) throw new Error(`unexpected query ${String(payload.query)}`);
      return handler(payload);
    });

  const invocations = (functionName?: string) =>
    mocks.lambda
      .commandCalls(InvokeCommand)
      .map((call) => call.args[0].input)
      .filter((input) => functionName === undefined || input.FunctionName === functionName)
      .map((input) => sentPayload(input) as Record<string, unknown>);

  async function run(argv: string[], options: RunOptions = {}) {
    const stdout = new BufferTerminal(options.stdoutTTY ?? false, options.columns ?? 100);
    const stderr = new BufferTerminal(options.stderrTTY ?? false, 80);
    const context: CliContext = {
      stdout,
      stderr,
      env: options.env ?? EXPLICIT_ENV,
      awsClients: (region) => {
        regions.push(region);
        return { ...clients, sageMakerRuntime: () => clients.sageMakerRuntime };
      },
      defaultActor: () => 'osuser@host',
      ...options.context,
    };
    const code = await runCli(argv, context);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  return { mocks, reset, answer, answerQueries, invocations, run, regions };
}
