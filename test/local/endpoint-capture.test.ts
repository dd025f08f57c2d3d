import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { recordsOfPayload } from '../../lambda/monitoring/core/capture/captured-payload';
import { type CapturedInvocation, EndpointCapture } from '../../local/endpoint-capture';

const s3 = mockClient(S3Client);
const SETTINGS = { destination: 's3://monitoring/captured/mlops-churn/main', samplingPercentage: 100, customAttributes: true };
const AT = new Date('2026-12-07T10:15:00.000Z');

const invocation = (contentType: string, body: string, extra: Partial<CapturedInvocation> = {}): CapturedInvocation => ({
  at: AT,
  input: { contentType, body: Buffer.from(body) },
  output: { contentType: 'application/json', body: Buffer.from('{"predictions":[0.1]}') },
  ...extra,
});

describe('EndpointCapture', () => {
  let capture: EndpointCapture;
  beforeEach(() => {
    s3.reset();
    capture = new EndpointCapture({ s3: new S3Client({}), flushIntervalMs: 60_000 });
  });
  afterEach(() => capture.stop());

  it("writes a batch of invocations as one JSON Lines object in the hour's folder, in SageMaker's capture format", async () => {
    s3.on(PutObjectCommand).resolves({});

    capture.add(SETTINGS, invocation('text/csv', '1,2\n3,4\n'));
    capture.add(SETTINGS, invocation('application/json', '{"instances":[{"a":1}]}', { inferenceId: 'req-7', customAttributes: 'caller=alice' }));
    capture.add(SETTINGS, invocation('application/octet-stream', 'raw'));
    await capture.flush();

    const [put] = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(put.Bucket).toBe('monitoring');
    expect(put.Key).toMatch(/^captured\/mlops-churn\/main\/2026\/12\/07\/10\/[^/]+\.jsonl$/);
    const lines = String(put.Body)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(recordsOfPayload(lines[0].captureData.endpointInput)).toEqual([{ positional: ['1', '2'] }, { positional: ['3', '4'] }]);
    expect(lines[1]).toMatchObject({
      captureData: {
        endpointInput: { observedContentType: 'application/json', mode: 'INPUT', encoding: 'JSON' },
        endpointOutput: { mode: 'OUTPUT', data: '{"predictions":[0.1]}', encoding: 'JSON' },
      },
      eventMetadata: { inferenceTime: '2026-12-07T10:15:00.000Z', inferenceId: 'req-7', customAttributes: 'caller=alice' },
      eventVersion: '0',
    });
    expect(lines[2].captureData.endpointInput).toMatchObject({ encoding: 'BASE64', data: Buffer.from('raw').toString('base64') });
  });

  it("leaves the custom attributes out where SageMaker's own capture writes (the shim's keeps them)", async () => {
    s3.on(PutObjectCommand).resolves({});

    capture.add({ ...SETTINGS, customAttributes: false }, invocation('text/csv', '1', { inferenceId: 'req-8', customAttributes: 'caller=alice' }));
    await capture.flush();

    const [line] = String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body)
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text));
    expect(line.eventMetadata).toEqual({ eventId: expect.any(String), inferenceTime: '2026-12-07T10:15:00.000Z', inferenceId: 'req-8' });
  });

  it('captures the sampled share only', async () => {
    s3.on(PutObjectCommand).resolves({});

    capture.add({ ...SETTINGS, samplingPercentage: 30 }, invocation('text/csv', '1'), 0.29);
    capture.add({ ...SETTINGS, samplingPercentage: 30 }, invocation('text/csv', '2'), 0.3);
    await capture.flush();

    expect(String(s3.commandCalls(PutObjectCommand)[0].args[0].input.Body).trim().split('\n')).toHaveLength(1);
  });

  it('drops a batch S3 refuses, and says so, without failing', async () => {
    s3.on(PutObjectCommand).rejects(new Error('SlowDown'));
    const logged: string[] = [];
    const failing = new EndpointCapture({ s3: new S3Client({}), log: (line) => logged.push(line) });

    failing.add(SETTINGS, invocation('text/csv', '1'));
    await failing.stop();

    expect(logged).toEqual([expect.stringMatching(/capture of 1 invocations .* dropped: SlowDown/)]);
  });
});
