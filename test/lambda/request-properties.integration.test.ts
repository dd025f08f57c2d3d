import { createHash, randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as fc from 'fast-check';
import { publishedJsonSchemas } from '../../lambda/shared/json-schemas';
import { createPlatformFixture, type PlatformFixture } from '../emulators/platform-fixture';
import { HOSTILE_LEAVES, hostileRequests } from '../support/hostile-mutations';
import { arbitraryFor, type FieldHints, type JsonSchema } from '../support/json-schema-arbitrary';

/**
 * The error contract as a property, on the emulators: for every function callers invoke, requests
 * derived from its published JSON Schema with one hostile change (an unstorable number, a
 * prototype key, terminal control characters, a wrong type, a missing or unknown field...) are
 * either accepted, or refused with ValidationError / NotFoundError / ConflictError, and then every
 * table, bucket, build and image is exactly as it was. Bounded: `MLOPS_PROPERTY_RUNS` requests per
 * function (default 40) and a time limit per function.
 */

const RUNS = Number(process.env.MLOPS_PROPERTY_RUNS ?? 40);
const TIME_LIMIT_MS = 45_000;
const REFUSALS = ['ValidationError', 'NotFoundError', 'ConflictError'];
const schemas = publishedJsonSchemas() as Record<string, JsonSchema>;
const operations = Object.keys(schemas).sort();

let platform: PlatformFixture;
let hints: FieldHints;
/** What each function did with the requests it got, for the log at the end. */
const outcomes = new Map<string, Map<string, number>>();

async function putObject(bucket: string, key: string, body: string): Promise<string> {
  await platform.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ChecksumAlgorithm: 'SHA256' }));
  return `s3://${bucket}/${key}`;
}

/** A model with a version and `production`, a run, and image inputs, so that some requests get past "not found". */
async function seed(): Promise<FieldHints> {
  const artifactBucket = platform.environments.RegisterModel.ARTIFACT_BUCKET_NAME;
  const model = 'seed-model';
  const artifactUri = await putObject(artifactBucket, `models/${model}/${randomUUID()}/model.bin`, `weights ${randomUUID()}`);
  await platform.call('RegisterModel', { name: model, artifact: { uri: artifactUri } });
  await platform.call('SetModelAlias', { name: model, alias: 'production', version: 1 });
  const run = await platform.call<{ runId: string }>('StartRun', { experiment: 'seed-experiment' });
  const script = 'def init():\n    pass\n\ndef run(data):\n    return data\n';
  const entryUri = await putObject(artifactBucket, `image-inputs/seed/${createHash('sha256').update(script).digest('hex')}/score.py`, script);
  const requirementsUri = await putObject(artifactBucket, `image-inputs/seed/${randomUUID()}/requirements.txt`, 'numpy==2.1.0\n');
  const trainingUri = await putObject(artifactBucket, `training-data/${model}/1/${randomUUID()}/train.csv`, 'age,plan\n31,basic\n45,pro\n27,basic\n');

  const or =
    (...known: unknown[]) =>
    (derived: fc.Arbitrary<unknown>) =>
      fc.oneof(derived, fc.constantFrom(...known));
  return {
    name: or(model),
    model: or(model),
    version: or(1),
    alias: or('production'),
    experiment: or('seed-experiment'),
    runId: or(run.runId),
    uri: or(artifactUri, trainingUri),
    entry: or(entryUri),
    requirements: or(requirementsUri),
  };
}

beforeAll(async () => {
  platform = await createPlatformFixture(operations);
  hints = await seed();
}, 120_000);

afterAll(async () => {
  await platform?.dispose();
  const summary = [...outcomes].map(([operation, counts]) => `${operation}: ${[...counts].map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`);
  if (process.env.MLOPS_PROPERTY_SUMMARY) console.log(summary.join('\n'));
}, 60_000);

describe.each(operations)('%s', (operation) => {
  test(
    'a hostile request is accepted, or refused with a classified error that changes nothing',
    async () => {
      const counts = new Map<string, number>();
      outcomes.set(operation, counts);
      let current = await platform.state();
      await fc.assert(
        fc.asyncProperty(hostileRequests(arbitraryFor(schemas[operation], { hints, leaves: HOSTILE_LEAVES })), async (payload) => {
          const invocation = await platform.invoke(operation, payload);
          const after = await platform.state();
          const outcome = 'result' in invocation ? 'accepted' : invocation.errorType;
          if (process.env.MLOPS_PROPERTY_DEBUG && !('result' in invocation))
            console.log(operation, invocation.errorType, invocation.errorMessage.slice(0, 300));
          counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
          if ('result' in invocation) {
            current = after;
            return;
          }
          expect({ errorType: invocation.errorType, classified: REFUSALS.includes(invocation.errorType) }).toEqual({
            errorType: invocation.errorType,
            classified: true,
          });
          // The message names fields, never internals, and never echoes the bulk of the request.
          expect(invocation.errorMessage).not.toMatch(/ValidationException|Exception:|at \w+ \(|node_modules|\/lambda\//);
          expect(invocation.errorMessage.length).toBeLessThan(8_192);
          expect(after).toEqual(current);
        }),
        { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
      );
    },
    TIME_LIMIT_MS + 60_000,
  );
});
