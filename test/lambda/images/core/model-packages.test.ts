import * as fc from 'fast-check';
import * as z from 'zod/mini';
import { createModelPackages, decideApproval, MODEL_PACKAGE_GROUP_PREFIX, modelPackageGroupName } from '../../../../lambda/images/core/model-packages';
import { ModelName } from '../../../../lambda/registry/core/schemas';
import { InMemoryModelPackages, InMemoryModelVersions, versionRecord } from './fakes';

/** SageMaker's pattern for model package group names. */
const SAGEMAKER_GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

describe('modelPackageGroupName', () => {
  /** Model names as the registry's schema takes them (case-sensitive, with "." "_" "-"), up to its 255 characters. */
  const modelNames = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/).filter((name) => isValid(ModelName, name));
  const isValid = (schema: z.ZodMiniType, value: unknown) => z.safeParse(schema, value).success;

  it.each([
    ['fraud.detector and fraud-detector', ['fraud.detector', 'fraud-detector']],
    ['fraud.detector and fraud-detector-9fcb7f76 (its group under the earlier mapping)', ['fraud.detector', 'fraud-detector-9fcb7f76']],
    ['Churn and churn', ['Churn', 'churn']],
    ['names that differ after the readable part is cut', [`${'m'.repeat(40)}a`, `${'m'.repeat(40)}b`]],
    ['a name and the group name of another', ['fraud.detector', modelPackageGroupName('fraud.detector')]],
  ])('gives %s different groups, case-insensitively', (_, names) => {
    const groups = names.map((name) => modelPackageGroupName(name).toLowerCase());

    expect(new Set(groups).size).toBe(names.length);
  });

  it('names each group mlops-<readable name>-<digest of the exact name>, the same each time', () => {
    expect(modelPackageGroupName('Fraud.Detector_v2')).toMatch(/^mlops-fraud-detector-v2-[0-9a-f]{32}$/);
    expect(modelPackageGroupName('Fraud.Detector_v2')).toBe(modelPackageGroupName('Fraud.Detector_v2'));
    expect(modelPackageGroupName('churn')).toMatch(new RegExp(`^${MODEL_PACKAGE_GROUP_PREFIX}churn-[0-9a-f]{32}$`));
  });

  it('cuts a long name to 63 characters, with no hyphen before the digest where the cut falls on a separator', () => {
    const group = modelPackageGroupName(`${'m'.repeat(23)}_${'x'.repeat(200)}`);

    expect(group).toMatch(/^mlops-m{23}-[0-9a-f]{32}$/);
    expect(modelPackageGroupName('m'.repeat(255))).toHaveLength(63);
  });

  it('maps distinct valid model names to distinct valid group names, case-insensitively (property)', () => {
    fc.assert(
      fc.property(modelNames, modelNames, (a, b) => {
        const [groupA, groupB] = [modelPackageGroupName(a), modelPackageGroupName(b)];
        expect(groupA).toMatch(SAGEMAKER_GROUP_NAME);
        expect(groupA.startsWith(MODEL_PACKAGE_GROUP_PREFIX)).toBe(true);
        expect(groupA.toLowerCase() === groupB.toLowerCase()).toBe(a === b);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps names that differ only in case or separators apart (property)', () => {
    const variants = modelNames.chain((name) =>
      fc.tuple(fc.constant(name), fc.constantFrom(name.toUpperCase(), name.toLowerCase(), name.replace(/[._-]/g, '-'), name.replace(/[._-]/g, '.'))),
    );
    fc.assert(
      fc.property(variants, ([name, variant]) => {
        fc.pre(variant !== name && isValid(ModelName, variant));
        expect(modelPackageGroupName(name).toLowerCase()).not.toBe(modelPackageGroupName(variant).toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decideApproval', () => {
  const clean = { scan: { status: 'COMPLETE', findings: { HIGH: 3, MEDIUM: 7 } }, allowCriticalFindings: false };

  it('leaves a package pending while its version does not hold the approval alias', () => {
    expect(decideApproval(clean, false, 'production')).toEqual({ status: 'PendingManualApproval', description: 'the model version is not "production"' });
  });

  it('leaves it pending without the alias even with critical findings allowed', () => {
    const decision = decideApproval({ scan: { status: 'COMPLETE', findings: { CRITICAL: 2 } }, allowCriticalFindings: true }, false, 'production');

    expect(decision.status).toBe('PendingManualApproval');
    expect(decision.blockedBy).toBeUndefined();
  });

  it('approves a package whose version holds the alias and whose image has no critical finding', () => {
    expect(decideApproval(clean, true, 'production')).toEqual({ status: 'Approved', description: 'the model version is "production"' });
  });

  it('approves an image without scan results', () => {
    expect(decideApproval({ allowCriticalFindings: false }, true, 'live')).toEqual({ status: 'Approved', description: 'the model version is "live"' });
  });

  it('approves an image whose critical count is zero', () => {
    expect(decideApproval({ scan: { status: 'COMPLETE', findings: { CRITICAL: 0 } }, allowCriticalFindings: false }, true, 'production').status).toBe(
      'Approved',
    );
  });

  it.each([
    [1, '1 CRITICAL scan finding; register the image with allowCriticalFindings to approve it anyway'],
    [4, '4 CRITICAL scan findings; register the image with allowCriticalFindings to approve it anyway'],
  ])('blocks the approval of an image with %i critical finding(s) not allowed at registration', (critical, blockedBy) => {
    const decision = decideApproval({ scan: { status: 'COMPLETE', findings: { CRITICAL: critical } }, allowCriticalFindings: false }, true, 'production');

    expect(decision).toEqual({ status: 'PendingManualApproval', blockedBy, description: `the model version is "production" but ${blockedBy}` });
  });

  it('approves an image with critical findings allowed at registration, saying so', () => {
    const decision = decideApproval({ scan: { status: 'COMPLETE', findings: { CRITICAL: 2 } }, allowCriticalFindings: true }, true, 'production');

    expect(decision).toEqual({ status: 'Approved', description: 'the model version is "production" (2 CRITICAL findings allowed at registration)' });
  });
});

describe('createModelPackages', () => {
  function setUp() {
    const versions = new InMemoryModelVersions()
      .add('churn', 3, 's3://artifacts/churn/3/model.tar.gz')
      .add('churn', 4, 's3://a/4')
      .add('fraud.v2', 1, 's3://a/f');
    versions.setAlias('churn', 'production', 3);
    const packages = new InMemoryModelPackages();
    const image = versionRecord({
      status: 'READY',
      imageUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-images@sha256:${'a'.repeat(64)}`,
      modelDataUrl: 's3://artifacts/images/churn-scorer/2/model.tar.gz',
      environment: { THREADS: '4' },
      models: [
        { name: 'churn', version: 3, artifactUri: 's3://artifacts/churn/3/model.tar.gz' },
        { name: 'fraud.v2', version: 1, artifactUri: 's3://a/f' },
      ],
    });
    return { versions, packages, image, deps: { versions, packages, approvalAlias: 'production' } };
  }

  it("creates one package per served model, in the model's group, approved when its version holds the alias", async () => {
    const { deps, image, packages } = setUp();

    const created = await createModelPackages(deps, image);

    expect(created).toEqual([
      {
        model: 'churn',
        modelVersion: 3,
        groupName: modelPackageGroupName('churn'),
        arn: packages.created[0].arn,
        approvalStatus: 'Approved',
        approvalBlockedBy: undefined,
      },
      {
        model: 'fraud.v2',
        modelVersion: 1,
        groupName: modelPackageGroupName('fraud.v2'),
        arn: packages.created[1].arn,
        approvalStatus: 'PendingManualApproval',
        approvalBlockedBy: undefined,
      },
    ]);
  });

  it('describes each package with the pinned image, the model data, the environment and where it comes from', async () => {
    const { deps, image, packages } = setUp();

    await createModelPackages(deps, image);

    expect(packages.created[0].input).toMatchObject({
      groupName: modelPackageGroupName('churn'),
      groupDescription: expect.stringContaining('churn'),
      description: 'churn version 3 served by image churn-scorer version 2',
      imageUri: image.imageUri,
      modelDataUrl: image.modelDataUrl,
      environment: { THREADS: '4' },
      approvalStatus: 'Approved',
      approvalDescription: 'the model version is "production"',
      metadata: { image: 'churn-scorer', imageVersion: '2', model: 'churn', modelVersion: '3' },
    });
  });

  it('gives each package a client token SageMaker takes, the same on a retry and different per model', async () => {
    const { deps, image, packages } = setUp();

    const first = await createModelPackages(deps, image);
    const retried = await createModelPackages(deps, image);

    const tokens = packages.created.map((call) => call.input.clientToken);
    expect(tokens[0]).toMatch(/^[0-9a-f]{36}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(tokens.slice(2)).toEqual(tokens.slice(0, 2));
    expect(retried.map((record) => record.arn)).toEqual(first.map((record) => record.arn));
    expect(packages.packages.size).toBe(2);
  });

  it('blocks the approval of an image with critical findings', async () => {
    const { deps, image } = setUp();

    const [churn] = await createModelPackages(deps, { ...image, scan: { status: 'COMPLETE', findings: { CRITICAL: 1 } } });

    expect(churn).toMatchObject({ approvalStatus: 'PendingManualApproval', approvalBlockedBy: expect.stringMatching(/^1 CRITICAL scan finding;/) });
  });

  it('leaves the model data out for an image that carries its models', async () => {
    const { deps, image, packages } = setUp();

    await createModelPackages(deps, { ...image, modelDataUrl: undefined });

    expect(packages.created[0].input.modelDataUrl).toBeUndefined();
  });
});
