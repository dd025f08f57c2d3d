import { createHash } from 'node:crypto';
import type { ApprovalStatus, ImageVersionRecord, ModelPackageRecord, ServedModel } from './model';
import type { ModelPackages, ModelVersions } from './ports';

export interface ModelPackageDependencies {
  readonly packages: ModelPackages;
  readonly versions: ModelVersions;
  /** The registry alias whose versions are approved for deployment (`production`). */
  readonly approvalAlias: string;
}

/** Every model package group the platform creates starts with this; its grants are scoped to it. */
export const MODEL_PACKAGE_GROUP_PREFIX = 'mlops-';
/** Hex digits of the name's SHA-256 kept: 128 bits, so finding two names that share a group takes about 2^64 hashes. */
const DIGEST_LENGTH = 32;
/** SageMaker takes 63 characters: the prefix, the readable part, a hyphen and the digest. */
const READABLE_LENGTH = 63 - MODEL_PACKAGE_GROUP_PREFIX.length - 1 - DIGEST_LENGTH;

/**
 * The model package group of a registry model: `mlops-<readable>-<digest>`. Registry names are
 * case-sensitive and may hold `.` and `_`; SageMaker group names hold letters, digits and hyphens
 * and, like other SageMaker names, are taken case-insensitively (its ARNs are lowercase). So the
 * readable part is only a hint (lowercased, separators as `-`, cut short) and the digest of the
 * exact name is always added, in lowercase hex: two distinct model names never share a group.
 * Packages record their group name, so a version mirrored before keeps its group.
 */
export function modelPackageGroupName(model: string): string {
  const readable = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, READABLE_LENGTH)
    .replace(/^-+|-+$/g, '');
  const digest = createHash('sha256').update(model).digest('hex').slice(0, DIGEST_LENGTH);
  return `${MODEL_PACKAGE_GROUP_PREFIX}${readable ? `${readable}-` : ''}${digest}`;
}

export interface ApprovalDecision {
  readonly status: ApprovalStatus;
  readonly blockedBy?: string;
  readonly description: string;
}

/**
 * A package is approved while its model version holds the approval alias, unless the image has
 * CRITICAL scan findings and was not registered with `allowCriticalFindings`.
 */
export function decideApproval(
  image: Pick<ImageVersionRecord, 'scan' | 'allowCriticalFindings'>,
  holdsAlias: boolean,
  approvalAlias: string,
): ApprovalDecision {
  if (!holdsAlias) return { status: 'PendingManualApproval', description: `the model version is not "${approvalAlias}"` };
  const critical = image.scan?.findings.CRITICAL ?? 0;
  if (critical > 0 && !image.allowCriticalFindings) {
    const blockedBy = `${critical} CRITICAL scan finding${critical === 1 ? '' : 's'}; register the image with allowCriticalFindings to approve it anyway`;
    return { status: 'PendingManualApproval', blockedBy, description: `the model version is "${approvalAlias}" but ${blockedBy}` };
  }
  const exception = critical > 0 ? ` (${critical} CRITICAL findings allowed at registration)` : '';
  return { status: 'Approved', description: `the model version is "${approvalAlias}"${exception}` };
}

/** Mirrors a READY image to the SageMaker Model Registry: one package per served model, in the model's group. */
export async function createModelPackages(deps: ModelPackageDependencies, image: ImageVersionRecord): Promise<ModelPackageRecord[]> {
  const created: ModelPackageRecord[] = [];
  for (const model of image.models) {
    const holdsAlias = (await deps.versions.aliasVersion(model.name, deps.approvalAlias)) === model.version;
    const decision = decideApproval(image, holdsAlias, deps.approvalAlias);
    const groupName = modelPackageGroupName(model.name);
    const arn = await deps.packages.create({
      groupName,
      groupDescription: `Model ${model.name} of the MLOps platform's registry`,
      description: `${model.name} version ${model.version} served by image ${image.name} version ${image.version}`,
      imageUri: image.imageUri!,
      modelDataUrl: image.modelDataUrl,
      environment: image.environment,
      approvalStatus: decision.status,
      approvalDescription: decision.description,
      clientToken: packageToken(image, model),
      metadata: { image: image.name, imageVersion: String(image.version), model: model.name, modelVersion: String(model.version) },
    });
    created.push({ model: model.name, modelVersion: model.version, groupName, arn, approvalStatus: decision.status, approvalBlockedBy: decision.blockedBy });
  }
  return created;
}

/** SageMaker client tokens hold at most 36 letters, digits and hyphens. */
const packageToken = (image: ImageVersionRecord, model: ServedModel) =>
  createHash('sha256').update(`${image.name}:${image.version}:${model.name}:${model.version}`).digest('hex').slice(0, 36);
