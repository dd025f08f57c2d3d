import { MODEL_MANIFEST_FILE } from './build-context';

/**
 * The variables each build is started with (`StartBuild` overrides); the project itself holds
 * `REPOSITORY_URI` and `REPOSITORY_NAME`.
 */
export interface ImageBuildVariables {
  readonly IMAGE_NAME: string;
  readonly IMAGE_VERSION: string;
  readonly IMAGE_TAG: string;
  /** Where the packed models go: the SageMaker model data URL. */
  readonly MODEL_DATA_URI: string;
}

/** Where the build packs the models, outside the Docker context so they stay out of the image. */
const MODEL_STAGING_DIR = '/tmp/model';

/**
 * The CodeBuild buildspec of every image build: pack the served models into `model.tar.gz`, build
 * the image from the context, push it under its immutable tag, and wait for ECR's scan so the
 * build-event handler finds the findings when the build succeeds. Any failing command fails the
 * build in its phase, and a failed phase stops the build (`on-failure: ABORT`).
 */
export function imageBuildSpec(): Record<string, unknown> {
  return {
    version: '0.2',
    env: { shell: 'bash' },
    phases: {
      pre_build: {
        'on-failure': 'ABORT',
        commands: [
          // Commands share one shell: a failing download or login must fail its command.
          'set -o pipefail',
          'echo "Building image $IMAGE_NAME version $IMAGE_VERSION as $REPOSITORY_URI:$IMAGE_TAG"',
          `mkdir -p ${MODEL_STAGING_DIR}`,
          // Each line is `<uri> <model>/<version>`; keys may hold spaces, model names never do.
          `while IFS= read -r line; do uri="\${line% *}"; dir="\${line##* }"; mkdir -p "${MODEL_STAGING_DIR}/$dir" && aws s3 cp --only-show-errors "$uri" "${MODEL_STAGING_DIR}/$dir/" || exit 1; done < ${MODEL_MANIFEST_FILE}`,
          `tar -czf /tmp/model.tar.gz -C ${MODEL_STAGING_DIR} .`,
          'aws s3 cp --only-show-errors /tmp/model.tar.gz "$MODEL_DATA_URI"',
          'aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
        ],
      },
      build: {
        'on-failure': 'ABORT',
        commands: ['docker build --pull --tag "$REPOSITORY_URI:$IMAGE_TAG" .', 'docker push "$REPOSITORY_URI:$IMAGE_TAG"'],
      },
      post_build: {
        commands: [
          // A scan that outlasts the wait leaves the image READY without findings, never FAILED.
          'aws ecr wait image-scan-complete --repository-name "$REPOSITORY_NAME" --image-id imageTag="$IMAGE_TAG" || echo "The image scan did not complete within the wait; the image is recorded without findings."',
        ],
      },
    },
  };
}
