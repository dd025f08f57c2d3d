/**
 * ECR repositories as lists of pushed images behind the ECR client mock, serving DescribeImages as
 * ECR does: by tag or digest, `RepositoryNotFoundException` for a repository (or registry) it does
 * not have, `ImageNotFoundException` for an image it does not hold, the scan summary once scanned.
 */
import { createHash } from 'node:crypto';
import { DescribeImagesCommand, type DescribeImagesCommandInput, ImageNotFoundException, RepositoryNotFoundException } from '@aws-sdk/client-ecr';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface FakeImageScan {
  /** ECR's scan status: `COMPLETE`, `FAILED`, `IN_PROGRESS`, ... */
  readonly status: string;
  readonly findings?: Readonly<Record<string, number>>;
}

export interface FakeEcrImage {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  /** Absent until ECR has scanned the image. */
  readonly scan?: FakeImageScan;
}

/** The digest the fake gives an image pushed without one: stable, so tests can name it. */
export const digestOf = (repository: string, tag: string) => `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`;

export class FakeEcr {
  private readonly repositories = new Set<string>();
  private readonly images: FakeEcrImage[] = [];

  /** `registryId` is the account the client's credentials are of; `repositories` exist, empty, from the start. */
  constructor(
    private readonly registryId: string,
    repositories: readonly string[] = [],
  ) {
    for (const repository of repositories) this.repositories.add(repository);
  }

  /** Serves the commands from the repositories. Call after resetting the mock. */
  serve(mock: AwsStub<any, any, any>): this {
    mock.on(DescribeImagesCommand).callsFake(this.describeImages);
    return this;
  }

  /** Pushes an image under `tag` (creating the repository), with a completed scan of `findings` unless told otherwise; returns its digest. */
  push(repository: string, tag: string, options: { digest?: string; scan?: FakeImageScan | null } = {}): string {
    const digest = options.digest ?? digestOf(repository, tag);
    this.repositories.add(repository);
    const scan = options.scan === null ? undefined : (options.scan ?? { status: 'COMPLETE', findings: {} });
    this.images.push({ repository, digest, tags: [tag], scan });
    return digest;
  }

  private readonly describeImages = async (input: DescribeImagesCommandInput) => {
    const registryId = input.registryId ?? this.registryId;
    if (registryId !== this.registryId || !this.repositories.has(input.repositoryName!)) {
      throw new RepositoryNotFoundException({
        message: `The repository with name '${input.repositoryName}' does not exist in the registry with id '${registryId}'`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    const details = (input.imageIds ?? []).map((id) => {
      const image = this.images.find(
        (candidate) =>
          candidate.repository === input.repositoryName && (id.imageDigest ? candidate.digest === id.imageDigest : candidate.tags.includes(id.imageTag!)),
      );
      if (!image) {
        throw new ImageNotFoundException({
          message: `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${input.repositoryName}' in the registry with id '${registryId}'`,
          $metadata: { httpStatusCode: 400 },
        });
      }
      return {
        registryId,
        repositoryName: image.repository,
        imageDigest: image.digest,
        imageTags: [...image.tags],
        imageSizeInBytes: 52_428_800,
        imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        ...(image.scan
          ? {
              imageScanStatus: { status: image.scan.status, description: 'The scan was completed successfully.' },
              // ECR leaves the counts out when the scan found nothing.
              imageScanFindingsSummary: Object.keys(image.scan.findings ?? {}).length > 0 ? { findingSeverityCounts: { ...image.scan.findings } } : {},
            }
          : {}),
      };
    });
    return { imageDetails: details };
  };
}
