import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { startCodeBuildStandIn } from '../../local/codebuild-stand-in';
import { answersHttp, nonLoopbackAddress, statusOf } from '../support/network';

/**
 * The emulators the global setup started, as the local platform starts them, and the CodeBuild
 * stand-in: what a web page or another machine can do with them. (The local Lambda endpoint:
 * lambda-server.integration.test.ts.)
 */
const motoEndpoint = () => process.env.AWS_ENDPOINT_URL_S3!;
const dynamodbEndpoint = () => process.env.AWS_ENDPOINT_URL_DYNAMODB!;
const portOf = (endpoint: string) => Number(new URL(endpoint).port);
const BUCKET = 'exposure-test-bucket';
/** Well-formed, not valid: the Host and Origin rules refuse before the signature is checked. */
const AUTHORIZATION = { Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' };
const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');

/**
 * A path-style S3 request to moto signed as the SDK signs it (x-amz-content-sha256 of `signedBody`),
 * then sent with `body`, which a tampering sender can make differ.
 */
async function signedS3Request(options: {
  method: string;
  key: string;
  body?: string;
  signedBody?: string;
  secretAccessKey?: string;
  headers?: Record<string, string>;
}) {
  const { host } = new URL(motoEndpoint());
  const signer = new SignatureV4({
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: options.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY! },
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const path = `/${BUCKET}/${encodeURIComponent(options.key)}`;
  const signed = await signer.sign({
    method: options.method,
    protocol: 'http:',
    hostname: host,
    path,
    query: {},
    headers: { host, 'x-amz-content-sha256': sha256Hex(options.signedBody ?? options.body ?? ''), ...options.headers },
    body: options.signedBody ?? options.body,
  });
  return fetch(`${motoEndpoint()}${path}`, { method: options.method, headers: signed.headers, body: options.body });
}

describe('moto, as the local platform runs it', () => {
  let s3: S3Client;

  beforeAll(async () => {
    s3 = new S3Client({ endpoint: motoEndpoint(), region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(() => s3.destroy());

  test('refuses an unsigned browser form upload with 403, and stores nothing', async () => {
    const form = new FormData();
    form.append('key', 'planted.py');
    form.append('file', new Blob(['import os; os.system("id")']), 'planted.py');

    const response = await fetch(`${motoEndpoint()}/${BUCKET}`, { method: 'POST', body: form });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('unsigned request');
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'planted.py' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  test('refuses with 403 a request signed with another secret, and stores nothing', async () => {
    const response = await signedS3Request({ method: 'PUT', key: 'guessed.py', body: 'import os', secretAccessKey: 'local' });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('the signature does not match the request');
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'guessed.py' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  test('refuses with 403 a request signed with another access key id, and an SDK client with the old fixed credentials', async () => {
    const otherKey = new S3Client({
      endpoint: motoEndpoint(),
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'someone', secretAccessKey: 'local' },
    });
    const oldCredentials = new S3Client({
      endpoint: motoEndpoint(),
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const statuses = await Promise.all(
        [otherKey, oldCredentials].map((client) =>
          client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other-key.py', Body: 'import os' })).then(
            () => 200,
            (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
          ),
        ),
      );

      expect(statuses).toEqual([403, 403]);
      await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'other-key.py' }))).rejects.toMatchObject({ name: 'NotFound' });
    } finally {
      otherKey.destroy();
      oldCredentials.destroy();
    }
  });

  test('serves a request signed with the platform credentials, with any key', async () => {
    const key = 'signed dir/ok+1=é.txt';

    const response = await signedS3Request({ method: 'PUT', key, body: 'print("signed")' });
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));

    expect(response.status).toBe(200);
    expect(await stored.Body!.transformToString()).toBe('print("signed")');
  });

  test('refuses with 403 a signed PutObject whose body is not the one signed, and stores nothing', async () => {
    const response = await signedS3Request({ method: 'PUT', key: 'tampered.py', signedBody: 'print("reviewed")', body: 'import os; os.system("id")' });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('the body is not the one signed');
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'tampered.py' }))).rejects.toMatchObject({ name: 'NotFound' });
  });

  test('refuses with 403 a request signed more than 15 minutes ago', async () => {
    const { host } = new URL(motoEndpoint());
    const signer = new SignatureV4({
      credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const signed = await signer.sign(
      {
        method: 'PUT',
        protocol: 'http:',
        hostname: host,
        path: `/${BUCKET}/stale.py`,
        query: {},
        headers: { host, 'x-amz-content-sha256': sha256Hex('x') },
        body: 'x',
      },
      { signingDate: new Date(Date.now() - 16 * 60_000) },
    );

    const response = await fetch(`${motoEndpoint()}/${BUCKET}/stale.py`, { method: 'PUT', headers: signed.headers, body: 'x' });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('more than 15 minutes');
  });

  test('refuses a foreign Origin and a foreign Host with 403, even with an Authorization header', async () => {
    const foreignOrigin = await fetch(`${motoEndpoint()}/${BUCKET}`, { headers: { ...AUTHORIZATION, Origin: 'http://attacker.example' } });
    const foreignHost = await statusOf(`${motoEndpoint()}/${BUCKET}`, { headers: { ...AUTHORIZATION, Host: `attacker.example:${portOf(motoEndpoint())}` } });

    expect([foreignOrigin.status, foreignHost]).toEqual([403, 403]);
    expect(await foreignOrigin.text()).toContain('requests from web pages');
  });

  test('sends no Access-Control-Allow-Origin (moto sends * or echoes the Origin)', async () => {
    const ownOrigin = `http://127.0.0.1:${portOf(motoEndpoint())}`;

    const response = await signedS3Request({ method: 'PUT', key: 'cors.txt', body: 'cors', headers: { origin: ownOrigin } });
    await response.arrayBuffer();

    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('DynamoDB Local, as the local platform runs it', () => {
  test('answers on loopback and not on a non-loopback address of this machine', async () => {
    const address = nonLoopbackAddress();
    const port = portOf(dynamodbEndpoint());

    expect(await answersHttp('127.0.0.1', port)).toBe(true);
    if (!address) {
      console.warn('skipped the non-loopback half: this machine has no non-loopback IPv4 address');
      return;
    }
    expect(await answersHttp(address, port)).toBe(false);
  });

  test('refuses a foreign Origin and a foreign Host with 403', async () => {
    const headers = {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': 'DynamoDB_20120810.ListTables',
      Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request',
    };

    const foreignOrigin = await statusOf(dynamodbEndpoint(), { method: 'POST', headers: { ...headers, Origin: 'http://attacker.example' }, body: '{}' });
    const foreignHost = await statusOf(dynamodbEndpoint(), {
      method: 'POST',
      headers: { ...headers, Host: `attacker.example:${portOf(dynamodbEndpoint())}` },
      body: '{}',
    });
    const own = await statusOf(dynamodbEndpoint(), { method: 'POST', headers, body: '{}' });

    expect([foreignOrigin, foreignHost]).toEqual([403, 403]);
    expect(own).not.toBe(403);
  });
});

describe('the CodeBuild stand-in', () => {
  test('refuses a foreign Origin and a foreign Host with 403, and starts no build', async () => {
    const standIn = await startCodeBuildStandIn();
    try {
      const port = portOf(standIn.endpoint);
      const headers = { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'CodeBuild_20161006.StartBuild' };
      const body = JSON.stringify({ projectName: 'any' });

      const statuses = [
        await statusOf(standIn.endpoint, { method: 'POST', headers: { ...headers, Origin: 'http://attacker.example' }, body }),
        await statusOf(standIn.endpoint, { method: 'POST', headers: { ...headers, Host: `attacker.example:${port}` }, body }),
      ];

      expect(statuses).toEqual([403, 403]);
      expect(standIn.builds()).toEqual([]);
    } finally {
      await standIn.close();
    }
  });
});
