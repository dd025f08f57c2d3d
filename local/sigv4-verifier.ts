import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** The access key a local platform generates at start and writes in its descriptor. */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A request as received, its body read. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A refusal, named as AWS services name it (the SDK surfaces the type). */
export interface SignatureRefusal {
  readonly type: 'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException';
  readonly message: string;
}

/** How far the signing time may be from this machine's clock (AWS allows 15 minutes; one machine needs less). */
const MAX_SKEW_MS = 5 * 60_000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Checks a request's SigV4 `Authorization` header against `credentials` for `service`, by signing
 * the received request again with the SDK's own signer (same headers, same date, same scope) and
 * comparing the signatures in constant time. Returns why it is refused, or `undefined`.
 */
export async function signatureRefusal(
  request: ReceivedRequest,
  credentials: LocalCredentials,
  service: string,
  now = new Date(),
): Promise<SignatureRefusal | undefined> {
  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    return {
      type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token: sign requests with the credentials in the local platform descriptor',
    };
  }
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) return invalid('the Authorization header is not an AWS4-HMAC-SHA256 signature');
  const [, accessKeyId, shortDate, region, scopeService, signedHeaderList, signature] = parsed;
  if (!sameText(accessKeyId, credentials.accessKeyId)) {
    return {
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid: use the credentials in the local platform descriptor',
    };
  }
  if (scopeService !== service) return invalid(`the credential scope names service ${scopeService}, not ${service}`);
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !amzDate.startsWith(shortDate)) return invalid('X-Amz-Date is missing or does not match the credential scope');
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) {
    return invalid(`Signature expired: ${amzDate} is more than ${MAX_SKEW_MS / 60_000} minutes from the local time ${now.toISOString()}`);
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return invalid('the signature does not cover the Host header');
  const declaredHash = request.headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(request.body).digest('hex')) {
    return invalid('X-Amz-Content-Sha256 does not match the body');
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return invalid(`the signed header ${name} is missing`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const { pathname, search } = splitTarget(request.url);
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
  const resigned = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host, path: pathname, query: queryOf(search), headers, body: request.body },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(resigned.headers.authorization))?.[1] ?? '';
  if (!sameText(signature, expected)) {
    return invalid(
      'The request signature we calculated does not match the signature you provided: check the secret access key in the local platform descriptor',
    );
  }
  return undefined;
}

const invalid = (message: string): SignatureRefusal => ({ type: 'InvalidSignatureException', message });

/** Constant-time equality of two strings (compared as SHA-256 digests, so lengths leak nothing either). */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function parseAmzDate(text: string): Date | undefined {
  const parts = AMZ_DATE.exec(text);
  if (!parts) return undefined;
  const [, year, month, day, hour, minute, second] = parts.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function splitTarget(url: string): { pathname: string; search: string } {
  const index = url.indexOf('?');
  return index === -1 ? { pathname: url, search: '' } : { pathname: url.slice(0, index), search: url.slice(index + 1) };
}

/** The query as the signer takes it: decoded names and values, repeated names as lists. */
function queryOf(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(search)) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}
