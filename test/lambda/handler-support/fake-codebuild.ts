/**
 * A CodeBuild project behind the CodeBuild client mock: StartBuild remembers each build it starts
 * (its source and variables), answers a repeated idempotency token with the build it started, and
 * can be told to refuse builds, as when the account's concurrent build limit is reached.
 */
import { AccountLimitExceededException, ResourceNotFoundException, StartBuildCommand, type StartBuildCommandInput } from '@aws-sdk/client-codebuild';
import type { AwsStub } from 'aws-sdk-client-mock';

export interface FakeBuild {
  readonly id: string;
  readonly projectName: string;
  readonly sourceType?: string;
  readonly sourceLocation?: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly idempotencyToken?: string;
}

export class FakeCodeBuild {
  private readonly started: FakeBuild[] = [];
  private refusal: Error | undefined;

  constructor(
    private readonly projectName: string,
    private readonly account: string,
    private readonly region: string,
  ) {}

  /** Serves the commands from the project. Call after resetting the mock. */
  serve(mock: AwsStub<any, any, any>): this {
    mock.on(StartBuildCommand).callsFake(this.startBuild);
    return this;
  }

  /** The builds started, in order. */
  get builds(): readonly FakeBuild[] {
    return [...this.started];
  }

  /** Refuses every StartBuild from now on, as CodeBuild does at the account's concurrent build limit. */
  refuseBuilds(
    error: Error = new AccountLimitExceededException({
      message: 'Cannot have more than 1 builds in queue for the account',
      $metadata: { httpStatusCode: 400 },
    }),
  ): this {
    this.refusal = error;
    return this;
  }

  private readonly startBuild = async (input: StartBuildCommandInput) => {
    if (this.refusal) throw this.refusal;
    if (input.projectName !== this.projectName) {
      throw new ResourceNotFoundException({
        message: `Project cannot be found: arn:aws:codebuild:${this.region}:${this.account}:project/${input.projectName}`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    const repeated = input.idempotencyToken === undefined ? undefined : this.started.find((build) => build.idempotencyToken === input.idempotencyToken);
    const build = repeated ?? this.record(input);
    const number = this.started.indexOf(build) + 1;
    return {
      build: {
        id: build.id,
        arn: `arn:aws:codebuild:${this.region}:${this.account}:build/${build.id}`,
        buildNumber: number,
        buildStatus: 'IN_PROGRESS',
        currentPhase: 'SUBMITTED',
        projectName: build.projectName,
        source: { type: build.sourceType, location: build.sourceLocation },
        environment: { environmentVariables: Object.entries(build.variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) },
      },
    };
  };

  private record(input: StartBuildCommandInput): FakeBuild {
    const build: FakeBuild = {
      id: `${input.projectName}:0b6c3a0e-5d1f-4e6a-9c7b-${String(this.started.length + 1).padStart(12, '0')}`,
      projectName: input.projectName!,
      sourceType: input.sourceTypeOverride,
      sourceLocation: input.sourceLocationOverride,
      variables: Object.fromEntries((input.environmentVariablesOverride ?? []).map((variable) => [variable.name!, variable.value!])),
      idempotencyToken: input.idempotencyToken,
    };
    this.started.push(build);
    return build;
  }
}
