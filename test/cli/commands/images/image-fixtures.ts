import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageVersionRecord, ModelPackageRecord } from '../../../../lambda/images/core/model';
import type { ImageSummary } from '../../../../lambda/images/core/query-images';
import { EXPLICIT_ENV } from '../../harness';

/** Image records as the image functions return them, for client and CLI tests. */

export const ARTIFACTS = 'artifacts-bucket';
export const REPOSITORY_URI = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mlops-images';
export const DIGEST = `sha256:${'9f86d081884c7d65'.repeat(4)}`;
export const BUILD_ID = 'mlops-image-builds:5f0c6a1e-2b7d-4c1e-9a55-0d2c1c8f3b21';
export const LOGS_URL = 'https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/mlops-image-builds/log-events/5f0c6a1e';
const ENTRY_SHA = 'ab'.repeat(32);
const REQUIREMENTS_SHA = 'cd'.repeat(32);

/** The image functions named through the environment, beside the registry's (and its artifact bucket). */
export const IMAGES_ENV = {
  ...EXPLICIT_ENV,
  MLOPS_REGISTER_IMAGE_FUNCTION: 'register-image-fn',
  MLOPS_QUERY_IMAGES_FUNCTION: 'query-images-fn',
};

/** Version 4 of churn-scorer, serving churn@production (version 3) and fraud-detector:12, building in PRE_BUILD. */
export function buildingImage(overrides: Partial<ImageVersionRecord> = {}): ImageVersionRecord {
  return {
    name: 'churn-scorer',
    version: 4,
    status: 'BUILDING',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:01:10.000Z',
    createdBy: 'ana@laptop',
    description: 'weekly scorer',
    models: [
      { name: 'churn', version: 3, requestedAlias: 'production', artifactUri: `s3://${ARTIFACTS}/models/churn/3/model.tar.gz` },
      { name: 'fraud-detector', version: 12, artifactUri: `s3://${ARTIFACTS}/models/fraud-detector/12/model.tar.gz` },
    ],
    source: {
      type: 'build',
      entry: `s3://${ARTIFACTS}/image-inputs/churn-scorer/${ENTRY_SHA}/score.py`,
      requirements: `s3://${ARTIFACTS}/image-inputs/churn-scorer/${REQUIREMENTS_SHA}/requirements.txt`,
      baseImage: 'public.ecr.aws/docker/library/python:3.12-slim',
      contextUri: `s3://${ARTIFACTS}/images/churn-scorer/4/context/`,
    },
    environment: { LOG_LEVEL: 'debug', THRESHOLD: '0.7' },
    allowCriticalFindings: false,
    modelDataUrl: `s3://${ARTIFACTS}/images/churn-scorer/4/model.tar.gz`,
    build: { id: BUILD_ID, phase: 'PRE_BUILD' },
    ...overrides,
  };
}

export const packages: ModelPackageRecord[] = [
  { model: 'churn', modelVersion: 3, groupName: 'churn', arn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/7', approvalStatus: 'Approved' },
  {
    model: 'fraud-detector',
    modelVersion: 12,
    groupName: 'fraud-detector',
    arn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2',
    approvalStatus: 'PendingManualApproval',
  },
];

/** The build ended at 10:04:12: pushed, scanned, mirrored to SageMaker. */
export function readyImage(overrides: Partial<ImageVersionRecord> = {}): ImageVersionRecord {
  return buildingImage({
    status: 'READY',
    updatedAt: '2026-11-25T10:04:15.000Z',
    build: { id: BUILD_ID, phase: 'COMPLETED', logsUrl: LOGS_URL, endedAt: '2026-11-25T10:04:12.000Z' },
    imageUri: `${REPOSITORY_URI}@${DIGEST}`,
    digest: DIGEST,
    scan: { status: 'COMPLETE', findings: { HIGH: 2, MEDIUM: 5, LOW: 1 } },
    modelPackages: packages,
    ...overrides,
  });
}

/** The build failed installing the requirements at 10:02:30. */
export function failedImage(overrides: Partial<ImageVersionRecord> = {}): ImageVersionRecord {
  return buildingImage({
    status: 'FAILED',
    updatedAt: '2026-11-25T10:02:31.000Z',
    build: {
      id: BUILD_ID,
      phase: 'COMPLETED',
      logsUrl: LOGS_URL,
      endedAt: '2026-11-25T10:02:30.000Z',
      failure: 'BUILD FAILED: COMMAND_EXECUTION_ERROR: Error while executing command: docker build. Reason: exit status 1',
    },
    ...overrides,
  });
}

export function imageSummary(latest: ImageVersionRecord): ImageSummary {
  return { name: latest.name, createdAt: '2026-11-02T08:00:00.000Z', updatedAt: latest.updatedAt, latestVersion: latest.version, latest };
}

export const SCRIPT = 'def init():\n    pass\n\ndef run(data):\n    return data\n';
export const REQUIREMENTS = 'scikit-learn==1.5.2\n';
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `score.py` and `requirements.txt` (SCRIPT, REQUIREMENTS) in a directory of their own for the test file, removed after it. */
export function localImageInputs(): { readonly entry: string; readonly requirements: string } {
  const files = { entry: '', requirements: '' };
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'mlops-image-inputs-'));
    files.entry = join(directory, 'score.py');
    files.requirements = join(directory, 'requirements.txt');
    writeFileSync(files.entry, SCRIPT);
    writeFileSync(files.requirements, REQUIREMENTS);
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  return files;
}
