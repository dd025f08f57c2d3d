import { GetObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { monitoringObjectKeys } from '../../../../lambda/monitoring/adapters/s3-monitoring-objects';
import { monitoringKeys } from '../../../../lambda/monitoring/adapters/table-keys';
import { buildBaseline } from '../../../../lambda/monitoring/core/profile/baseline-profile';
import { columnsFromCsv, columnsFromJsonLines } from '../../../../lambda/monitoring/core/profile/dataset-columns';
import { toCsv, toJsonLines } from '../../../cli/fixtures/monitor/drift-data';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import { inputsOf, invoke, type PlatformFakes, resetSdkMocks, s3Mock, sentCommands, thrownBy } from '../../handler-support/sdk-mocks';
import { items as registryItems } from '../../registry/handlers/handler-scenarios';
import {
  ARTIFACT_BUCKET,
  baselineOf,
  freezeDate,
  MODEL,
  MONITORING_BUCKET,
  registerBaselineScenarios,
  storedState,
  TRAINING,
  VERSION,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(registerBaselineScenarios, name);

const NOW = '2026-05-21T10:00:00.000Z';
const PROFILE_KEY = monitoringObjectKeys.baseline(MODEL, VERSION);
const PROFILE_URI = `s3://${MONITORING_BUCKET}/baselines/${MODEL}/${VERSION}/profile.json`;
const TRAINING_KEY = 'training-data/churn/3/train.csv';
const TRAINING_URI = `s3://${ARTIFACT_BUCKET}/${TRAINING_KEY}`;
const FEATURES = [
  { name: 'age', kind: 'numeric' },
  { name: 'income', kind: 'numeric' },
  { name: 'score', kind: 'numeric' },
  { name: 'tenure', kind: 'numeric' },
  { name: 'plan', kind: 'categorical' },
];

/** A value as it is after a trip through JSON, as the stored profile is. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

/** Training rows with a label, an id and a numeric code that is really a category. */
const labelled = TRAINING.map((row, index) => ({ customer_id: 100_000 + index, ...row, region: [10, 20, 30][index % 3], churned: index % 7 === 0 ? 1 : 0 }));

describe('RegisterBaseline handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
    freezeDate(NOW);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it("stores a given profile under baselines/<model>/<version>/profile.json and the version's baseline record, and answers the record", async () => {
    const { result, fakes } = await runScenario('RegisterBaseline', scenario('a profile computed elsewhere'));

    const record = { model: MODEL, version: VERSION, uri: PROFILE_URI, createdAt: NOW, rows: 1000, features: FEATURES };
    expect(result).toEqual(record);
    expect(JSON.parse(fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY)!)).toEqual(asJson(baselineOf(TRAINING)));
    expect(fakes.s3.keys(MONITORING_BUCKET)).toEqual([PROFILE_KEY]);
    expect(fakes.monitoring.all()).toEqual([{ pk: `B#${MODEL}`, sk: 'V#0000000003', ...record }]);
    expect(inputsOf('GetCommand')).toEqual([
      { TableName: fakes.registry.name, Key: { pk: `M#${MODEL}`, sk: 'V#0000000003' }, ConsistentRead: true },
      // Whether the version has a baseline already: replacing one must be asked for.
      { TableName: fakes.monitoring.name, Key: monitoringKeys.baseline(MODEL, VERSION), ConsistentRead: true },
    ]);
    // Written only if the version has no profile: two first registrations cannot both win.
    expect(inputsOf('PutObjectCommand')).toEqual([
      { Bucket: MONITORING_BUCKET, Key: PROFILE_KEY, Body: expect.any(String), ContentType: 'application/json', IfNoneMatch: '*' },
    ]);
  });

  it('profiles CSV training data in the artifact bucket, numeric columns named categorical kept as categories, and records where it came from', async () => {
    const { result, fakes } = await runScenario('RegisterBaseline', scenario('training data in the artifact bucket'));

    expect(inputsOf('GetObjectCommand')).toEqual([{ Bucket: ARTIFACT_BUCKET, Key: TRAINING_KEY }]);
    const expected = buildBaseline(columnsFromCsv(toCsv(TRAINING), { categorical: ['plan'] }), { createdAt: NOW, source: TRAINING_URI });
    expect(JSON.parse(fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY)!)).toEqual(asJson(expected));
    expect(result).toEqual({ model: MODEL, version: VERSION, uri: PROFILE_URI, createdAt: NOW, rows: 1000, features: FEATURES, source: TRAINING_URI });
    expect(fakes.monitoring.get(monitoringKeys.baseline(MODEL, VERSION))).toMatchObject({ source: TRAINING_URI, rows: 1000 });
  });

  it('leaves excluded columns out of the profile and profiles a numeric code named categorical by its categories', async () => {
    fakes.registry.put(registryItems.version(MODEL, VERSION));
    fakes.s3.put(ARTIFACT_BUCKET, TRAINING_KEY, toCsv(labelled));

    const result = await invoke('RegisterBaseline', {
      model: MODEL,
      version: VERSION,
      source: { uri: TRAINING_URI, exclude: ['customer_id', 'churned'], categorical: ['region'] },
    });

    expect(result).toMatchObject({ features: [...FEATURES, { name: 'region', kind: 'categorical' }] });
    const profile = JSON.parse(fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY)!);
    expect(profile.features.map((feature: { name: string }) => feature.name)).toEqual(['age', 'income', 'score', 'tenure', 'plan', 'region']);
    expect(profile.features[5].sketch.categories.sort()).toEqual(['10', '20', '30']);
  });

  it('profiles JSON Lines training data, its features in the order the records name them', async () => {
    fakes.registry.put(registryItems.version(MODEL, VERSION));
    fakes.s3.put(ARTIFACT_BUCKET, 'training-data/churn/3/train.jsonl', toJsonLines(labelled));
    const uri = `s3://${ARTIFACT_BUCKET}/training-data/churn/3/train.jsonl`;

    const result = await invoke('RegisterBaseline', { model: MODEL, version: VERSION, source: { uri, format: 'jsonl', exclude: ['customer_id', 'churned'] } });

    // Without `categorical`, the region codes are numbers like any other.
    expect(result).toEqual({
      model: MODEL,
      version: VERSION,
      uri: PROFILE_URI,
      createdAt: NOW,
      rows: 1000,
      features: [...FEATURES, { name: 'region', kind: 'numeric' }],
      source: uri,
    });
    const expected = buildBaseline(columnsFromJsonLines(toJsonLines(labelled), { exclude: ['customer_id', 'churned'] }), { createdAt: NOW, source: uri });
    expect(JSON.parse(fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY)!)).toEqual(asJson(expected));
  });

  it("replaces a version's baseline when registered again with replace: true", async () => {
    fakes.registry.put(registryItems.version(MODEL, VERSION));
    await invoke('RegisterBaseline', { model: MODEL, version: VERSION, profile: baselineOf(TRAINING) });
    fakes.s3.put(ARTIFACT_BUCKET, TRAINING_KEY, toCsv(TRAINING.slice(0, 400)));

    const result = await invoke('RegisterBaseline', { model: MODEL, version: VERSION, source: { uri: TRAINING_URI }, replace: true });

    expect(result).toMatchObject({ rows: 400, source: TRAINING_URI });
    expect(JSON.parse(fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY)!)).toMatchObject({ rows: 400, source: TRAINING_URI });
    expect(fakes.monitoring.all()).toEqual([expect.objectContaining({ ...monitoringKeys.baseline(MODEL, VERSION), rows: 400, source: TRAINING_URI })]);
  });

  describe('failures, which write nothing', () => {
    /** Runs a refused call and checks that no table or bucket changed and nothing was written. */
    async function refused(request: unknown): Promise<Error> {
      const before = storedState(fakes);
      const error = await thrownBy(invoke('RegisterBaseline', request));
      expect(storedState(fakes)).toEqual(before);
      expect(sentCommands().filter((command) => ['PutObjectCommand', 'PutCommand'].includes(command.command))).toEqual([]);
      return error;
    }

    beforeEach(() => {
      fakes.registry.put(registryItems.version(MODEL, VERSION));
      fakes.s3.put(ARTIFACT_BUCKET, TRAINING_KEY, toCsv(TRAINING));
    });

    it('fails with NotFoundError naming the model and version when the registry has no such version', async () => {
      const error = await refused({ model: MODEL, version: 4, profile: baselineOf(TRAINING) });

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(`model ${MODEL} has no version 4`);
    });

    it('fails with NotFoundError for an unknown version before reading any training data', async () => {
      const error = await refused({ model: 'fraud', version: VERSION, source: { uri: TRAINING_URI } });

      expect(error.name).toBe('NotFoundError');
      expect(error.message).toBe(`model fraud has no version ${VERSION}`);
      expect(inputsOf('GetObjectCommand')).toEqual([]);
    });

    it('fails with ValidationError at source.uri when the training object is missing (NoSuchKey)', async () => {
      const uri = `s3://${ARTIFACT_BUCKET}/training-data/churn/3/missing.csv`;

      const error = await refused({ model: MODEL, version: VERSION, source: { uri } });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`source.uri: no object ${uri}; upload the training data first`);
    });

    it('fails with ValidationError at source.uri when S3 answers a missing key with 403 AccessDenied, as it does to a caller without ListBucket', async () => {
      s3Mock
        .on(GetObjectCommand)
        .rejects(new S3ServiceException({ name: 'AccessDenied', message: 'Access Denied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));

      const error = await refused({ model: MODEL, version: VERSION, source: { uri: TRAINING_URI } });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`source.uri: no object ${TRAINING_URI}; upload the training data first`);
    });

    it('fails with InternalError, not ValidationError, when S3 fails reading the training data otherwise', async () => {
      s3Mock
        .on(GetObjectCommand)
        .rejects(
          new S3ServiceException({ name: 'SlowDown', message: 'Please reduce your request rate.', $fault: 'server', $metadata: { httpStatusCode: 503 } }),
        );

      const error = await refused({ model: MODEL, version: VERSION, source: { uri: TRAINING_URI } });

      expect(error.name).toBe('InternalError');
      expect(error.message).not.toContain('SlowDown');
    });

    it('fails with ConflictError naming replace when the version has a baseline already, profiling nothing and keeping the baseline', async () => {
      const registered = '2026-05-01T08:00:00.000Z';
      fakes.monitoring.put({
        ...monitoringKeys.baseline(MODEL, VERSION),
        model: MODEL,
        version: VERSION,
        uri: PROFILE_URI,
        createdAt: registered,
        rows: 1000,
        features: FEATURES,
      });

      for (const request of [
        { model: MODEL, version: VERSION, source: { uri: TRAINING_URI } },
        { model: MODEL, version: VERSION, profile: baselineOf(TRAINING.slice(0, 400)), replace: false },
      ]) {
        const error = await refused(request);

        expect(error.name).toBe('ConflictError');
        expect(error.message).toBe(`model ${MODEL} version ${VERSION} already has a baseline (registered ${registered}): pass replace: true to replace it`);
      }
      expect(inputsOf('GetObjectCommand')).toEqual([]);
    });

    it('fails with ConflictError when a concurrent first registration stored its profile after the check, keeping that profile', async () => {
      // The other registration's profile, stored between this call's check and its write.
      fakes.s3.put(MONITORING_BUCKET, PROFILE_KEY, JSON.stringify(baselineOf(TRAINING.slice(0, 400))));
      const theirs = fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY);

      const error = await thrownBy(invoke('RegisterBaseline', { model: MODEL, version: VERSION, profile: baselineOf(TRAINING) }));

      expect(error.name).toBe('ConflictError');
      expect(error.message).toBe(`model ${MODEL} version ${VERSION} already has a baseline: pass replace: true to replace it`);
      expect(fakes.s3.get(MONITORING_BUCKET, PROFILE_KEY)).toBe(theirs);
      expect(fakes.monitoring.all()).toEqual([]);
    });

    it.each([
      ['a build context the platform wrote', 'images/victim/1/context/score.py'],
      ["another grant's image input", 'image-inputs/victim/abc/requirements.txt'],
      ['a model artifact', 'models/churn/1f0c/train.csv'],
      ['a key at the top of the bucket', 'train.csv'],
    ])('fails with ValidationError at source.uri for training data outside training-data/ (%s), reading nothing', async (_, key) => {
      fakes.s3.put(ARTIFACT_BUCKET, key, toCsv(TRAINING));

      const error = await refused({ model: MODEL, version: VERSION, source: { uri: `s3://${ARTIFACT_BUCKET}/${key}` } });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(/^source\.uri: must be under "training-data\/" of the artifact bucket/);
      expect(inputsOf('GetObjectCommand')).toEqual([]);
    });

    it('quotes at most a short excerpt of a training file it cannot read', async () => {
      const secret = `customer ${'4111-1111-1111-1111 '.repeat(20)}`;
      const columns = Array.from({ length: 500 }, (_, index) => `secret_column_${index}_${'x'.repeat(40)}`);
      fakes.s3.put(ARTIFACT_BUCKET, 'training-data/churn/3/bad.csv', `${columns.join(',')}\n"${secret}" trailing,1\n`);

      const error = await refused({ model: MODEL, version: VERSION, source: { uri: `s3://${ARTIFACT_BUCKET}/training-data/churn/3/bad.csv` } });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(/^source\.uri: the CSV cannot be read at line 2: .{59}…$/u);
      expect(error.message).not.toContain('secret_column_1');
    });

    it('fails with ValidationError at source.uri for training data in another bucket, reading nothing from it', async () => {
      fakes.s3.put('other-bucket', TRAINING_KEY, toCsv(TRAINING));

      const error = await refused({ model: MODEL, version: VERSION, source: { uri: `s3://other-bucket/${TRAINING_KEY}` } });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(`source.uri: must be in the artifact bucket ${ARTIFACT_BUCKET}`);
      expect(inputsOf('GetObjectCommand')).toEqual([]);
    });

    it.each([
      ['empty', '', 'source.uri: the CSV is empty: it needs a header row'],
      ['not JSON Lines of objects', 'age,income\n40,50000\n', 'source.uri: line 1 is not a JSON object'],
    ])('fails with ValidationError at source.uri for training data that is %s', async (_, body, message) => {
      const format = message.includes('JSON') ? 'jsonl' : 'csv';
      fakes.s3.put(ARTIFACT_BUCKET, 'training-data/churn/3/bad', body);

      const error = await refused({ model: MODEL, version: VERSION, source: { uri: `s3://${ARTIFACT_BUCKET}/training-data/churn/3/bad`, format } });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe(message);
    });

    it.each([
      ['not an S3 URI', { uri: 'https://example.com/train.csv' }, /^source\.uri: must be an S3 URI/],
      ['an unknown format', { uri: TRAINING_URI, format: 'parquet' }, /^source\.format: /],
      ['an unknown field', { uri: TRAINING_URI, header: true }, /^source\.header: is not a known field$/],
    ])('fails with ValidationError for a source that is %s, sending nothing', async (_, source, message) => {
      const error = await refused({ model: MODEL, version: VERSION, source });

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
    });

    it('fails with ValidationError naming the profile fields that are wrong, by their path under profile', async () => {
      const profile = asJson(baselineOf(TRAINING));
      profile.formatVersion = 2;
      profile.features[1].sketch.counts[0] += 1;
      profile.features[4].sketch.categories.push(profile.features[4].sketch.categories[0]);

      const error = await refused({ model: MODEL, version: VERSION, profile });

      expect(error.name).toBe('ValidationError');
      const issues = error.message.split('; ');
      expect(issues).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^profile\.formatVersion: /),
          'profile.features[1].sketch.counts: must add up to count',
          'profile.features[4].sketch.counts: must hold one count per category and one for the rest',
          'profile.features[4].sketch.categories: must be distinct',
        ]),
      );
      expect(issues.every((issue) => issue.startsWith('profile.'))).toBe(true);
    });

    it.each([
      ['edges out of order', (profile: any) => profile.features[0].sketch.edges.reverse(), 'profile.features[0].sketch.edges: must be strictly ascending'],
      ['two features of one name', (profile: any) => (profile.features[1].name = 'age'), 'profile.features: must have distinct names'],
      ['no features', (profile: any) => (profile.features = []), 'profile.features: Too small: expected array to have >=1 items'],
      ['an unknown kind of feature', (profile: any) => (profile.features[0].kind = 'text'), /^profile\.features\[0\]\.kind: /],
    ])('fails with ValidationError for a profile with %s', async (_, spoil, message) => {
      const profile = asJson(baselineOf(TRAINING));
      spoil(profile);

      const error = await refused({ model: MODEL, version: VERSION, profile });

      expect(error.name).toBe('ValidationError');
      if (typeof message === 'string') expect(error.message.split('; ')).toContain(message);
      else expect(error.message).toMatch(message);
    });

    it.each([
      ['neither a profile nor a source', { model: MODEL, version: VERSION }],
      ['both a profile and a source', { model: MODEL, version: VERSION, profile: baselineOf(TRAINING), source: { uri: TRAINING_URI } }],
    ])('fails with ValidationError for %s, sending nothing', async (_, request) => {
      const error = await refused(request);

      expect(error.name).toBe('ValidationError');
      expect(error.message).toBe('payload: must give exactly one of profile and source');
      expect(sentCommands()).toEqual([]);
    });

    it.each([
      ['a version of 0', { model: MODEL, version: 0, source: { uri: TRAINING_URI } }, /^version: /],
      ['a fractional version', { model: MODEL, version: 1.5, source: { uri: TRAINING_URI } }, /^version: /],
      ['no model', { version: VERSION, source: { uri: TRAINING_URI } }, /^model: /],
    ])('fails with ValidationError for %s, sending nothing', async (_, request, message) => {
      const error = await refused(request);

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
    });
  });
});
