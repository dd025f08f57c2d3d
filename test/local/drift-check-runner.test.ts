import { Readable } from 'node:stream';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { driftCheckRunner } from '../../local/drift-check-runner';

const lambda = mockClient(LambdaClient);
const s3 = mockClient(S3Client);
const config = { monitor: 'churn-prod', model: 'churn', version: 3, capture: { bucket: 'monitoring', prefix: 'collected/churn-prod/' }, windowMinutes: 60 };
const done = { status: 'done', checkId: '20261124T100000Z', config, check: { status: 'drift', records: 900, driftShare: 0.4, driftedFeatures: 2 } };
const chunk = (index: number) => ({ index, version: 3, windowStart: '2026-11-24T09:00:00.000Z', windowEnd: '2026-11-24T10:00:00.000Z', keys: [`k${index}`] });

const payloadOf = (input: { Payload?: unknown }) => JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array));
const answer = (value: unknown, functionError?: string) => ({
  StatusCode: 200,
  FunctionError: functionError,
  Payload: new TextEncoder().encode(JSON.stringify(value)) as never,
});

const run = driftCheckRunner({
  lambda: new LambdaClient({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
  functions: { checkDrift: 'check', sketchCaptureChunk: 'sketch' },
  monitoringBucket: 'monitoring',
  concurrency: 2,
});

describe('driftCheckRunner', () => {
  beforeEach(() => {
    lambda.reset();
    s3.reset();
  });

  it('returns the plan of a window checked at once, invoking nothing else', async () => {
    lambda.on(InvokeCommand).resolves(answer(done));

    const result = await run({ config, windowEnd: '2026-11-24T10:00:00Z' });

    expect(result).toEqual(done);
    expect(lambda.commandCalls(InvokeCommand).map((call) => [call.args[0].input.FunctionName, payloadOf(call.args[0].input)])).toEqual([
      ['check', { phase: 'plan', config, windowEnd: '2026-11-24T10:00:00Z' }],
    ]);
  });

  it('sketches every chunk of a fanned-out window, as the Distributed Map does, then finishes', async () => {
    const manifest = [chunk(0), chunk(1), chunk(2)];
    lambda
      .on(InvokeCommand, { FunctionName: 'check' })
      .callsFake((input) =>
        answer(payloadOf(input).phase === 'plan' ? { status: 'fanOut', checkId: done.checkId, config, manifestKey: 'checks/m.json', chunks: 3 } : done),
      );
    lambda.on(InvokeCommand, { FunctionName: 'sketch' }).resolves(answer({ records: 300 }));
    s3.on(GetObjectCommand, { Bucket: 'monitoring', Key: 'checks/m.json' }).callsFake(() => ({
      Body: sdkStreamMixin(Readable.from([Buffer.from(JSON.stringify(manifest))])),
    }));

    const result = await run({ config, windowEnd: '2026-11-24T10:00:00Z' });

    expect(result).toEqual(done);
    const calls = lambda.commandCalls(InvokeCommand).map((call) => ({ fn: call.args[0].input.FunctionName, payload: payloadOf(call.args[0].input) }));
    expect(calls.filter(({ fn }) => fn === 'sketch').map(({ payload }) => payload)).toEqual(
      manifest.map((item) => ({ config, checkId: done.checkId, chunk: item })),
    );
    expect(calls.at(-1)).toEqual({ fn: 'check', payload: { phase: 'finish', config, checkId: done.checkId } });
  });

  it("fails with the function's error type and message when a step fails", async () => {
    lambda.on(InvokeCommand).resolves(answer({ errorType: 'NotFoundError', errorMessage: 'model churn version 3 has no baseline' }, 'Unhandled'));

    await expect(run({ config, windowEnd: '2026-11-24T10:00:00Z' })).rejects.toThrow('check failed with NotFoundError: model churn version 3 has no baseline');
  });
});
