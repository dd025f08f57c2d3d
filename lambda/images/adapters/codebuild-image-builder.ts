import { type CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import type { ImageBuilder, StartBuildInput } from '../core/ports';

/** Starts image builds on the platform's CodeBuild project, each from its own context folder. */
export class CodeBuildImageBuilder implements ImageBuilder {
  constructor(
    private readonly codebuild: CodeBuildClient,
    private readonly projectName: string,
  ) {}

  async start({ sourceLocation, variables, idempotencyToken }: StartBuildInput): Promise<string> {
    const { build } = await this.codebuild.send(
      new StartBuildCommand({
        projectName: this.projectName,
        sourceTypeOverride: 'S3',
        sourceLocationOverride: sourceLocation,
        environmentVariablesOverride: Object.entries(variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })),
        idempotencyToken,
      }),
    );
    return build!.id!;
  }
}
