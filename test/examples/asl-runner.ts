import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Runs a Step Functions definition made of `lambda:invoke` Tasks and Fail/Succeed states against a
 * Lambda endpoint, as Step Functions would pass data between them: `Parameters` (with `.$` keys),
 * `ResultSelector`, `ResultPath`, `Catch` by error name, `Next`/`End`. Paths are the plain `$.a.b`
 * kind only; `Retry`, timeouts and every other state type are not run here (only AWS runs them).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface TaskState {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters: { readonly FunctionName: string; readonly Payload?: Json; readonly 'Payload.$'?: string };
  readonly ResultSelector?: Record<string, Json>;
  readonly ResultPath?: string;
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly ResultPath?: string; readonly Next: string }[];
  readonly Next?: string;
  readonly End?: boolean;
}

type State = TaskState | { readonly Type: 'Fail'; readonly Error: string; readonly Cause?: string } | { readonly Type: 'Succeed' };

export interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}

export interface Execution {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The states entered, in order. */
  readonly path: readonly string[];
  readonly output: Json;
  readonly error?: string;
}

/** The value at a `$` or `$.a.b` path; a missing field fails, as it does in Step Functions (States.Runtime). */
export function valueAt(data: Json, path: string): Json {
  if (!/^\$(\.[A-Za-z0-9_]+)*$/.test(path)) throw new Error(`path ${path}: only $.a.b paths are run locally`);
  return path
    .split('.')
    .slice(1)
    .reduce<Json>((value, key) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !(key in value)) throw new Error(`States.Runtime: no ${key} in ${path}`);
      return value[key];
    }, data);
}

/** A `Parameters`/`ResultSelector` template with its `.$` keys replaced by the values at their paths. */
export function fillTemplate(template: Json, data: Json): Json {
  if (template === null || typeof template !== 'object') return template;
  if (Array.isArray(template)) return template.map((item) => fillTemplate(item, data));
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), valueAt(data, value as string)] : [key, fillTemplate(value, data)],
    ),
  );
}

/** `input` with `result` placed at `resultPath` (`$` or absent: the result replaces the input). */
function withResult(input: Json, resultPath: string | undefined, result: Json): Json {
  if (resultPath === undefined || resultPath === '$') return result;
  if (!/^\$(\.[A-Za-z0-9_]+)+$/.test(resultPath)) throw new Error(`ResultPath ${resultPath}: only $.a.b paths are run locally`);
  const keys = resultPath.split('.').slice(1);
  const output = structuredClone(input) as { [key: string]: Json };
  let target = output;
  for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as { [key: string]: Json };
  target[keys[keys.length - 1]] = result;
  return output;
}

class TaskFailed extends Error {
  constructor(
    readonly errorType: string,
    readonly errorCause: string,
  ) {
    super(`${errorType}: ${errorCause}`);
  }
}

/**
 * Runs `definition` on `input`. `functionNames` maps each `${Substitution}` in a Task's
 * `FunctionName` to the function to invoke, as `DefinitionSubstitutions` does when deployed.
 */
export async function runStateMachine(
  definition: StateMachineDefinition,
  input: Json,
  lambda: LambdaClient,
  functionNames: Record<string, string>,
): Promise<Execution> {
  const path: string[] = [];
  let data = input;
  let name: string | undefined = definition.StartAt;
  while (name !== undefined) {
    path.push(name);
    const state: State = definition.States[name];
    if (state.Type === 'Fail') return { status: 'FAILED', path, output: data, error: state.Error };
    if (state.Type === 'Succeed') return { status: 'SUCCEEDED', path, output: data };
    if (state.Resource !== 'arn:aws:states:::lambda:invoke') throw new Error(`${name}: only lambda:invoke Tasks are run locally`);
    try {
      const payload =
        state.Parameters['Payload.$'] !== undefined ? valueAt(data, state.Parameters['Payload.$']) : fillTemplate(state.Parameters.Payload ?? null, data);
      const result = { Payload: await invoke(lambda, substitute(state.Parameters.FunctionName, functionNames), payload), StatusCode: 200 };
      data = withResult(data, state.ResultPath, state.ResultSelector ? fillTemplate(state.ResultSelector, result) : result);
      name = state.End ? undefined : state.Next;
    } catch (error) {
      if (!(error instanceof TaskFailed)) throw error;
      const handler = state.Catch?.find((each) => each.ErrorEquals.includes(error.errorType) || each.ErrorEquals.includes('States.ALL'));
      if (!handler) return { status: 'FAILED', path, output: data, error: error.errorType };
      data = withResult(data, handler.ResultPath, { Error: error.errorType, Cause: error.errorCause });
      name = handler.Next;
    }
  }
  return { status: 'SUCCEEDED', path, output: data };
}

function substitute(functionName: string, functionNames: Record<string, string>): string {
  return functionName.replace(/\$\{(\w+)\}/g, (_, key: string) => {
    if (!functionNames[key]) throw new Error(`no function for the substitution \${${key}}`);
    return functionNames[key];
  });
}

/** Invokes a function; a function error becomes a failure named by its `errorType`, as Step Functions names it. */
async function invoke(lambda: LambdaClient, functionName: string, payload: Json): Promise<Json> {
  const response = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }));
  const body = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8') || 'null') as Json;
  if (response.FunctionError) {
    const { errorType, errorMessage } = body as { errorType: string; errorMessage: string };
    throw new TaskFailed(errorType, JSON.stringify({ errorType, errorMessage }));
  }
  return body;
}
