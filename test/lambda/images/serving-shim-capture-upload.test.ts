import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The shim's capture upload pieces, run by the machine's Python through a driver that prints what it saw. */
const PYTHON = process.env.MLOPS_PYTHON ?? 'python3';
const CHECKS = join(__dirname, 'fixtures', 'capture_upload_checks.py');

/** The environment of a check: none of the runner's AWS settings, so only what a test gives is used. */
function checkEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...clean, PYTHONDONTWRITEBYTECODE: '1', AWS_EC2_METADATA_DISABLED: 'true', ...env };
}

/** Runs a check asynchronously, so this process's fake endpoints can answer it. */
function runCheck(args: string[], env: Record<string, string> = {}): Promise<any> {
  const child = spawn(PYTHON, [CHECKS, ...args], { env: checkEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve({ ...JSON.parse(stdout), stderr }) : reject(new Error(`check ${args[0]} exited ${code}:\n${stderr}`)))),
  );
}

interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/** A fake endpoint (credentials, metadata, S3) on loopback: `answer` gives each request's status, body and headers. */
async function fakeEndpoint(
  answer: (request: SeenRequest, index: number) => [number, string, Record<string, string>?],
): Promise<{ url: string; seen: SeenRequest[]; server: Server }> {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const seenRequest = { method: request.method!, path: request.url!, headers: request.headers };
    seen.push(seenRequest);
    const [status, body, headers] = answer(seenRequest, seen.length - 1);
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const credentialsBody = (n: number, expiration: string) =>
  JSON.stringify({ AccessKeyId: `ASIA-KEY-${n}`, SecretAccessKey: `secret-${n}`, Token: `session-${n}`, Expiration: expiration });

describe('the serving shim capture upload', () => {
  let servers: Server[] = [];
  let workDir: string;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'mlops-capture-upload-'));
  });

  afterEach(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    servers = [];
    rmSync(workDir, { recursive: true, force: true });
  });

  it('signs a PutObject exactly as AWS’s published SigV4 example (PUT test$file.text, 20130524)', async () => {
    const headers = await runCheck(['aws-example-signature']);

    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, ' +
        'Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    );
    expect(headers['x-amz-content-sha256']).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
  });

  it('takes credentials from the container endpoint with the token file, keeps them, and fetches them again shortly before they expire and once they have', async () => {
    const expiresAt = Date.UTC(2026, 11, 7, 12, 0, 0) / 1000;
    const endpoint = await fakeEndpoint((_, index) =>
      // The second request fails; each other answers credentials that expire an hour later than the last.
      index === 1 ? [500, 'busy'] : [200, credentialsBody(index + 1, new Date((expiresAt + index * 3600) * 1000).toISOString())],
    );
    servers.push(endpoint.server);
    const tokenFile = join(workDir, 'token');

    const seen = await runCheck(['container-refresh', tokenFile, String(expiresAt)], {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v2/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
    });

    // 1 h and 10 min before expiry: fetched, then kept. 200 s before: fetched again with the rotated token, which
    // fails, so the ones in hand still serve. 100 s before: fetched (they expire 2 h later). Past that: fetched.
    expect([0, 1, 2, 3, 4].map((n) => seen[n])).toEqual([
      { accessKeyId: 'ASIA-KEY-1', sessionToken: 'session-1' },
      { accessKeyId: 'ASIA-KEY-1', sessionToken: 'session-1' },
      { accessKeyId: 'ASIA-KEY-1', sessionToken: 'session-1' },
      { accessKeyId: 'ASIA-KEY-3', sessionToken: 'session-3' },
      { accessKeyId: 'ASIA-KEY-4', sessionToken: 'session-4' },
    ]);
    expect(endpoint.seen.map(({ method, path, headers }) => [method, path, headers.authorization])).toEqual([
      ['GET', '/v2/credentials', 'token-1'],
      ['GET', '/v2/credentials', 'token-2'],
      ['GET', '/v2/credentials', 'token-2'],
      ['GET', '/v2/credentials', 'token-2'],
    ]);
  });

  it('prefers credentials in the environment to the container endpoint', async () => {
    const endpoint = await fakeEndpoint(() => [200, credentialsBody(1, '2030-01-01T00:00:00Z')]);
    servers.push(endpoint.server);

    const outcome = await runCheck(['chain-once'], {
      AWS_ACCESS_KEY_ID: 'AKIA-ENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v2/credentials`,
    });

    expect(outcome).toMatchObject({ accessKeyId: 'AKIA-ENV', sessionToken: null });
    expect(endpoint.seen).toEqual([]);
  });

  it('fails to send the container authorization token over plain HTTP to a host that is not loopback or the ECS/EKS address', async () => {
    const outcome = await runCheck(['chain-once'], {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://credentials.example.com/v2/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'secret-token',
    });

    expect(outcome.error).toMatch(/^no AWS credentials: CredentialsError: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, loopback or the ECS\/EKS address/);
  });

  it('takes the instance role’s credentials from IMDSv2: a session token, then the role, then its credentials', async () => {
    const imds = await fakeEndpoint(({ method, path, headers }) => {
      if (method === 'PUT' && path === '/latest/api/token' && headers['x-aws-ec2-metadata-token-ttl-seconds'] === '21600') return [200, 'imds-token'];
      if (headers['x-aws-ec2-metadata-token'] !== 'imds-token') return [401, ''];
      if (path === '/latest/meta-data/iam/security-credentials/') return [200, 'mlops-endpoint-role\n'];
      if (path === '/latest/meta-data/iam/security-credentials/mlops-endpoint-role') return [200, credentialsBody(7, '2030-01-01T00:00:00Z')];
      return [404, ''];
    });
    servers.push(imds.server);

    const outcome = await runCheck(['chain-once'], { AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });

    expect(outcome).toMatchObject({ accessKeyId: 'ASIA-KEY-7', sessionToken: 'session-7' });
    expect(imds.seen.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/meta-data/iam/security-credentials/',
      'GET /latest/meta-data/iam/security-credentials/mlops-endpoint-role',
    ]);
  });

  it('fails with a reason when no source has credentials', async () => {
    expect((await runCheck(['chain-once'])).error).toBe(
      'no AWS credentials: CredentialsError: none in the environment, no container credentials endpoint, and instance metadata disabled',
    );
  });

  it('learns the bucket’s region from S3’s refusal when the environment names none, and signs for it', async () => {
    // As S3 refuses a request signed for another region than the bucket's: 400, the bucket's region in a header.
    const s3 = await fakeEndpoint(({ headers }) =>
      headers.authorization?.includes('/eu-west-1/s3/aws4_request')
        ? [200, '']
        : [400, '<Error><Code>AuthorizationHeaderMalformed</Code></Error>', { 'x-amz-bucket-region': 'eu-west-1' }],
    );
    servers.push(s3.server);

    const outcome = await runCheck(['put-once'], { AWS_ACCESS_KEY_ID: 'AKIA-ENV', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_S3: s3.url });

    expect(outcome).toMatchObject({ region: 'eu-west-1' });
    expect(s3.seen.map(({ method, path, headers }) => [method, path, /Credential=AKIA-ENV\/\d{8}\/([a-z0-9-]+)\//.exec(headers.authorization!)?.[1]])).toEqual([
      ['PUT', '/capture-bucket/captured/ep/AllTraffic/2026/12/07/03/a%20b.jsonl', 'us-east-1'],
      ['PUT', '/capture-bucket/captured/ep/AllTraffic/2026/12/07/03/a%20b.jsonl', 'eu-west-1'],
    ]);
    expect(outcome.stderr).toContain('the bucket capture-bucket is in eu-west-1, not us-east-1: uploading there');
  });

  it('drops lines beyond the bounded queue while an upload hangs, without waiting, and counts them', async () => {
    const outcome = await runCheck(['queue-bound']);

    expect(outcome.dropped).toBe(5);
    expect(outcome.writesSeconds).toBeLessThan(0.1);
    expect(outcome.stderr).toContain('capture queue full: 4 lines dropped so far');
  });

  it('uploads each batch as one object per hour folder of its lines, and drops (counting) what fails after 4 attempts', async () => {
    const { calls, lost, stem, stderr } = await runCheck(['batches-and-retries']);

    const prefix = 'captured/ep/AllTraffic/2026/12/07/';
    const fourth = `${prefix}04/${stem}-3.jsonl`;
    expect(calls).toEqual([
      { bucket: 'capture-bucket', key: `${prefix}03/${stem}-1.jsonl`, body: '{"n":0}\n{"n":1}\n' },
      { bucket: 'capture-bucket', key: `${prefix}03/${stem}-2.jsonl`, body: '{"n":2}\n' },
      ...[1, 2, 3, 4].map(() => ({ bucket: 'capture-bucket', key: fourth, body: '{"n":3}\n' })),
    ]);
    expect(lost).toBe(1);
    expect(stderr).toContain(
      `capture upload of 1 lines to s3://capture-bucket/${fourth} failed after 4 attempts (OSError: S3 answered 503: SlowDown): 1 lines lost so far`,
    );
  });
});
