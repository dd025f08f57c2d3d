import { randomUUID } from 'node:crypto';

/**
 * CodeBuild's events as EventBridge delivers them to a rule's target, for builds simulated on this
 * machine (and the tests that play CodeBuild's part).
 */

export interface BuildIdentity {
  readonly id: string;
  readonly projectName: string;
  readonly variables: Readonly<Record<string, string>>;
}

export interface BuildPhase {
  readonly 'phase-type': string;
  readonly 'phase-status'?: string;
  readonly 'phase-context'?: readonly string[];
}

const ACCOUNT = '123456789012';

function envelope(detailType: string, build: BuildIdentity, detail: Record<string, unknown>, additional: Record<string, unknown>) {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const buildArn = `arn:aws:codebuild:${region}:${ACCOUNT}:build/${build.id}`;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.codebuild',
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [buildArn],
    detail: {
      'build-id': buildArn,
      'project-name': build.projectName,
      ...detail,
      'additional-information': {
        environment: {
          image: 'aws/codebuild/standard:7.0',
          'privileged-mode': true,
          type: 'LINUX_CONTAINER',
          'environment-variables': Object.entries(build.variables).map(([name, value]) => ({ name, type: 'PLAINTEXT', value })),
        },
        ...additional,
      },
      version: '1',
    },
  };
}

/** `CodeBuild Build Phase Change`: `completedPhase` ended with `status`. */
export const buildPhaseChange = (build: BuildIdentity, completedPhase: string, status = 'SUCCEEDED') =>
  envelope('CodeBuild Build Phase Change', build, { 'completed-phase': completedPhase, 'completed-phase-status': status }, {});

/** `CodeBuild Build State Change`: the build ended with `status`, its phases and its logs as given. */
export const buildStateChange = (build: BuildIdentity, status: string, phases: readonly BuildPhase[], logsUrl?: string) =>
  envelope(
    'CodeBuild Build State Change',
    build,
    { 'build-status': status, 'current-phase': 'COMPLETED' },
    { phases, ...(logsUrl ? { logs: { 'deep-link': logsUrl } } : {}) },
  );
