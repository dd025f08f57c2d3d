import * as z from 'zod/mini';
import { ImageEvent } from '../../../../lambda/images/core/event-schemas';
import { BUILD_PHASES, handleImageEvent } from '../../../../lambda/images/core/image-events';
import type { ImageVersionRecord, ModelPackageRecord } from '../../../../lambda/images/core/model';
import { createModelPackages, modelPackageGroupName } from '../../../../lambda/images/core/model-packages';
import { ValidationError } from '../../../../lambda/shared/errors';
import { parseRequest } from '../../../../lambda/shared/validation';
import { FakeClock } from '../../shared/fake-clock';
import {
  digestOf,
  InMemoryImageRepository,
  InMemoryImageStore,
  InMemoryModelPackages,
  InMemoryModelVersions,
  REPOSITORY_URI,
  RecordingImageEvents,
  versionRecord,
} from './fakes';

const BUILD_ID = 'mlops-image-build:build-1';
const LOGS = 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/builds';
const SCAN = { status: 'COMPLETE', findings: { HIGH: 2, LOW: 5 } };

type Variables = Record<string, string>;
const IMAGE_VARIABLES: Variables = { IMAGE_NAME: 'churn-scorer', IMAGE_VERSION: '2', IMAGE_TAG: 'churn-scorer-2', REPOSITORY_URI };

const information = (variables: Variables, extra: Record<string, unknown> = {}) => ({
  environment: { 'environment-variables': Object.entries(variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) },
  ...extra,
});

/** Events as EventBridge delivers them, checked by the handler's schema. */
const event = (input: unknown) => z.parse(ImageEvent, input);

const stateChange = (status: string, extra: Record<string, unknown> = {}, variables = IMAGE_VARIABLES) =>
  event({
    source: 'aws.codebuild',
    'detail-type': 'CodeBuild Build State Change',
    detail: {
      'build-status': status,
      'build-id': `arn:aws:codebuild:eu-west-1:123456789012:build/${BUILD_ID}`,
      'project-name': 'mlops-image-build',
      'additional-information': information(variables, extra),
    },
  });

const phaseChange = (completedPhase: string, variables = IMAGE_VARIABLES) =>
  event({
    source: 'aws.codebuild',
    'detail-type': 'CodeBuild Build Phase Change',
    detail: {
      'completed-phase': completedPhase,
      'completed-phase-status': 'SUCCEEDED',
      'build-id': BUILD_ID,
      'project-name': 'mlops-image-build',
      'additional-information': information(variables),
    },
  });

const aliasMove = (alias: string, toVersion: number, fromVersion?: number, name = 'churn') =>
  event({
    source: 'mlops.registry',
    'detail-type': 'ModelAliasChanged',
    detail: { name, alias, toVersion, ...(fromVersion === undefined ? {} : { fromVersion }) },
  });

function setUp(building: Partial<ImageVersionRecord> = {}) {
  const store = new InMemoryImageStore().put(versionRecord({ build: { id: BUILD_ID, phase: 'SUBMITTED' }, ...building }));
  const repository = new InMemoryImageRepository();
  const versions = new InMemoryModelVersions()
    .add('churn', 3, 's3://artifacts/models/churn/3/model.tar.gz')
    .add('churn', 4, 's3://artifacts/models/churn/4/model.tar.gz')
    .setAlias('churn', 'production', 3);
  const packages = new InMemoryModelPackages();
  const events = new RecordingImageEvents();
  const clock = new FakeClock('2025-06-01T12:30:00.000Z');
  const deps = {
    store,
    repository,
    versions,
    packages,
    events,
    clock,
    approvalAlias: 'production',
    repositoryName: 'mlops-images',
    repositoryUri: REPOSITORY_URI,
  };
  const handle = handleImageEvent(deps);
  const stored = async () => (await store.getVersion('churn-scorer', 2))!;
  const pushed = (digest = digestOf('d'), scan: { status: string; findings: Record<string, number> } = SCAN) =>
    repository.push('mlops-images', 'churn-scorer-2', { digest, scan });
  return { store, repository, versions, packages, events, clock, deps, handle, stored, pushed };
}

describe('handleImageEvent', () => {
  describe('build events', () => {
    it.each([
      ['no IMAGE_NAME', { IMAGE_VERSION: '2' }],
      ['no IMAGE_VERSION', { IMAGE_NAME: 'churn-scorer' }],
    ])('ignores a build with %s', async (_, variables) => {
      const { handle, store } = setUp();

      expect(await handle(stateChange('SUCCEEDED', {}, variables))).toEqual({
        outcome: 'ignored',
        reason: 'the build names no image (IMAGE_NAME, IMAGE_VERSION)',
      });
      expect(await handle(phaseChange('BUILD', variables))).toMatchObject({ outcome: 'ignored' });
      expect(store.updates).toEqual([]);
    });

    const VARIABLES_PATH = 'detail.additional-information.environment.environment-variables';
    it.each([
      ['an IMAGE_NAME over 2 KB', { IMAGE_NAME: 'a'.repeat(2100), IMAGE_VERSION: '2' }, `${VARIABLES_PATH}[0].value`],
      ['an IMAGE_NAME RegisterImage refuses', { IMAGE_NAME: 'Churn_Scorer', IMAGE_VERSION: '2' }, `${VARIABLES_PATH}[0].value`],
      ['an IMAGE_VERSION that is no number', { IMAGE_NAME: 'churn-scorer', IMAGE_VERSION: 'two' }, `${VARIABLES_PATH}[1].value`],
      ['IMAGE_VERSION 0', { IMAGE_NAME: 'churn-scorer', IMAGE_VERSION: '0' }, `${VARIABLES_PATH}[1].value`],
      ['an IMAGE_VERSION beyond the version numbers', { IMAGE_NAME: 'churn-scorer', IMAGE_VERSION: '99999999999' }, `${VARIABLES_PATH}[1].value`],
    ])('fails with a ValidationError naming the field for a build with %s', (_, variables, path) => {
      for (const detail of [{ 'build-status': 'SUCCEEDED' }, { 'completed-phase': 'BUILD' }]) {
        const detailType = 'build-status' in detail ? 'CodeBuild Build State Change' : 'CodeBuild Build Phase Change';
        const input = {
          'detail-type': detailType,
          detail: { ...detail, 'build-id': BUILD_ID, 'project-name': 'mlops-image-build', 'additional-information': information(variables) },
        };

        expect(() => parseRequest(ImageEvent, input)).toThrow(ValidationError);
        expect(() => parseRequest(ImageEvent, input)).toThrow(expect.objectContaining({ issues: expect.arrayContaining([expect.objectContaining({ path })]) }));
      }
    });

    it.each([
      ['a build id over 1 KB', { 'build-id': 'b'.repeat(1100) }, 'detail.build-id'],
      [
        'a log link over 2 KB',
        { 'additional-information': information(IMAGE_VARIABLES, { logs: { 'deep-link': `https://${'l'.repeat(2100)}` } }) },
        'detail.additional-information.logs.deep-link',
      ],
      [
        'a phase context line over 1 KB',
        {
          'additional-information': information(IMAGE_VARIABLES, {
            phases: [{ 'phase-type': 'BUILD', 'phase-status': 'FAILED', 'phase-context': ['c'.repeat(1100)] }],
          }),
        },
        'detail.additional-information.phases[0].phase-context[0]',
      ],
    ])('fails with a ValidationError naming the field for a build event with %s', (_, fields, path) => {
      const input = {
        'detail-type': 'CodeBuild Build State Change',
        detail: {
          'build-status': 'FAILED',
          'build-id': BUILD_ID,
          'project-name': 'mlops-image-build',
          'additional-information': information(IMAGE_VARIABLES),
          ...fields,
        },
      };

      expect(() => parseRequest(ImageEvent, input)).toThrow(
        expect.objectContaining({ name: 'ValidationError', issues: expect.arrayContaining([expect.objectContaining({ path })]) }),
      );
    });

    it.each([
      ['a model name RegisterModel refuses', { name: 'n'.repeat(300) }, 'detail.name'],
      ['a version that is no integer', { toVersion: 1.5 }, 'detail.toVersion'],
      ['a version DynamoDB cannot store', { toVersion: 1e300 }, 'detail.toVersion'],
      ['a version left that is not a version', { fromVersion: 0 }, 'detail.fromVersion'],
    ])('fails with a ValidationError naming the field for an alias move with %s', (_, fields, path) => {
      const input = { 'detail-type': 'ModelAliasChanged', detail: { name: 'churn', alias: 'production', toVersion: 4, ...fields } };

      expect(() => parseRequest(ImageEvent, input)).toThrow(
        expect.objectContaining({ name: 'ValidationError', issues: expect.arrayContaining([expect.objectContaining({ path })]) }),
      );
    });

    it('ignores a build state change while the build is in progress', async () => {
      const { handle, store } = setUp();

      expect(await handle(stateChange('IN_PROGRESS'))).toEqual({ outcome: 'ignored', reason: 'the build is in progress' });
      expect(store.updates).toEqual([]);
    });

    it('ignores a build of a version that does not exist', async () => {
      const { handle } = setUp();

      expect(await handle(stateChange('SUCCEEDED', {}, { IMAGE_NAME: 'churn-scorer', IMAGE_VERSION: '9' }))).toEqual({
        outcome: 'ignored',
        reason: 'image churn-scorer has no version 9',
      });
    });
  });

  describe('phase changes', () => {
    it('records the phase that follows the completed one', async () => {
      const { handle, stored, clock } = setUp();

      const outcome = await handle(phaseChange('PROVISIONING'));

      expect(outcome).toEqual({ outcome: 'phase', image: { name: 'churn-scorer', version: 2 }, phase: 'DOWNLOAD_SOURCE' });
      expect(await stored()).toMatchObject({ status: 'BUILDING', build: { id: BUILD_ID, phase: 'DOWNLOAD_SOURCE' }, updatedAt: clock.now().toISOString() });
    });

    it('takes the build id from the event when none was recorded', async () => {
      const { handle, stored } = setUp({ build: undefined });

      await handle(phaseChange('SUBMITTED'));

      expect((await stored()).build).toEqual({ id: BUILD_ID, phase: 'QUEUED' });
    });

    it('follows the phases of a build in order', async () => {
      const { handle, stored } = setUp();
      const recorded: (string | undefined)[] = [];

      for (const completed of BUILD_PHASES.slice(0, -2)) {
        await handle(phaseChange(completed));
        recorded.push((await stored()).build?.phase);
      }

      expect(recorded).toEqual(['QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD', 'BUILD', 'POST_BUILD', 'UPLOAD_ARTIFACTS', 'FINALIZING']);
    });

    it('never moves the progress backwards on a late phase event', async () => {
      const { handle, stored, store } = setUp({ build: { id: BUILD_ID, phase: 'BUILD' } });

      expect(await handle(phaseChange('PROVISIONING'))).toEqual({ outcome: 'ignored', reason: 'a later phase is recorded' });
      expect(await handle(phaseChange('PRE_BUILD'))).toMatchObject({ outcome: 'ignored' });
      expect((await stored()).build?.phase).toBe('BUILD');
      expect(store.updates).toEqual([]);
    });

    it.each(['READY', 'FAILED'] as const)('ignores a phase of a version already %s', async (status) => {
      const { handle, store } = setUp({ status });

      expect(await handle(phaseChange('BUILD'))).toEqual({ outcome: 'ignored', reason: 'image churn-scorer version 2 is not building' });
      expect(store.updates).toEqual([]);
    });
  });

  describe('a build that succeeds', () => {
    const exported = (value: string) => ({ 'exported-environment-variables': [{ name: 'BASE_IMAGE_DIGEST', value }] });

    it('pins the base image to the digest the build reports it pulled, keeping the tag it was registered with', async () => {
      const { handle, stored, pushed } = setUp();
      pushed();

      await handle(stateChange('SUCCEEDED', exported(digestOf('b'))));

      expect((await stored()).source).toMatchObject({
        type: 'build',
        baseImage: `public.ecr.aws/docker/library/python@${digestOf('b')}`,
        requestedBaseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
      });
    });

    it('pins a base image of a registry with a port', async () => {
      const { handle, stored, pushed } = setUp({
        source: { ...versionRecord().source, baseImage: 'registry.example.com:5000/ml/python:3.12' } as ImageVersionRecord['source'],
      });
      pushed();

      await handle(stateChange('SUCCEEDED', exported(digestOf('c'))));

      expect((await stored()).source).toMatchObject({
        baseImage: `registry.example.com:5000/ml/python@${digestOf('c')}`,
        requestedBaseImage: 'registry.example.com:5000/ml/python:3.12',
      });
    });

    it('keeps the base image as registered when the build reports no digest', async () => {
      const { handle, stored, pushed } = setUp();
      pushed();

      await handle(stateChange('SUCCEEDED'));

      expect((await stored()).source).toEqual(versionRecord().source);
    });

    it('fails with a ValidationError naming the field for a base image digest that is not one, writing nothing', () => {
      const input = {
        'detail-type': 'CodeBuild Build State Change',
        detail: {
          'build-status': 'SUCCEEDED',
          'build-id': BUILD_ID,
          'project-name': 'p',
          'additional-information': information(IMAGE_VARIABLES, exported('latest; rm -rf /')),
        },
      };

      expect(() => parseRequest(ImageEvent, input)).toThrow(
        expect.objectContaining({
          name: 'ValidationError',
          issues: [{ path: 'detail.additional-information.exported-environment-variables[0].value', message: 'BASE_IMAGE_DIGEST must be a sha256 digest' }],
        }),
      );
    });

    it('makes the version READY, pinned to the pushed digest, with the scan findings and the build log', async () => {
      const { handle, stored, pushed, clock, repository } = setUp();
      pushed();

      const outcome = await handle(stateChange('SUCCEEDED', { logs: { 'deep-link': LOGS } }));

      expect(outcome).toEqual({ outcome: 'ready', image: { name: 'churn-scorer', version: 2 } });
      expect(repository.described).toEqual([{ repository: 'mlops-images', tag: 'churn-scorer-2' }]);
      expect(await stored()).toMatchObject({
        status: 'READY',
        digest: digestOf('d'),
        imageUri: `${REPOSITORY_URI}@${digestOf('d')}`,
        scan: SCAN,
        build: { id: BUILD_ID, phase: 'COMPLETED', logsUrl: LOGS, endedAt: clock.now().toISOString() },
      });
    });

    it('mirrors the READY version to the SageMaker Model Registry and stores its packages', async () => {
      const { handle, stored, pushed, packages } = setUp();
      pushed();

      await handle(stateChange('SUCCEEDED'));

      expect(packages.created).toHaveLength(1);
      expect(packages.created[0].input).toMatchObject({
        groupName: modelPackageGroupName('churn'),
        imageUri: `${REPOSITORY_URI}@${digestOf('d')}`,
        modelDataUrl: 's3://artifacts/images/churn-scorer/2/model.tar.gz',
        approvalStatus: 'Approved',
      });
      expect((await stored()).modelPackages).toEqual([
        {
          model: 'churn',
          modelVersion: 3,
          groupName: modelPackageGroupName('churn'),
          arn: packages.created[0].arn,
          approvalStatus: 'Approved',
          approvalBlockedBy: undefined,
        },
      ]);
    });

    it('announces the version READY with its digest, findings and log', async () => {
      const { handle, pushed, events } = setUp();
      pushed();

      await handle(stateChange('SUCCEEDED', { logs: { 'deep-link': LOGS } }));

      expect(events.published).toEqual([
        {
          name: 'churn-scorer',
          version: 2,
          status: 'READY',
          imageUri: `${REPOSITORY_URI}@${digestOf('d')}`,
          digest: digestOf('d'),
          models: [{ name: 'churn', version: 3 }],
          scan: SCAN,
          logsUrl: LOGS,
          failure: undefined,
        },
      ]);
    });

    it('leaves the package pending when the scan found critical vulnerabilities', async () => {
      const { handle, pushed, stored } = setUp();
      pushed(digestOf('d'), { status: 'COMPLETE', findings: { CRITICAL: 3 } });

      await handle(stateChange('SUCCEEDED'));

      expect((await stored()).modelPackages?.[0]).toMatchObject({
        approvalStatus: 'PendingManualApproval',
        approvalBlockedBy: expect.stringMatching(/^3 CRITICAL scan findings/),
      });
    });

    it('fails the version when ECR has no image under its tag', async () => {
      const { handle, stored, events, packages } = setUp();

      expect(await handle(stateChange('SUCCEEDED'))).toEqual({ outcome: 'failed', image: { name: 'churn-scorer', version: 2 } });

      expect(await stored()).toMatchObject({
        status: 'FAILED',
        build: { failure: 'the build succeeded but ECR repository mlops-images has no image tagged churn-scorer-2' },
      });
      expect(events.published.map((detail) => detail.status)).toEqual(['FAILED']);
      expect(packages.created).toEqual([]);
    });

    it('changes nothing more when another event finished the version first', async () => {
      const { handle, store, pushed, events, stored } = setUp();
      pushed();
      store.interleaveBeforeNextUpdate(() => store.updateBuilding({ name: 'churn-scorer', version: 2 }, { status: 'FAILED' }, 'then'));

      expect(await handle(stateChange('SUCCEEDED'))).toEqual({ outcome: 'ignored', reason: 'no longer BUILDING' });
      expect((await stored()).status).toBe('FAILED');
      expect(events.published).toEqual([]);
    });
  });

  describe('a build that fails', () => {
    const phases = [
      { 'phase-type': 'SUBMITTED', 'phase-status': 'SUCCEEDED' },
      { 'phase-type': 'PROVISIONING', 'phase-status': 'SUCCEEDED', 'phase-context': [': '] },
      {
        'phase-type': 'PRE_BUILD',
        'phase-status': 'FAILED',
        'phase-context': ['COMMAND_EXECUTION_ERROR: Error while executing command: aws s3 cp. Reason: exit status 1', '', ':'],
      },
      { 'phase-type': 'FINALIZING', 'phase-status': 'SUCCEEDED' },
      { 'phase-type': 'COMPLETED' },
    ];

    it('fails the version with the failing phase, its context and the log link', async () => {
      const { handle, stored, clock } = setUp();

      const outcome = await handle(stateChange('FAILED', { phases, logs: { 'deep-link': LOGS } }));

      expect(outcome).toEqual({ outcome: 'failed', image: { name: 'churn-scorer', version: 2 } });
      expect(await stored()).toMatchObject({
        status: 'FAILED',
        build: {
          phase: 'COMPLETED',
          logsUrl: LOGS,
          endedAt: clock.now().toISOString(),
          failure: 'PRE_BUILD FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: aws s3 cp. Reason: exit status 1',
        },
      });
    });

    it('announces the version FAILED with the failure and the log', async () => {
      const { handle, events } = setUp();

      await handle(stateChange('FAILED', { phases, logs: { 'deep-link': LOGS } }));

      expect(events.published).toEqual([expect.objectContaining({ status: 'FAILED', logsUrl: LOGS, failure: expect.stringMatching(/^PRE_BUILD FAILED: /) })]);
    });

    it('names a failing phase without context by its type and status', async () => {
      const { handle, stored } = setUp();

      await handle(stateChange('TIMED_OUT', { phases: [{ 'phase-type': 'BUILD', 'phase-status': 'TIMED_OUT', 'phase-context': [''] }] }));

      expect((await stored()).build?.failure).toBe('BUILD TIMED_OUT');
    });

    it.each(['FAILED', 'STOPPED', 'FAULT'])('says how a build without phase details ended (%s)', async (status) => {
      const { handle, stored } = setUp();

      await handle(stateChange(status));

      expect((await stored()).build?.failure).toBe(`the build ended ${status}`);
    });

    it('checks no image in ECR', async () => {
      const { handle, repository } = setUp();

      await handle(stateChange('FAILED', { phases }));

      expect(repository.described).toEqual([]);
    });
  });

  describe('events delivered again or late', () => {
    it('ignores an end of build for a READY version', async () => {
      const { handle, pushed, packages, events, store } = setUp();
      pushed();
      await handle(stateChange('SUCCEEDED'));
      const updates = store.updates.length;

      expect(await handle(stateChange('SUCCEEDED'))).toEqual({ outcome: 'ignored', reason: 'already READY' });
      expect(await handle(stateChange('FAILED'))).toEqual({ outcome: 'ignored', reason: 'already READY' });
      expect(packages.created).toHaveLength(1);
      expect(events.published).toHaveLength(1);
      expect(store.updates).toHaveLength(updates);
    });

    it('ignores an end of build for a FAILED version', async () => {
      const { handle, pushed, events, stored } = setUp();
      await handle(stateChange('FAILED'));
      pushed();

      expect(await handle(stateChange('SUCCEEDED'))).toEqual({ outcome: 'ignored', reason: 'already FAILED' });
      expect((await stored()).status).toBe('FAILED');
      expect(events.published).toHaveLength(1);
    });

    it('leaves the version BUILDING when its packages cannot be created, so it is never READY without them', async () => {
      const { handle, pushed, packages, events, stored } = setUp();
      pushed();
      packages.failNextCreate();

      await expect(handle(stateChange('SUCCEEDED'))).rejects.toThrow('ThrottlingException');

      expect(await stored()).toMatchObject({ status: 'BUILDING', build: { id: BUILD_ID, phase: 'SUBMITTED' } });
      expect((await stored()).modelPackages).toBeUndefined();
      expect(events.published).toEqual([]);
    });

    it('finishes on the redelivered event, creating no package twice', async () => {
      const { handle, pushed, packages, events, stored, versions } = setUp({
        models: [
          { name: 'churn', version: 3, artifactUri: 's3://a/3' },
          { name: 'churn', version: 4, artifactUri: 's3://a/4' },
        ],
      });
      versions.add('churn', 4, 's3://a/4');
      pushed();
      packages.failCreate(2);
      await expect(handle(stateChange('SUCCEEDED'))).rejects.toThrow('ThrottlingException');
      expect(packages.packages.size).toBe(1);

      const outcome = await handle(stateChange('SUCCEEDED'));

      expect(outcome).toEqual({ outcome: 'ready', image: { name: 'churn-scorer', version: 2 } });
      expect(packages.packages.size).toBe(2);
      expect((await stored()).status).toBe('READY');
      expect((await stored()).modelPackages?.map((pkg) => [pkg.modelVersion, pkg.approvalStatus])).toEqual([
        [3, 'Approved'],
        [4, 'PendingManualApproval'],
      ]);
      expect(events.published).toEqual([expect.objectContaining({ status: 'READY', digest: digestOf('d') })]);
    });
  });

  describe('approval alias moves', () => {
    /** READY versions 2 (churn 3) and 3 (churn 4 and fraud 1) of churn-scorer, and version 1 of batch (churn 4), mirrored. */
    async function mirrored(setup: ReturnType<typeof setUp>, options: { criticalOnVersion3?: number; allowCritical?: boolean } = {}) {
      const { store, deps } = setup;
      setup.versions.add('fraud', 1, 's3://artifacts/models/fraud/1/model.tar.gz').setAlias('fraud', 'production', 1);
      const ready = (overrides: Partial<ImageVersionRecord>) =>
        versionRecord({ status: 'READY', imageUri: `${REPOSITORY_URI}@${digestOf('a')}`, digest: digestOf('a'), ...overrides });
      const records = [
        ready({ version: 2, models: [{ name: 'churn', version: 3, artifactUri: 's3://a/3' }] }),
        ready({
          version: 3,
          models: [
            { name: 'churn', version: 4, artifactUri: 's3://a/4' },
            { name: 'fraud', version: 1, artifactUri: 's3://a/f' },
          ],
          scan: { status: 'COMPLETE', findings: { CRITICAL: options.criticalOnVersion3 ?? 0 } },
          allowCriticalFindings: options.allowCritical ?? false,
        }),
        ready({ name: 'batch', version: 1, models: [{ name: 'churn', version: 4, artifactUri: 's3://a/4' }] }),
      ];
      for (const record of records) store.put({ ...record, modelPackages: await createModelPackages(deps, record) });
      store.packageWrites.length = 0;
    }
    const packagesOf = async (store: InMemoryImageStore, name: string, version: number) =>
      ((await store.getVersion(name, version))?.modelPackages ?? []).map(
        (pkg: ModelPackageRecord) => `${pkg.model}/${pkg.modelVersion} ${pkg.approvalStatus}${pkg.approvalBlockedBy ? ' (blocked)' : ''}`,
      );
    /** Moves churn's production alias in the registry, as SetModelAlias does, and delivers the event it announces. */
    const moveProduction = (setup: ReturnType<typeof setUp>, toVersion: number, fromVersion?: number) => {
      setup.versions.setAlias('churn', 'production', toVersion);
      return setup.handle(aliasMove('production', toVersion, fromVersion));
    };

    it('approves the packages of the version the alias reached and withdraws those of the one it left', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      const { store, packages } = setup;

      const outcome = await moveProduction(setup, 4, 3);

      expect(outcome).toEqual({ outcome: 'approvals', changed: 3 });
      expect(await packagesOf(store, 'churn-scorer', 2)).toEqual(['churn/3 PendingManualApproval']);
      expect(await packagesOf(store, 'churn-scorer', 3)).toEqual(['churn/4 Approved', 'fraud/1 Approved']);
      expect(await packagesOf(store, 'batch', 1)).toEqual(['churn/4 Approved']);
      expect(packages.approvals).toEqual([
        { arn: expect.any(String), status: 'Approved', description: 'the model version is "production"' },
        { arn: expect.any(String), status: 'Approved', description: 'the model version is "production"' },
        { arn: expect.any(String), status: 'PendingManualApproval', description: 'the model version is not "production"' },
      ]);
      expect(Object.values(packages.statuses()).sort()).toEqual(['Approved', 'Approved', 'Approved', 'PendingManualApproval']);
    });

    it('withdraws the approvals of the version an alias removed (through MLflow) left: a move to nowhere, without toVersion', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      const { store } = setup;
      setup.versions.setAlias('churn', 'production', undefined);

      const outcome = await setup.handle(
        event({ source: 'mlops.registry', 'detail-type': 'ModelAliasChanged', detail: { name: 'churn', alias: 'production', fromVersion: 3, removed: true } }),
      );

      expect(outcome).toMatchObject({ outcome: 'approvals' });
      expect(await packagesOf(store, 'churn-scorer', 2)).toEqual(['churn/3 PendingManualApproval']);
    });

    it('leaves the packages of other models of the same image alone', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      const { packages } = setup;

      await moveProduction(setup, 4, 3);

      const fraud = [...packages.packages.values()].find((pkg) => pkg.input.metadata.model === 'fraud')!;
      expect(packages.approvals.map((approval) => approval.arn)).not.toContain(fraud.arn);
    });

    it('keeps a package with critical findings pending', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup, { criticalOnVersion3: 2 });
      const { store, packages } = setup;
      const churn4 = (await store.getVersion('churn-scorer', 3))!.modelPackages![0];

      const outcome = await moveProduction(setup, 4, 3);

      expect(outcome).toEqual({ outcome: 'approvals', changed: 2 });
      expect((await packagesOf(store, 'churn-scorer', 3)).map((pkg) => pkg.replace(' (blocked)', ''))).toEqual([
        'churn/4 PendingManualApproval',
        'fraud/1 PendingManualApproval',
      ]);
      expect(packages.approvals.map((approval) => approval.arn)).not.toContain(churn4.arn);
    });

    it('says why a package that reached the alias stays pending, and forgets it once the alias leaves', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup, { criticalOnVersion3: 2 });
      const { store } = setup;

      await moveProduction(setup, 4, 3);
      expect(await packagesOf(store, 'churn-scorer', 3)).toEqual(['churn/4 PendingManualApproval (blocked)', 'fraud/1 PendingManualApproval (blocked)']);

      await moveProduction(setup, 3, 4);
      expect(await packagesOf(store, 'churn-scorer', 3)).toEqual(['churn/4 PendingManualApproval', 'fraud/1 PendingManualApproval (blocked)']);
    });

    it('approves a package with critical findings allowed at registration', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup, { criticalOnVersion3: 2, allowCritical: true });

      await moveProduction(setup, 4, 3);

      expect(await packagesOf(setup.store, 'churn-scorer', 3)).toEqual(['churn/4 Approved', 'fraud/1 Approved']);
    });

    it('approves on a first assignment of the alias, without a version it left', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);

      expect(await moveProduction(setup, 4)).toEqual({ outcome: 'approvals', changed: 2 });
      expect(await packagesOf(setup.store, 'churn-scorer', 3)).toEqual(['churn/4 Approved', 'fraud/1 Approved']);
      expect(await packagesOf(setup.store, 'batch', 1)).toEqual(['churn/4 Approved']);
    });

    it('changes nothing on an alias set again to the version it holds', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);

      expect(await moveProduction(setup, 3, 3)).toEqual({ outcome: 'approvals', changed: 0 });
      expect(setup.packages.approvals).toEqual([]);
    });

    it('changes nothing more when the same move is delivered again', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      await moveProduction(setup, 4, 3);
      const approvals = setup.packages.approvals.length;

      expect(await moveProduction(setup, 4, 3)).toEqual({ outcome: 'approvals', changed: 0 });
      expect(setup.packages.approvals).toHaveLength(approvals);
    });

    it('skips image versions that have no packages yet', async () => {
      const setup = setUp({ status: 'BUILDING' });
      const { store, packages } = setup;

      expect(await moveProduction(setup, 3, 2)).toEqual({ outcome: 'approvals', changed: 0 });
      expect(store.packageWrites).toEqual([]);
      expect(packages.approvals).toEqual([]);
    });

    it('ignores moves of other aliases and of models no image serves', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);

      expect(await setup.handle(aliasMove('staging', 4, 3))).toEqual({ outcome: 'ignored', reason: 'alias "staging" does not approve' });
      expect(await setup.handle(aliasMove('production', 1, undefined, 'ranker'))).toEqual({ outcome: 'approvals', changed: 0 });
      expect(setup.packages.approvals).toEqual([]);
    });

    it('approves nothing a forged move claims: the packages follow the version the registry says holds the alias', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);

      // production stays on churn 3; the event claims it moved to 4.
      const outcome = await setup.handle(aliasMove('production', 4, 3));

      expect(outcome).toEqual({ outcome: 'approvals', changed: 0 });
      expect(await packagesOf(setup.store, 'churn-scorer', 2)).toEqual(['churn/3 Approved']);
      expect(await packagesOf(setup.store, 'churn-scorer', 3)).toEqual(['churn/4 PendingManualApproval', 'fraud/1 Approved']);
      expect(await packagesOf(setup.store, 'batch', 1)).toEqual(['churn/4 PendingManualApproval']);
      expect(setup.packages.approvals).toEqual([]);
    });

    it('withdraws the approval of an old version when a forged or stale move names it as reached', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      await moveProduction(setup, 4, 3);

      // production is on churn 4; a replayed event claims it went back to 3.
      const outcome = await setup.handle(aliasMove('production', 3, 4));

      expect(outcome).toEqual({ outcome: 'approvals', changed: 0 });
      expect(await packagesOf(setup.store, 'churn-scorer', 2)).toEqual(['churn/3 PendingManualApproval']);
      expect(await packagesOf(setup.store, 'churn-scorer', 3)).toEqual(['churn/4 Approved', 'fraud/1 Approved']);
    });

    it('approves the version the registry says holds the alias even when the event names others', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      setup.versions.setAlias('churn', 'production', 4);

      // An event of an earlier move (from 2 to 3) arrives after the alias moved on to 4.
      const outcome = await setup.handle(aliasMove('production', 3, 2));

      expect(outcome).toEqual({ outcome: 'approvals', changed: 3 });
      expect(await packagesOf(setup.store, 'churn-scorer', 2)).toEqual(['churn/3 PendingManualApproval']);
      expect(await packagesOf(setup.store, 'churn-scorer', 3)).toEqual(['churn/4 Approved', 'fraud/1 Approved']);
      expect(await packagesOf(setup.store, 'batch', 1)).toEqual(['churn/4 Approved']);
    });

    it('withdraws every approval of the model when the registry has no such alias', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      setup.versions.setAlias('churn', 'production', undefined);

      expect(await setup.handle(aliasMove('production', 3))).toEqual({ outcome: 'approvals', changed: 1 });
      expect(await packagesOf(setup.store, 'churn-scorer', 2)).toEqual(['churn/3 PendingManualApproval']);
    });

    it('follows a move of the alias made while the packages were re-decided', async () => {
      const setup = setUp({ status: 'READY' });
      await mirrored(setup);
      // The first read sees churn 4; the alias is back on 3 by the time the writes are done.
      jest.spyOn(setup.versions, 'aliasVersion').mockResolvedValueOnce(4);

      await setup.handle(aliasMove('production', 4, 3));

      expect(await packagesOf(setup.store, 'churn-scorer', 2)).toEqual(['churn/3 Approved']);
      expect(await packagesOf(setup.store, 'churn-scorer', 3)).toEqual(['churn/4 PendingManualApproval', 'fraud/1 Approved']);
      expect(await packagesOf(setup.store, 'batch', 1)).toEqual(['churn/4 PendingManualApproval']);
    });
  });
});
