import type * as z from 'zod/mini';
import { MlflowError, toMlflowError } from './mlflow-error';
import { parseMlflowRequest } from './request-errors';
import { MLFLOW_API_PREFIX, MLFLOW_ROUTES, MLFLOW_UNSUPPORTED_PREFIXES, type MlflowRoute } from './routes';

/** One operation of the API: the schema its request must pass and what answers it. */
export interface MlflowOperation {
  readonly schema: z.ZodMiniType;
  readonly run: (request: never) => Promise<object>;
}

export const operation = <S extends z.ZodMiniType>(schema: S, run: (request: z.output<S>) => Promise<object>): MlflowOperation => ({
  schema,
  run: run as (request: never) => Promise<object>,
});

export interface MlflowHttpRequest {
  readonly method: string;
  /** The path without its query string, as sent. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly contentType?: string;
  readonly body?: string;
}

export interface MlflowHttpResponse {
  readonly status: number;
  readonly body: object;
}

/** MLflow's own limit on a request body (log-batch's): larger requests are refused before parsing. */
export const MAX_BODY_BYTES = 1_000_000;

interface CompiledRoute {
  readonly route: MlflowRoute;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

/** Literal paths first: `/logged-models/search` is not the logged model "search". */
const COMPILED: readonly CompiledRoute[] = MLFLOW_ROUTES.map((route) => {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
  const source = (MLFLOW_API_PREFIX + route.path).replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '([^/]+)');
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}).sort((a, b) => a.names.length - b.names.length);

function findRoute(method: string, path: string): { route: MlflowRoute; parameters: Record<string, string> } | undefined {
  for (const { route, pattern, names } of COMPILED) {
    if (route.method !== method) continue;
    const match = pattern.exec(path);
    if (match) return { route, parameters: Object.fromEntries(names.map((name, index) => [name, decodedSegment(match[index + 1])])) };
  }
  return undefined;
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw MlflowError.invalid(`the path segment ${JSON.stringify(segment.slice(0, 100))} is not valid percent-encoding`);
  }
}

/** A query string as MLflow's server reads it: a repeated key is a list. */
function queryFields(query: string): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === '__proto__') continue;
    const known = Object.hasOwn(fields, key) ? fields[key] : undefined;
    fields[key] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  return fields;
}

function jsonBody(request: MlflowHttpRequest): unknown {
  const body = request.body ?? '';
  if (body.trim() === '') return {};
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw MlflowError.invalid(`Batched logging API requests must be at most ${MAX_BODY_BYTES} bytes, got a request of size ${Buffer.byteLength(body)}.`);
  }
  if (!/^application\/json\b/i.test(request.contentType ?? '')) {
    throw MlflowError.invalid(
      request.contentType ? `Bad Request. Content-Type must be one of ['application/json'].` : 'Bad Request. Content-Type header is missing.',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw MlflowError.invalid('Bad Request. The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw MlflowError.invalid('Bad Request. The request body must be a JSON object.');
  return parsed;
}

/**
 * Answers one HTTP request of MLflow's REST API: finds its route, reads its fields (the query string
 * of a GET, else the JSON body, and the path's parameters), checks them with the operation's schema
 * and runs it. Every failure is an MLflow error body with MLflow's status; an unknown route is
 * `ENDPOINT_NOT_FOUND` (404), which MLflow's client reads as "this server does not have that".
 */
export async function dispatchMlflowRequest(
  request: MlflowHttpRequest,
  operations: Readonly<Record<string, MlflowOperation>>,
  requestId: string,
  onUnexpected: (error: unknown) => void = () => undefined,
): Promise<MlflowHttpResponse> {
  try {
    const found = findRoute(request.method.toUpperCase(), request.path);
    if (!found) throw notFound(request);
    const implemented = Object.hasOwn(operations, found.route.operation) ? operations[found.route.operation] : undefined;
    if (!implemented)
      throw new MlflowError(
        'NOT_IMPLEMENTED',
        `${found.route.method} ${MLFLOW_API_PREFIX}${found.route.path} (${found.route.operation}) is not served by this platform yet`,
      );
    const fields = request.method.toUpperCase() === 'GET' && request.query !== '' ? queryFields(request.query) : jsonBody(request);
    const input = { ...(fields as object), ...found.parameters };
    return { status: 200, body: await implemented.run(parseMlflowRequest(implemented.schema, input) as never) };
  } catch (error) {
    const refusal = toMlflowError(error, requestId);
    if (refusal.errorCode === 'INTERNAL_ERROR') onUnexpected(error);
    return { status: refusal.status, body: { error_code: refusal.errorCode, message: bounded(refusal.message) } };
  }
}

/** The most of a message an answer carries: refusals quote what they refuse, and a caller's bulk is not echoed back. */
export const MAX_MESSAGE_CHARS = 4096;

const bounded = (message: string) =>
  message.length <= MAX_MESSAGE_CHARS ? message : `${Array.from(message.slice(0, MAX_MESSAGE_CHARS)).slice(0, -1).join('')}…`;

function notFound({ method, path }: MlflowHttpRequest): MlflowError {
  const area = MLFLOW_UNSUPPORTED_PREFIXES.find((prefix) => path.startsWith(`${prefix}/`) || path === prefix);
  const what = area ? `${area} is not supported by this platform (it serves MLflow's tracking, logged models and model registry)` : 'no such endpoint';
  return new MlflowError('ENDPOINT_NOT_FOUND', `${method} ${path.slice(0, 200)}: ${what}`);
}
