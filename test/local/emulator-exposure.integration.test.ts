import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
/** Well-formed, not valid: moto checks no signature, and the guard only that there is one. */
const AUTHORIZATION = { Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' };

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

  test('refuses a foreign Origin and a foreign Host with 403, even with an Authorization header', async () => {
    const foreignOrigin = await fetch(`${motoEndpoint()}/${BUCKET}`, { headers: { ...AUTHORIZATION, Origin: 'http://attacker.example' } });
    const foreignHost = await statusOf(`${motoEndpoint()}/${BUCKET}`, { headers: { ...AUTHORIZATION, Host: `attacker.example:${portOf(motoEndpoint())}` } });

    expect([foreignOrigin.status, foreignHost]).toEqual([403, 403]);
    expect(await foreignOrigin.text()).toContain('requests from web pages');
  });

  test('sends no Access-Control-Allow-Origin (moto sends * or echoes the Origin)', async () => {
    const ownOrigin = `http://127.0.0.1:${portOf(motoEndpoint())}`;

    const response = await fetch(`${motoEndpoint()}/${BUCKET}`, { headers: { ...AUTHORIZATION, Origin: ownOrigin } });
    await response.arrayBuffer();

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
    const headers = { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.ListTables', Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request' };

    const foreignOrigin = await statusOf(dynamodbEndpoint(), { method: 'POST', headers: { ...headers, Origin: 'http://attacker.example' }, body: '{}' });
    const foreignHost = await statusOf(dynamodbEndpoint(), { method: 'POST', headers: { ...headers, Host: `attacker.example:${portOf(dynamodbEndpoint())}` }, body: '{}' });
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
