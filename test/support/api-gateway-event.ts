import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MLFLOW_API_PREFIX, MLFLOW_ROUTES, MLFLOW_UNSUPPORTED_PREFIXES } from '../../lambda/mlflow/core/routes';

export interface ApiGatewayRequestOptions {
  /** Query fields; an array is one repeated key, as MLflow's client sends repeated fields. */
  readonly query?: Record<string, string | readonly string[]>;
  /** Sent as JSON text (a string is sent as it is). */
  readonly body?: unknown;
  /**
   * The request's Content-Type; `null` sends none.
   * @default 'application/json' when there is a body
   */
  readonly contentType?: string | null;
  /**
   * Delivers the body base64-encoded, as API Gateway does with a body it does not take for text.
   * @default false
   */
  readonly base64?: boolean;
}

const API_ID = 'mlflowapi';
const ACCOUNT = '123456789012';

/** The route keys the MlflowApi construct declares, each with the paths it matches. */
const ROUTE_KEYS: readonly { readonly key: string; readonly method: string; readonly pattern: RegExp }[] = [
  ...MLFLOW_ROUTES.map(({ method, path }) => ({
    key: `${method} ${MLFLOW_API_PREFIX}${path}`,
    method,
    pattern: new RegExp(`^${MLFLOW_API_PREFIX}${path.replace(/\{\w+\}/g, '[^/]+')}$`),
  })),
  ...MLFLOW_UNSUPPORTED_PREFIXES.flatMap((prefix) => [
    { key: `ANY ${prefix}`, method: 'ANY', pattern: new RegExp(`^${prefix}$`) },
    { key: `ANY ${prefix}/{proxy+}`, method: 'ANY', pattern: new RegExp(`^${prefix}/.+$`) },
  ]),
];

/**
 * The route key API Gateway gives a request: the declared route it matched. The deployed API answers
 * a request no route matches itself (404 `{"message":"Not Found"}`); tests hand it to the function
 * under `$default`, as the local endpoint does, to check the function's own answer.
 */
const routeKeyOf = (method: string, path: string) =>
  ROUTE_KEYS.find((route) => (route.method === method || route.method === 'ANY') && route.pattern.test(path))?.key ?? '$default';

/**
 * The event API Gateway (HTTP API, payload 2.0) hands a function for one request: the route key is the
 * route that matched (the MLflow handler only logs it), headers are lowercased, the query string keeps
 * repeated keys in order. `path` is the whole path (`/api/2.0/mlflow/...`).
 */
export function apiGatewayEvent(
  method: string,
  path: string,
  { query = {}, body, contentType, base64 = false }: ApiGatewayRequestOptions = {},
): APIGatewayProxyEventV2 {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) for (const item of typeof value === 'string' ? [value] : value) search.append(key, item);
  const rawQueryString = search.toString();
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const type = contentType === undefined ? (text === undefined ? undefined : 'application/json') : (contentType ?? undefined);
  const headers: Record<string, string> = { host: `${API_ID}.execute-api.us-east-1.amazonaws.com`, 'user-agent': 'mlflow-python-client/3' };
  if (type !== undefined) headers['content-type'] = type;
  if (text !== undefined) headers['content-length'] = String(Buffer.byteLength(text));
  const queryStringParameters =
    rawQueryString === '' ? undefined : Object.fromEntries([...new Set(search.keys())].map((key) => [key, search.getAll(key).join(',')]));
  const now = new Date();
  const routeKey = routeKeyOf(method, path);
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: API_ID,
      domainName: headers.host,
      domainPrefix: API_ID,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(text === undefined ? {} : { body: base64 ? Buffer.from(text).toString('base64') : text }),
    isBase64Encoded: base64,
  };
}
