import type { BaselineProfile } from '../../../../lambda/monitoring/core/profile/baseline-profile';
import { buildBaseline } from '../../../../lambda/monitoring/core/profile/baseline-profile';
import { columnsFromCsv } from '../../../../lambda/monitoring/core/profile/dataset-columns';
import { registerBaseline } from '../../../../lambda/monitoring/core/register-baseline';
import { type RegisterBaselineRequest as BaselineRequest, RegisterBaselineRequest } from '../../../../lambda/monitoring/core/schemas';
import { ConflictError, NotFoundError, ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { generateRows, toCsv } from '../../../cli/fixtures/monitor/drift-data';
import { fakeMonitoring } from '../fakes';

const MODEL = 'fraud-detector';
const VERSION = 12;
const PROFILE_URI = `s3://monitoring-bucket/baselines/${MODEL}/${VERSION}/profile.json`;
const TRAINING_URI = 's3://artifact-bucket/training-data/fraud-detector/12/train.csv';
const FEATURES = [
  { name: 'age', kind: 'numeric' },
  { name: 'income', kind: 'numeric' },
  { name: 'score', kind: 'numeric' },
  { name: 'tenure', kind: 'numeric' },
  { name: 'plan', kind: 'categorical' },
];

const profileOf = (rows: number, seed: number, source?: string): BaselineProfile =>
  buildBaseline(columnsFromCsv(toCsv(generateRows(rows, seed, false))), { createdAt: '2026-05-20T09:00:00.000Z', sketchBins: 100, source });

/** A profile as `mlops monitor baseline` sends it: JSON. */
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

async function refusalOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal, got an answer');
}

/** Version 12 of `fraud-detector` in the registry, no baseline yet; training data profiles to 500 rows. */
function setUp() {
  const { store, objects, versions, clock } = fakeMonitoring('2026-11-25T09:30:00.000Z');
  versions.withVersion(MODEL, VERSION);
  const profiled: Array<{ source: unknown; createdAt: string }> = [];
  const profileSource = async (source: unknown, createdAt: string) => {
    profiled.push({ source, createdAt });
    return buildBaseline(columnsFromCsv(toCsv(generateRows(500, 7, false))), { createdAt, sketchBins: 100, source: (source as { uri: string }).uri });
  };
  const register = registerBaseline({ versions, objects, store, clock, profileSource });
  const request = (overrides: Partial<BaselineRequest> = {}) =>
    parseRequest(RegisterBaselineRequest, { model: MODEL, version: VERSION, profile: asJson(profileOf(1000, 1)), ...overrides });
  return { store, objects, versions, clock, profiled, register, request };
}

describe('registerBaseline', () => {
  it("stores a given profile and the version's baseline record, and answers the record", async () => {
    const { store, objects, clock, profiled, register, request } = setUp();

    const record = await register(request());

    const expected = { model: MODEL, version: VERSION, uri: PROFILE_URI, createdAt: clock.now().toISOString(), rows: 1000, features: FEATURES };
    expect(record).toEqual(expected);
    expect(await store.getBaseline(MODEL, VERSION)).toEqual(expected);
    expect(await objects.getBaseline(MODEL, VERSION)).toEqual(profileOf(1000, 1));
    expect(objects.writes).toEqual([`baselines/${MODEL}/${VERSION}/profile.json`]);
    expect(profiled).toEqual([]);
  });

  it('profiles training data when given a source, stamping the profile with the registration time and the source', async () => {
    const { store, objects, clock, profiled, register, request } = setUp();

    const record = await register(request({ profile: undefined, source: { uri: TRAINING_URI } }));

    const createdAt = clock.now().toISOString();
    expect(profiled).toEqual([{ source: { uri: TRAINING_URI, format: 'csv', exclude: [], categorical: [] }, createdAt }]);
    expect(record).toEqual({ model: MODEL, version: VERSION, uri: PROFILE_URI, createdAt, rows: 500, features: FEATURES, source: TRAINING_URI });
    expect(await store.getBaseline(MODEL, VERSION)).toEqual(record);
    expect(await objects.getBaseline(MODEL, VERSION)).toMatchObject({ createdAt, rows: 500, source: TRAINING_URI });
  });

  it('replaces a baseline when asked to, with the new profile and time', async () => {
    const { store, objects, clock, register, request } = setUp();
    await register(request());
    clock.advance(3_600_000);

    const record = await register(request({ profile: asJson(profileOf(300, 5)), replace: true }));

    expect(record).toMatchObject({ uri: PROFILE_URI, createdAt: clock.now().toISOString(), rows: 300 });
    expect(await store.getBaseline(MODEL, VERSION)).toEqual(record);
    expect((await objects.getBaseline(MODEL, VERSION))?.rows).toBe(300);
  });

  it('fails with NotFoundError for a version the registry does not have, writing nothing and profiling nothing', async () => {
    const { store, objects, profiled, register, request } = setUp();

    const error = await refusalOf(register(request({ version: 13, profile: undefined, source: { uri: TRAINING_URI } })));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(`model ${MODEL} has no version 13`);
    expect(profiled).toEqual([]);
    expect(store.writes).toEqual([]);
    expect(objects.writes).toEqual([]);
  });

  it('fails with ConflictError when the version has a baseline and replace is not asked for, leaving it as it was', async () => {
    const { store, objects, clock, register, request } = setUp();
    const first = await register(request());
    clock.advance(60_000);
    store.writes.length = 0;
    objects.writes.length = 0;

    const error = await refusalOf(register(request({ profile: asJson(profileOf(300, 5)) })));

    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toContain(`already has a baseline (registered ${first.createdAt}): pass replace: true`);
    expect(store.writes).toEqual([]);
    expect(objects.writes).toEqual([]);
    expect(await store.getBaseline(MODEL, VERSION)).toEqual(first);
    expect((await objects.getBaseline(MODEL, VERSION))?.rows).toBe(1000);
  });

  it('fails with ConflictError when the profile is already written though the table has no record (a registration racing ahead), writing no record', async () => {
    const { store, objects, register, request } = setUp();
    await objects.putBaseline(MODEL, VERSION, profileOf(300, 5), false);
    objects.writes.length = 0;

    const error = await refusalOf(register(request()));

    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(`model ${MODEL} version ${VERSION} already has a baseline: pass replace: true to replace it`);
    expect(store.writes).toEqual([]);
    expect((await objects.getBaseline(MODEL, VERSION))?.rows).toBe(300);
  });

  it('lets exactly one of two concurrent first registrations win; the other fails with ConflictError', async () => {
    const { store, register, request } = setUp();

    const outcomes = await Promise.allSettled([register(request()), register(request({ profile: asJson(profileOf(300, 5)) }))]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(store.writes).toHaveLength(1);
    expect(await store.getBaseline(MODEL, VERSION)).toMatchObject({ rows: 1000 });
  });

  it('fails with ValidationError at the profile field that is wrong, writing nothing', async () => {
    const { store, objects, register, request } = setUp();
    const profile = asJson(profileOf(1000, 1)) as unknown as { features: Array<{ sketch: { counts: number[] } }> };
    profile.features[0].sketch.counts[0] += 1;

    const error = await refusalOf(register(request({ profile })));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: 'profile.features[0].sketch.counts', message: 'must add up to count' }]);
    expect(store.writes).toEqual([]);
    expect(objects.writes).toEqual([]);
  });

  it("fails with the profiler's ValidationError (unreadable training data), writing nothing", async () => {
    const { store, objects, versions, clock } = setUp();
    const register = registerBaseline({
      versions,
      objects,
      store,
      clock,
      profileSource: async () => {
        throw ValidationError.of('source.uri', 'no object s3://artifact-bucket/training-data/missing.csv; upload the training data first');
      },
    });

    const error = await refusalOf(
      register(parseRequest(RegisterBaselineRequest, { model: MODEL, version: VERSION, source: { uri: 's3://artifact-bucket/training-data/missing.csv' } })),
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['source.uri']);
    expect(store.writes).toEqual([]);
    expect(objects.writes).toEqual([]);
  });

  it('fails a request giving both a profile and a source before anything is read', () => {
    const both = { model: MODEL, version: VERSION, profile: asJson(profileOf(10, 1)), source: { uri: TRAINING_URI } };

    expect(() => parseRequest(RegisterBaselineRequest, both)).toThrow(ValidationError);
  });
});
