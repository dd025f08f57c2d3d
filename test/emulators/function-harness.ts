import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { ErrorType } from '../../lambda/shared/errors';
import { toRuntimeError } from '../../local/function-worker';
import { type CloudFormationTemplate, functionEnvironment } from '../../local/provision-from-template';

/**
 * What the capability fixtures (`registry-fixture.ts`, `tracking-fixture.ts`) share: the stack's
 * real handlers loaded in the test file's process, each as its own Lambda function would start
 * (its own module registry, the environment the template gives it with the local resource names),
 * and invoked as the Lambda service invokes them.
 */

/** What the Lambda service hands a synchronous caller: the function's result, or its error. */
export type Invocation<R> = { readonly result: R } | InvocationError;

export interface InvocationError {
  readonly errorType: ErrorType;
  readonly errorMessage: string;
  /** The error's stack as lines, as Lambda reports it. */
  readonly trace: readonly string[];
}

/** One of the stack's functions: how the template names it, and where its handler module is. */
export interface FunctionSource {
  /** Its `POWERTOOLS_SERVICE_NAME` in the template (`RegisterModel`, `LogMetrics`, ...). */
  readonly service: string;
  /** The handler module, relative to `lambda/` and without extension (`registry/handlers/register-model`). */
  readonly handler: string;
}

export interface LoadFunctionsOptions<N extends string> {
  /**
   * Variables set on top of a function's template environment (a shorter crash timeout, an endpoint
   * through a recording proxy).
   * @default - none
   */
  readonly overrides?: Partial<Record<N, Record<string, string>>>;
}

export interface LoadedFunctions<N extends string> {
  /** The environment each function read at its cold start. */
  readonly environments: Readonly<Record<N, Readonly<Record<string, string>>>>;
  /** Calls a handler as the Lambda service would: the payload and result go through JSON, errors come back as `errorType`/`errorMessage`/`trace`. */
  invoke<R>(name: N, payload: unknown): Promise<Invocation<R>>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type FunctionResource = { Type: string; Properties?: { Environment?: { Variables?: Record<string, unknown> }; Timeout?: number; MemorySize?: number } };

const LAMBDA_ROOT = path.join(__dirname, '..', '..', 'lambda');

/** Test settings every handler gets besides its template environment. */
function testSettings(): Record<string, string> {
  return {
    // Quiet by default; set POWERTOOLS_LOG_LEVEL=DEBUG (or INFO) to see the handlers' logs.
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

/** The logical id of the function whose template environment names `service`. */
export function functionLogicalId(template: CloudFormationTemplate, service: string): string {
  const matches = Object.entries(template.Resources as Record<string, FunctionResource>)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service)
    .map(([logicalId]) => logicalId);
  if (matches.length !== 1) throw new Error(`expected one function with POWERTOOLS_SERVICE_NAME ${service} in the template, found ${matches.length}`);
  return matches[0];
}

/**
 * The part of `template` that `services` need: the tables, buckets and buses their environments
 * refer to, for `provisionFromTemplate`.
 */
export function resourcesOf(template: CloudFormationTemplate, services: readonly string[]): CloudFormationTemplate {
  const referenced = new Set(
    services.flatMap((service) =>
      Object.values((template.Resources[functionLogicalId(template, service)] as FunctionResource).Properties?.Environment?.Variables ?? {}).flatMap(
        referencesIn,
      ),
    ),
  );
  return { Resources: Object.fromEntries(Object.entries(template.Resources).filter(([logicalId]) => referenced.has(logicalId))) };
}

/** The logical ids a value refers to, through `Ref` and `Fn::GetAtt` at any depth. */
function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value === null || typeof value !== 'object') return [];
  const intrinsic = value as Record<string, unknown>;
  if (typeof intrinsic.Ref === 'string') return [intrinsic.Ref];
  if (Array.isArray(intrinsic['Fn::GetAtt'])) return [intrinsic['Fn::GetAtt'][0] as string];
  return Object.values(intrinsic).flatMap(referencesIn);
}

/**
 * Loads each function's handler in a module registry of its own, with `process.env` set to the
 * test file's environment (minus every variable the template gives any function) plus that
 * function's template environment, as its cold start would see it. Afterwards every function's
 * variables stay set (jest gives each test file its own `process.env`), because SDK clients read
 * some settings, such as endpoints, at request time.
 */
export function loadFunctions<N extends string>(
  template: CloudFormationTemplate,
  names: Map<string, string>,
  sources: Readonly<Record<N, FunctionSource>>,
  options: LoadFunctionsOptions<N> = {},
): LoadedFunctions<N> {
  const declared = new Set(
    Object.values(template.Resources as Record<string, FunctionResource>)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .flatMap((resource) => Object.keys(resource.Properties?.Environment?.Variables ?? {})),
  );
  const base = Object.fromEntries(Object.entries(process.env).filter(([variable]) => !declared.has(variable))) as Record<string, string>;
  const settings = testSettings();
  const entries = Object.entries(sources) as [N, FunctionSource][];
  const environments = {} as Record<N, Record<string, string>>;
  const handlers = {} as Record<N, Handler>;
  const contexts = {} as Record<N, () => Context>;

  for (const [name, source] of entries) {
    const logicalId = functionLogicalId(template, source.service);
    const environment = { ...functionEnvironment(template, logicalId, names), ...settings, ...options.overrides?.[name] };
    replaceEnvironment({ ...base, ...environment });
    jest.isolateModules(() => {
      handlers[name] = (require(path.join(LAMBDA_ROOT, source.handler)) as { handler: Handler }).handler;
    });
    environments[name] = environment;
    const { Timeout = 3, MemorySize = 128 } = (template.Resources[logicalId] as FunctionResource).Properties ?? {};
    contexts[name] = () => fakeContext(source.service, Timeout * 1000, MemorySize);
  }
  replaceEnvironment(Object.assign({ ...base }, ...entries.map(([name]) => environments[name])));

  return {
    environments,
    async invoke<R>(name: N, payload: unknown): Promise<Invocation<R>> {
      let result: unknown;
      try {
        // The service hands the handler a parsed copy of the caller's JSON.
        result = await handlers[name](JSON.parse(JSON.stringify(payload)), contexts[name]());
      } catch (error) {
        const { errorMessage, errorType, trace = [] } = toRuntimeError(error);
        return { errorType: errorType as ErrorType, errorMessage, trace };
      }
      // The service serialises the result: undefined becomes null, undefined fields vanish, dates become strings.
      return { result: JSON.parse(JSON.stringify(result ?? null)) as R };
    },
  };
}

/** Makes `process.env` exactly `environment`, keeping the object (jest's per-file copy) in place. */
function replaceEnvironment(environment: Record<string, string>): void {
  for (const variable of Object.keys(process.env)) if (!(variable in environment)) delete process.env[variable];
  Object.assign(process.env, environment);
}

function fakeContext(functionName: string, timeoutMs: number, memorySizeMb: number): Context {
  const deadline = Date.now() + timeoutMs;
  const fail = () => {
    throw new Error('the platform handlers are async: they must not call context.done/fail/succeed');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memorySizeMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

/** Fails with how to run the test when the jest global setup has not pointed the SDK at the emulators. */
export function requireEmulatorEnvironment(fixture: string, variables: readonly string[]): void {
  const missing = [...variables, 'AWS_REGION'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(
      `the ${fixture} fixture needs the emulators started by test/emulators/global-setup.ts (missing ${missing.join(', ')}): ` +
        'run it through jest --selectProjects integration',
    );
  }
}

/** Every item of a table with its keys, sorted by `pk` then `sk` (a consistent scan). */
export async function scanTable(dynamodb: DynamoDBDocumentClient, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const order = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return items.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}
