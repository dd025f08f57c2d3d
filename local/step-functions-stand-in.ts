import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitSigned, sendError, serveOnLoopback, toAwsJson } from './aws-listener';
import type { LocalCredentials } from './sigv4-verifier';

/**
 * Step Functions on this machine (`AWS_ENDPOINT_URL_SFN` of the local functions), which moto does not serve: the
 * JSON protocol's `StartExecution` runs the state machine's local runner (the drift check's is `driftCheckRunner`)
 * with the execution's input in the background, and `DescribeExecution` tells how it went. Names are Step
 * Functions' idempotency: a running execution started again with the same input is answered with itself; any other
 * start of a name in use is `ExecutionAlreadyExists`. Guarded as the other local listeners: loopback only, a foreign
 * Host or Origin refused, SigV4 (service `states`) required.
 */

/** Runs one execution to its end: its output, or a rejection (the execution fails with it). */
export type StateMachineRunner = (input: unknown) => Promise<unknown>;

export interface StepFunctionsStandInOptions {
  /** The state machines served, by ARN (`stateMachineArn` of provision-from-template). */
  readonly stateMachines: ReadonlyMap<string, StateMachineRunner>;
  /** The credentials whose signed requests are served: the functions' (moto's) and the descriptor's. */
  readonly credentials: readonly LocalCredentials[];
  /** @default - a free port on 127.0.0.1 */
  readonly port?: number;
  /** One line per execution ended. @default - none */
  readonly log?: (line: string) => void;
}

export interface StepFunctionsStandIn {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Stops listening, then waits for the executions still running. */
  stop(): Promise<void>;
}

interface Execution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
}

/** Step Functions' limit on an execution's input. */
const MAX_BODY_BYTES = 1024 * 1024;
/** What Step Functions refuses in a name: white space, brackets, wildcards, these special characters, control characters. */
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

class StepFunctionsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startStepFunctionsStandIn(options: StepFunctionsStandInOptions): Promise<StepFunctionsStandIn> {
  const executions = new Map<string, Execution>();
  const running = new Set<Promise<void>>();

  const run = (execution: Execution, runner: StateMachineRunner) => {
    // A runner that throws at once fails its execution too, rather than the StartExecution that started it.
    const done = Promise.resolve(execution.input)
      .then((input) => runner(JSON.parse(input)))
      .then(
        (output) => {
          Object.assign(execution, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) });
          options.log?.(`execution ${execution.executionArn} succeeded`);
        },
        (error: Error) => {
          Object.assign(execution, { status: 'FAILED', error: error.name, cause: error.message });
          options.log?.(`execution ${execution.executionArn} failed: ${error.message}`);
        },
      );
    const settled = done.finally(() => {
      execution.stopDate = new Date();
      running.delete(settled);
    });
    running.add(settled);
  };

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    StartExecution: ({ stateMachineArn, name = randomUUID(), input = '{}' }) => {
      const runner = options.stateMachines.get(String(stateMachineArn));
      if (!runner) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      if (typeof name !== 'string' || name.length === 0 || name.length > 80 || INVALID_NAME.test(name)) {
        throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
      }
      if (typeof input !== 'string' || !isJson(input)) throw new StepFunctionsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
      const executionArn = `${String(stateMachineArn).replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = executions.get(executionArn);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
        throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const execution: Execution = { executionArn, stateMachineArn: String(stateMachineArn), name, input, startDate: new Date(), status: 'RUNNING' };
      executions.set(executionArn, execution);
      run(execution, runner);
      return { executionArn, startDate: execution.startDate };
    },
    DescribeExecution: ({ executionArn }) => {
      const execution = executions.get(String(executionArn));
      if (!execution) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
      return execution;
    },
  };

  return serveOnLoopback(
    { port: options.port, name: 'local Step Functions endpoint', errorType: 'InternalFailure', settle: () => Promise.all([...running]) },
    (request, response, port) => serve(request, response, port, options.credentials, actions),
  );
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  port: number,
  credentials: readonly LocalCredentials[],
  actions: Record<string, (input: Record<string, unknown>) => unknown>,
): Promise<void> {
  response.setHeader('x-amzn-RequestId', randomUUID());
  const admitted = await admitSigned(request, port, credentials, 'states', MAX_BODY_BYTES);
  if ('refusal' in admitted) return sendError(response, admitted.status, admitted.refusal.type, { message: admitted.refusal.message });
  const target = String(request.headers['x-amz-target'] ?? '');
  const name = target.replace(/^AWSStepFunctions\./, '');
  const action = name !== target && Object.hasOwn(actions, name) ? actions[name] : undefined;
  if (!action) {
    return sendError(response, 400, 'UnknownOperationException', {
      message: `the local Step Functions serves StartExecution and DescribeExecution, not ${target}`,
    });
  }
  let input: Record<string, unknown>;
  try {
    input = admitted.body.length === 0 ? {} : JSON.parse(admitted.body.toString('utf8'));
  } catch {
    return sendError(response, 400, 'SerializationException', { message: 'the request body is not JSON' });
  }
  try {
    const output = toAwsJson(action(input));
    response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' }).end(output);
  } catch (error) {
    if (!(error instanceof StepFunctionsError)) throw error;
    sendError(response, 400, error.type, { __type: error.type, message: error.message });
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
