import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

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
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
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
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(text === undefined ? {} : { body: base64 ? Buffer.from(text).toString('base64') : text }),
    isBase64Encoded: base64,
  };
}
