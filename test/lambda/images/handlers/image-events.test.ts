import { imageKeys } from '../../../../lambda/images/adapters/table-keys';
import { modelPackageGroupName } from '../../../../lambda/images/core/model-packages';
import { keys as registryKeys } from '../../../../lambda/registry/adapters/table-keys';
import { runScenario, scenarioNamed } from '../../handler-support/scenarios';
import {
  clearSentCommands,
  digestOf,
  FUNCTION_ENVIRONMENT,
  inputsOf,
  invoke,
  type PlatformFakes,
  resetSdkMocks,
  sentCommands,
  TEST_ACCOUNT,
  TEST_REGION,
  thrownBy,
} from '../../handler-support/sdk-mocks';
import {
  aliasChanged,
  BUILD_ENDED,
  BUILD_FAILED_CONTEXT,
  BUILD_ID,
  buildingVersion,
  buildPhaseChange,
  buildStateChange,
  committed,
  freezeDate,
  IMAGE,
  imageEventsScenarios,
  imagesFollowingProduction,
  items,
  LOGS_URL,
  MODEL,
  modelsInRegistry,
  OTHER_MODEL,
  packageRecords,
  pushed,
  REPOSITORY_NAME,
  REPOSITORY_URI,
  readyVersion,
  SERVED_MODELS,
  SUCCEEDED_PHASES,
  storedState,
} from './handler-scenarios';

const scenario = (name: string) => scenarioNamed(imageEventsScenarios, name);

const packageArn = (model: string) => `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${modelPackageGroupName(model)}/1`;
const REF = { name: IMAGE, version: 1 };

/** The version as the table holds it, without its keys. */
function storedVersion(fakes: PlatformFakes, version = 1) {
  const { pk: _pk, sk: _sk, ...record } = fakes.images.get(imageKeys.version(IMAGE, version))!;
  return record;
}

const publishedDetails = () => inputsOf('PutEventsCommand').map((input) => ({ ...input.Entries[0], Detail: JSON.parse(input.Entries[0].Detail) }));

/** An event that must change nothing and send nothing but its reads. */
async function ignored(fakes: PlatformFakes, event: unknown): Promise<unknown> {
  const before = storedState(fakes);
  clearSentCommands();
  const result = await invoke('ImageEvents', event);
  expect(storedState(fakes)).toEqual(before);
  expect(sentCommands().filter((command) => !['GetCommand', 'QueryCommand', 'DescribeImagesCommand'].includes(command.command))).toEqual([]);
  return result;
}

describe('ImageEvents handler', () => {
  let fakes: PlatformFakes;

  beforeEach(() => {
    fakes = resetSdkMocks();
    freezeDate(BUILD_ENDED);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('build phase changes', () => {
    it('records the phase after the one that completed as the progress of the build', async () => {
      const { result, fakes } = await runScenario('ImageEvents', scenario('a phase of a build completed'));

      expect(result).toEqual({ outcome: 'phase', image: REF, phase: 'PROVISIONING' });
      expect(storedVersion(fakes)).toEqual({ ...buildingVersion(1), build: { id: BUILD_ID, phase: 'PROVISIONING' }, updatedAt: BUILD_ENDED });
      expect(inputsOf('UpdateCommand')).toEqual([
        {
          TableName: FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME,
          Key: imageKeys.version(IMAGE, 1),
          UpdateExpression: 'SET #f0 = :f0, #f1 = :f1',
          ConditionExpression: '#status = :building',
          ExpressionAttributeNames: { '#status': 'status', '#f0': 'build', '#f1': 'updatedAt' },
          ExpressionAttributeValues: { ':building': 'BUILDING', ':f0': { id: BUILD_ID, phase: 'PROVISIONING' }, ':f1': BUILD_ENDED },
        },
      ]);
      expect(inputsOf('PutEventsCommand')).toEqual([]);
    });

    it('never moves the progress backwards when a phase change arrives after a later one', async () => {
      const { result, fakes } = await runScenario('ImageEvents', scenario('a phase change that arrives after a later one'));

      expect(result).toEqual({ outcome: 'ignored', reason: 'a later phase is recorded' });
      expect(storedVersion(fakes).build).toEqual({ id: BUILD_ID, phase: 'BUILD' });
    });

    it('follows the phases of a build in order', async () => {
      committed(fakes, buildingVersion());

      for (const completed of ['SUBMITTED', 'QUEUED', 'PROVISIONING', 'DOWNLOAD_SOURCE', 'INSTALL', 'PRE_BUILD'])
        await invoke('ImageEvents', buildPhaseChange(completed));

      expect(inputsOf('UpdateCommand').map((input) => input.ExpressionAttributeValues[':f0'].phase)).toEqual([
        'QUEUED',
        'PROVISIONING',
        'DOWNLOAD_SOURCE',
        'INSTALL',
        'PRE_BUILD',
        'BUILD',
      ]);
      expect(storedVersion(fakes).build).toEqual({ id: BUILD_ID, phase: 'BUILD' });
    });

    it('ignores a phase change of a version that is no longer building', async () => {
      committed(fakes, readyVersion(1, SERVED_MODELS, packageRecords(SERVED_MODELS)));

      const result = await ignored(fakes, buildPhaseChange('FINALIZING'));

      expect(result).toEqual({ outcome: 'ignored', reason: `image ${IMAGE} version 1 is not building` });
    });
  });

  describe('a build that succeeded', () => {
    it('makes the version READY, pinned to the digest ECR gives the pushed tag, with its scan findings, the log link and the end time', async () => {
      const { result, fakes } = await runScenario('ImageEvents', scenario('a build that succeeded'));

      const digest = digestOf(REPOSITORY_NAME, 'fraud-scoring-1');
      expect(result).toEqual({ outcome: 'ready', image: REF });
      expect(inputsOf('DescribeImagesCommand')).toEqual([
        { registryId: undefined, repositoryName: REPOSITORY_NAME, imageIds: [{ imageTag: 'fraud-scoring-1' }] },
      ]);
      expect(storedVersion(fakes)).toEqual({
        ...buildingVersion(1),
        status: 'READY',
        updatedAt: BUILD_ENDED,
        build: { id: BUILD_ID, phase: 'COMPLETED', logsUrl: LOGS_URL, endedAt: BUILD_ENDED },
        digest,
        imageUri: `${REPOSITORY_URI}@${digest}`,
        scan: { status: 'COMPLETE', findings: { HIGH: 1, MEDIUM: 4 } },
        modelPackages: [
          { model: MODEL, modelVersion: 3, groupName: modelPackageGroupName(MODEL), arn: packageArn(MODEL), approvalStatus: 'Approved' },
          {
            model: OTHER_MODEL,
            modelVersion: 2,
            groupName: modelPackageGroupName(OTHER_MODEL),
            arn: packageArn(OTHER_MODEL),
            approvalStatus: 'PendingManualApproval',
          },
        ],
      });
    });

    it('mirrors each served model to SageMaker: Approved for the version in production, pending for the other, with the built model data', async () => {
      const { fakes } = await runScenario('ImageEvents', scenario('a build that succeeded'));

      const { imageUri, modelDataUrl } = storedVersion(fakes);
      expect(inputsOf('CreateModelPackageGroupCommand').map((input) => input.ModelPackageGroupName)).toEqual([
        modelPackageGroupName(MODEL),
        modelPackageGroupName(OTHER_MODEL),
      ]);
      expect(
        inputsOf('CreateModelPackageCommand').map((input) => [input.ModelPackageGroupName, input.ModelApprovalStatus, input.InferenceSpecification.Containers]),
      ).toEqual([
        [modelPackageGroupName(MODEL), 'Approved', [{ Image: imageUri, ModelDataUrl: modelDataUrl, Environment: { LOG_LEVEL: 'debug' } }]],
        [modelPackageGroupName(OTHER_MODEL), 'PendingManualApproval', [{ Image: imageUri, ModelDataUrl: modelDataUrl, Environment: { LOG_LEVEL: 'debug' } }]],
      ]);
      expect(fakes.sageMaker.packages.map(({ arn, approvalStatus }) => [arn, approvalStatus])).toEqual([
        [packageArn(MODEL), 'Approved'],
        [packageArn(OTHER_MODEL), 'PendingManualApproval'],
      ]);
    });

    it('announces ImageBuildStateChanged READY with the pinned image, its scan and the log link', async () => {
      const { fakes } = await runScenario('ImageEvents', scenario('a build that succeeded'));

      const { digest } = storedVersion(fakes);
      expect(publishedDetails()).toEqual([
        {
          EventBusName: FUNCTION_ENVIRONMENT.EVENT_BUS_NAME,
          Source: 'mlops-platform.images',
          DetailType: 'ImageBuildStateChanged',
          Detail: {
            name: IMAGE,
            version: 1,
            status: 'READY',
            imageUri: `${REPOSITORY_URI}@${digest}`,
            digest,
            models: [
              { name: MODEL, version: 3 },
              { name: OTHER_MODEL, version: 2 },
            ],
            scan: { status: 'COMPLETE', findings: { HIGH: 1, MEDIUM: 4 } },
            logsUrl: LOGS_URL,
          },
        },
      ]);
    });

    it('keeps the packages pending when the pushed image has CRITICAL findings', async () => {
      modelsInRegistry(fakes);
      committed(fakes, buildingVersion());
      pushed(fakes, 1, { CRITICAL: 1 });

      await invoke('ImageEvents', buildStateChange('SUCCEEDED'));

      expect(storedVersion(fakes).modelPackages).toEqual([
        expect.objectContaining({
          model: MODEL,
          approvalStatus: 'PendingManualApproval',
          approvalBlockedBy: '1 CRITICAL scan finding; register the image with allowCriticalFindings to approve it anyway',
        }),
        expect.objectContaining({ model: OTHER_MODEL, approvalStatus: 'PendingManualApproval' }),
      ]);
    });

    it('records the version FAILED with a clear failure when ECR has no image under its tag', async () => {
      const { result, fakes } = await runScenario('ImageEvents', scenario('a build that succeeded without pushing its image'));

      const failure = `the build succeeded but ECR repository ${REPOSITORY_NAME} has no image tagged fraud-scoring-1`;
      expect(result).toEqual({ outcome: 'failed', image: REF });
      expect(storedVersion(fakes)).toEqual({
        ...buildingVersion(1),
        status: 'FAILED',
        updatedAt: BUILD_ENDED,
        build: { id: BUILD_ID, phase: 'COMPLETED', logsUrl: LOGS_URL, endedAt: BUILD_ENDED, failure },
      });
      expect(publishedDetails().map((event) => event.Detail)).toEqual([
        {
          name: IMAGE,
          version: 1,
          status: 'FAILED',
          models: [
            { name: MODEL, version: 3 },
            { name: OTHER_MODEL, version: 2 },
          ],
          logsUrl: LOGS_URL,
          failure,
        },
      ]);
      expect(fakes.sageMaker.packages).toEqual([]);
    });

    it('makes the version READY on the redelivery of an end whose first delivery made the packages but could not record them, making no package twice', async () => {
      const { result, fakes, arranged } = await runScenario(
        'ImageEvents',
        scenario('a redelivered end of a build whose first delivery made the packages but failed to record them'),
      );

      expect(arranged.filter((command) => command.command === 'CreateModelPackageCommand')).toHaveLength(2);
      expect(result).toEqual({ outcome: 'ready', image: REF });
      expect(storedVersion(fakes)).toMatchObject({
        status: 'READY',
        modelPackages: [
          { model: MODEL, modelVersion: 3, groupName: modelPackageGroupName(MODEL), arn: packageArn(MODEL), approvalStatus: 'Approved' },
          {
            model: OTHER_MODEL,
            modelVersion: 2,
            groupName: modelPackageGroupName(OTHER_MODEL),
            arn: packageArn(OTHER_MODEL),
            approvalStatus: 'PendingManualApproval',
          },
        ],
      });
      expect(fakes.sageMaker.packages.map((modelPackage) => modelPackage.arn)).toEqual([packageArn(MODEL), packageArn(OTHER_MODEL)]);
      expect(publishedDetails().map((event) => event.Detail.status)).toEqual(['READY']);
    });
  });

  describe('a build that failed', () => {
    it('records the version FAILED with the failing phase, its context and the log link, and announces it', async () => {
      const { result, fakes } = await runScenario('ImageEvents', scenario('a build that failed'));

      const failure = `BUILD FAILED: ${BUILD_FAILED_CONTEXT}`;
      expect(result).toEqual({ outcome: 'failed', image: REF });
      expect(storedVersion(fakes)).toEqual({
        ...buildingVersion(1),
        status: 'FAILED',
        updatedAt: BUILD_ENDED,
        build: { id: BUILD_ID, phase: 'COMPLETED', logsUrl: LOGS_URL, endedAt: BUILD_ENDED, failure },
      });
      expect(publishedDetails().map((event) => event.Detail)).toEqual([
        {
          name: IMAGE,
          version: 1,
          status: 'FAILED',
          models: [
            { name: MODEL, version: 3 },
            { name: OTHER_MODEL, version: 2 },
          ],
          logsUrl: LOGS_URL,
          failure,
        },
      ]);
      expect(inputsOf('DescribeImagesCommand')).toEqual([]);
    });

    it('names the phase that timed out, without its empty context, for a build stopped by its timeout', async () => {
      committed(fakes, buildingVersion());
      const phases = [
        ...SUCCEEDED_PHASES.slice(0, 6),
        { 'phase-type': 'BUILD', 'phase-status': 'TIMED_OUT', 'phase-context': [': '] },
        ...SUCCEEDED_PHASES.slice(8),
      ];

      await invoke('ImageEvents', buildStateChange('FAILED', 1, phases));

      expect(storedVersion(fakes).build).toMatchObject({ failure: 'BUILD TIMED_OUT' });
    });

    it('says how the build ended when no phase failed (a build stopped by hand)', async () => {
      committed(fakes, buildingVersion());

      await invoke('ImageEvents', buildStateChange('STOPPED', 1, SUCCEEDED_PHASES.slice(0, 4)));

      expect(storedVersion(fakes)).toMatchObject({ status: 'FAILED', build: { failure: 'the build ended STOPPED' } });
    });
  });

  describe('events that change nothing', () => {
    it('ignores a repeated end of a build: no second READY, no packages made again', async () => {
      const { result, sent } = await runScenario('ImageEvents', scenario('a repeated end of a build'));

      expect(result).toEqual({ outcome: 'ignored', reason: 'already READY' });
      expect(sent.map((command) => command.command)).toEqual(['GetCommand']);
    });

    it.each([
      ['SUCCEEDED', 'already READY'],
      ['FAILED', 'already READY'],
    ] as const)('ignores a %s end of a build that already made the version READY', async (status, reason) => {
      modelsInRegistry(fakes);
      committed(fakes, buildingVersion());
      pushed(fakes);
      await invoke('ImageEvents', buildStateChange('SUCCEEDED'));

      const result = await ignored(fakes, buildStateChange(status));

      expect(result).toEqual({ outcome: 'ignored', reason });
    });

    it('ignores an end of a build of a version already FAILED', async () => {
      committed(fakes, buildingVersion());
      await invoke('ImageEvents', buildStateChange('FAILED'));

      const result = await ignored(fakes, buildStateChange('FAILED'));

      expect(result).toEqual({ outcome: 'ignored', reason: 'already FAILED' });
    });

    it('ignores the end of a build of an image version the table does not hold', async () => {
      committed(fakes, buildingVersion());

      const result = await ignored(fakes, buildStateChange('FAILED', 7));

      expect(result).toEqual({ outcome: 'ignored', reason: `image ${IMAGE} has no version 7` });
      expect(inputsOf('GetCommand').map((input) => input.Key)).toEqual([imageKeys.version(IMAGE, 7)]);
    });

    it('ignores a build in progress, reading nothing', async () => {
      committed(fakes, buildingVersion());

      const result = await ignored(fakes, buildStateChange('IN_PROGRESS'));

      expect(result).toEqual({ outcome: 'ignored', reason: 'the build is in progress' });
      expect(sentCommands()).toEqual([]);
    });

    it('ignores a build that names no image, reading nothing', async () => {
      const event = buildStateChange('SUCCEEDED');
      event.detail['additional-information'] = { ...(event.detail['additional-information'] as object), environment: { 'environment-variables': [] } };

      const result = await ignored(fakes, event);

      expect(result).toEqual({ outcome: 'ignored', reason: 'the build names no image (IMAGE_NAME, IMAGE_VERSION)' });
      expect(sentCommands()).toEqual([]);
    });
  });

  describe('events out of bounds', () => {
    const withVariable = (event: ReturnType<typeof buildStateChange>, name: string, value: string) => {
      const information = event.detail['additional-information'] as { environment: { 'environment-variables': { name: string; value: string }[] } };
      for (const variable of information.environment['environment-variables']) if (variable.name === name) variable.value = value;
      return event;
    };

    it.each([
      [
        'a build end with an IMAGE_NAME over 2 KB',
        () => withVariable(buildStateChange('SUCCEEDED'), 'IMAGE_NAME', 'a'.repeat(2100)),
        /^detail\.additional-information\.environment\.environment-variables\[2\]\.value: IMAGE_NAME /,
      ],
      [
        'a phase change with an IMAGE_VERSION that is no version',
        () => withVariable(buildPhaseChange('BUILD'), 'IMAGE_VERSION', '1e3'),
        /^detail\.additional-information\.environment\.environment-variables\[3\]\.value: IMAGE_VERSION /,
      ],
      ['an alias move of a model name over 255 characters', () => aliasChanged('production', 3, 2, 'm'.repeat(300)), /^detail\.name: /],
    ])('fails with ValidationError for %s, sending and writing nothing', async (_, event, message) => {
      committed(fakes, buildingVersion());
      imagesFollowingProduction(fakes);
      pushed(fakes);
      const before = storedState(fakes);
      clearSentCommands();

      const error = await thrownBy(invoke('ImageEvents', event()));

      expect(error.name).toBe('ValidationError');
      expect(error.message).toMatch(message);
      expect(sentCommands()).toEqual([]);
      expect(storedState(fakes)).toEqual(before);
    });
  });

  describe('moves of the approval alias', () => {
    it('approves the packages of the version production reached and sets those of the version it left to PendingManualApproval', async () => {
      const { result: moved, fakes } = await runScenario('ImageEvents', scenario('a move of the approval alias'));

      // The packages the two images were mirrored to, in the order they were made.
      const [approvedArn, pendingArn] = [1, 2].map(
        (version) => `arn:aws:sagemaker:${TEST_REGION}:${TEST_ACCOUNT}:model-package/${modelPackageGroupName(MODEL)}/${version}`,
      );
      expect(moved).toEqual({ outcome: 'approvals', changed: 2 });
      expect(inputsOf('QueryCommand')).toEqual([
        {
          TableName: FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :serves',
          ExpressionAttributeValues: { ':serves': `SERVES#${MODEL}#0000000003` },
          ExclusiveStartKey: undefined,
        },
        {
          TableName: FUNCTION_ENVIRONMENT.IMAGES_TABLE_NAME,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :serves',
          ExpressionAttributeValues: { ':serves': `SERVES#${MODEL}#0000000002` },
          ExclusiveStartKey: undefined,
        },
      ]);
      expect(inputsOf('UpdateModelPackageCommand')).toEqual([
        { ModelPackageArn: pendingArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'the model version is "production"' },
        { ModelPackageArn: approvedArn, ModelApprovalStatus: 'PendingManualApproval', ApprovalDescription: 'the model version is not "production"' },
      ]);
      expect(fakes.sageMaker.packages.map(({ arn, approvalStatus }) => [arn, approvalStatus])).toEqual([
        [approvedArn, 'PendingManualApproval'],
        [pendingArn, 'Approved'],
      ]);
      expect(storedVersion(fakes, 2).modelPackages).toEqual([
        { model: MODEL, modelVersion: 3, groupName: modelPackageGroupName(MODEL), arn: pendingArn, approvalStatus: 'Approved' },
      ]);
      expect(storedVersion(fakes, 1).modelPackages).toEqual([
        { model: MODEL, modelVersion: 2, groupName: modelPackageGroupName(MODEL), arn: approvedArn, approvalStatus: 'PendingManualApproval' },
      ]);
    });

    it('keeps the package of an image with CRITICAL findings pending when its version reaches production', async () => {
      const { pendingArn } = imagesFollowingProduction(fakes);
      const record = storedVersion(fakes, 2);
      fakes.images.put({ ...imageKeys.version(IMAGE, 2), ...record, scan: { status: 'COMPLETE', findings: { CRITICAL: 3 } } });

      const moved = await invoke('ImageEvents', aliasChanged('production', 3, 2));

      expect(moved).toEqual({ outcome: 'approvals', changed: 1 });
      expect(inputsOf('UpdateModelPackageCommand').map((input) => input.ModelPackageArn)).not.toContain(pendingArn);
      expect(fakes.sageMaker.package(pendingArn)?.approvalStatus).toBe('PendingManualApproval');
    });

    it('approves the packages of the first version production reaches, leaving nothing else', async () => {
      const { pendingArn } = imagesFollowingProduction(fakes);

      const moved = await invoke('ImageEvents', aliasChanged('production', 3));

      expect(moved).toEqual({ outcome: 'approvals', changed: 1 });
      expect(inputsOf('UpdateModelPackageCommand')).toEqual([
        { ModelPackageArn: pendingArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'the model version is "production"' },
      ]);
      expect(inputsOf('QueryCommand')).toHaveLength(1);
    });

    it('approves nothing a forged move claims: production on 2 in the registry keeps version 3 pending and 2 approved', async () => {
      const { approvedArn, pendingArn } = imagesFollowingProduction(fakes, 2);
      const before = storedState(fakes);

      const moved = await invoke('ImageEvents', aliasChanged('production', 3, 2));

      expect(moved).toEqual({ outcome: 'approvals', changed: 0 });
      expect(inputsOf('GetCommand')[0]).toEqual({
        TableName: FUNCTION_ENVIRONMENT.REGISTRY_TABLE_NAME,
        Key: registryKeys.alias(MODEL, 'production'),
        ConsistentRead: true,
      });
      expect(inputsOf('UpdateModelPackageCommand')).toEqual([]);
      expect(fakes.sageMaker.package(approvedArn)?.approvalStatus).toBe('Approved');
      expect(fakes.sageMaker.package(pendingArn)?.approvalStatus).toBe('PendingManualApproval');
      expect(storedState(fakes)).toEqual(before);
    });

    it('ignores moves of other aliases, sending nothing', async () => {
      const { result, sent } = await runScenario('ImageEvents', scenario('a move of another alias'));

      expect(result).toEqual({ outcome: 'ignored', reason: 'alias "staging" does not approve' });
      expect(sent).toEqual([]);
    });

    it('passes over image versions that have no packages yet', async () => {
      committed(fakes, buildingVersion(1, { models: [{ name: MODEL, version: 3, artifactUri: SERVED_MODELS[0].artifactUri }] }));

      const moved = await ignored(fakes, aliasChanged('production', 3, 2));

      expect(moved).toEqual({ outcome: 'approvals', changed: 0 });
    });
  });

  it('stores what a full build leaves: the version READY and its served-model entries, nothing else', async () => {
    modelsInRegistry(fakes);
    committed(fakes, buildingVersion());
    pushed(fakes);

    for (const completed of ['SUBMITTED', 'QUEUED', 'PROVISIONING']) await invoke('ImageEvents', buildPhaseChange(completed));
    await invoke('ImageEvents', buildStateChange('SUCCEEDED'));

    expect(fakes.images.all().map((item) => item.sk)).toEqual(['#IMAGE', 'V#0000000001', ...items.serves(buildingVersion()).map((item) => item.sk)]);
    expect(storedVersion(fakes)).toMatchObject({ status: 'READY', build: { id: BUILD_ID, phase: 'COMPLETED' } });
  });
});
