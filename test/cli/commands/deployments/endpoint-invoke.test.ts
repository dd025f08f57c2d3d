import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import type { CliClock } from '../../../../cli/context';
import { cliHarness } from '../../harness';

const cli = cliHarness();
const runtime = cli.mocks.sageMakerRuntime;
let now = 0;
const clock: CliClock = { now: () => now, sleep: async () => undefined };
const env = { MLOPS_ACTOR: 'ana@laptop' };
const run = (args: string[], stdin?: string) =>
  cli.run(args, { env, context: { clock, ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }) } });

const sent = () => runtime.commandCalls(InvokeEndpointCommand).map((call) => call.args[0].input);
const textOf = (body: unknown) => Buffer.from(body as Uint8Array).toString('utf8');

let directory: string;
beforeEach(() => {
  cli.reset();
  now = 0;
  directory = mkdtempSync(join(tmpdir(), 'endpoint-invoke-'));
  runtime.on(InvokeEndpointCommand).callsFake(async () => {
    now += 23;
    return { Body: Buffer.from('{"predictions":[0.91]}'), ContentType: 'application/json', InvokedProductionVariant: 'main' };
  });
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('mlops endpoint invoke', () => {
  it("sends a CSV file to the deployment's endpoint with its attributes, prints the answer indented and the variant and time on stderr", async () => {
    const file = join(directory, 'rows.csv');
    writeFileSync(file, '42,0.5,3\n');

    const { code, stdout, stderr } = await run([
      'endpoint',
      'invoke',
      'churn-live',
      '--body',
      file,
      '--custom-attributes',
      'caller=checkout',
      '--inference-id',
      'r-1',
    ]);

    expect(code).toBe(0);
    expect(sent()).toEqual([
      expect.objectContaining({ EndpointName: 'mlops-churn-live', ContentType: 'text/csv', CustomAttributes: 'caller=checkout', InferenceId: 'r-1' }),
    ]);
    expect(textOf(sent()[0].Body)).toBe('42,0.5,3\n');
    expect(stdout).toBe('{\n  "predictions": [\n    0.91\n  ]\n}\n');
    expect(stderr).toBe('answered by variant main in 23ms\n');
  });

  it('reads the body from stdin and takes it as JSON by its first character', async () => {
    await run(['endpoint', 'invoke', 'churn-live', '--body', '-'], ' {"instances": [[1, 2]]}');

    expect(sent()[0].ContentType).toBe('application/json');
    expect(textOf(sent()[0].Body)).toBe(' {"instances": [[1, 2]]}');
  });

  it('--json prints the answer, variant and time as one document', async () => {
    const { stdout } = await run(['--json', 'endpoint', 'invoke', 'churn-live', '--data', '1,2,3']);

    expect(JSON.parse(stdout)).toEqual({ variant: 'main', contentType: 'application/json', tookMs: 23, body: { predictions: [0.91] } });
  });

  it("reports the model's own error with its status, message and logs", async () => {
    runtime.on(InvokeEndpointCommand).rejects(
      Object.assign(new Error('Received server error (500) from primary'), {
        name: 'ModelError',
        OriginalStatusCode: 500,
        OriginalMessage: 'run() failed: ValueError: bad row',
        LogStreamArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/Endpoints/mlops-churn-live',
      }),
    );

    const { code, stderr } = await run(['endpoint', 'invoke', 'churn-live', '--data', '1,2,3']);

    expect(code).not.toBe(0);
    expect(stderr).toContain('the model answered 500: run() failed: ValueError: bad row (logs: arn:aws:logs:');
  });

  it.each([
    [['--data', ''], 'the request body is empty'],
    [['--data', '1', '--body', 'x.csv'], 'give --data or --body, not both'],
    [['--body', '/nonexistent/rows.csv'], 'cannot read /nonexistent/rows.csv'],
    [['--data', '1'], 'must hold only lowercase letters', 'Churn_Live'],
  ])('refuses %j before sending anything', async (args, message, name = 'churn-live') => {
    const { code, stderr } = await run(['endpoint', 'invoke', name, ...args]);

    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
    expect(sent()).toEqual([]);
  });
});
