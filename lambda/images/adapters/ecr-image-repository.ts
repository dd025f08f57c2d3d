import { DescribeImagesCommand, type ECRClient, type ImageDetail } from '@aws-sdk/client-ecr';
import type { Severity } from '../core/model';
import type { EcrImageFacts, EcrImageRef, ImageRepository } from '../core/ports';

const MISSING = ['ImageNotFoundException', 'RepositoryNotFoundException'];

/** Images in Amazon ECR: their digests and what their scans found. */
export class EcrImageRepository implements ImageRepository {
  constructor(private readonly ecr: ECRClient) {}

  async describe(ref: EcrImageRef): Promise<EcrImageFacts | undefined> {
    try {
      const { imageDetails = [] } = await this.ecr.send(
        new DescribeImagesCommand({
          registryId: ref.registryId,
          repositoryName: ref.repository,
          imageIds: [ref.digest ? { imageDigest: ref.digest } : { imageTag: ref.tag }],
        }),
      );
      return imageDetails[0]?.imageDigest ? facts(imageDetails[0]) : undefined;
    } catch (error) {
      if (error instanceof Error && MISSING.includes(error.name)) return undefined;
      throw error;
    }
  }
}

function facts(detail: ImageDetail): EcrImageFacts {
  const counts = detail.imageScanFindingsSummary?.findingSeverityCounts ?? {};
  return {
    digest: detail.imageDigest!,
    scan: { status: detail.imageScanStatus?.status ?? 'NOT_SCANNED', findings: counts as Partial<Record<Severity, number>> },
  };
}
