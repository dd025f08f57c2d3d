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
  /** The bucket and key prefix of the build context. */
  readonly CONTEXT_BUCKET: string;
  readonly CONTEXT_PREFIX: string;
  /** The context's files as `RegisterImage` wrote them, pinned (`formatContextFiles`). */
  readonly CONTEXT_FILES: string;
}

/** The variable the build exports (CodeBuild's build event carries it): the digest of the base image it pulled. */
export const BASE_IMAGE_DIGEST_VARIABLE = 'BASE_IMAGE_DIGEST';

/** Where the build assembles the context it builds: only the pinned files, each checked. */
const CONTEXT_DIR = '/tmp/context';
/** Where the build packs the models, outside the Docker context so they stay out of the image. */
const MODEL_STAGING_DIR = '/tmp/model';

/**
 * The CodeBuild buildspec of every image build. It builds exactly the bytes `RegisterImage` checked
 * and the registry pinned: each context file and each model artifact is downloaded by its S3
 * version id and its SHA-256 compared with the one recorded, and any difference fails the build
 * (S3's source download, which takes whatever the context's keys hold now, is not used). It then
 * packs the models into `model.tar.gz`, builds the image from the checked context, pushes it under
 * its immutable tag, and waits for ECR's scan so the build-event handler finds the findings when
 * the build succeeds. Any failing command fails the build in its phase, and a failed phase stops
 * the build (`on-failure: ABORT`).
 */
export function imageBuildSpec(): Record<string, unknown> {
  return {
    version: '0.2',
    // CodeBuild's build events carry the exported variables: ImageEvents records the base image by this digest.
    env: { shell: 'bash', 'exported-variables': [BASE_IMAGE_DIGEST_VARIABLE] },
    phases: {
      pre_build: {
        'on-failure': 'ABORT',
        commands: [
          // Commands share one shell: a failing download or login must fail its command.
          'set -o pipefail',
          'echo "Building image $IMAGE_NAME version $IMAGE_VERSION as $REPOSITORY_URI:$IMAGE_TAG"',
          // fetch <bucket> <key> <version id> <sha256> <file>: that version, and only if it has that digest.
          'fetch() { aws s3api get-object --bucket "$1" --key "$2" --version-id "$3" "$5" > /dev/null && [ "$(sha256sum < "$5" | cut -d " " -f 1)" = "$4" ] || { echo "s3://$1/$2 version $3 is not what was registered: it cannot be read or its SHA-256 is not $4" >&2; return 1; }; }',
          `mkdir -p ${CONTEXT_DIR} ${MODEL_STAGING_DIR}`,
          `for file in $CONTEXT_FILES; do IFS=: read -r name vid sha <<< "$file"; fetch "$CONTEXT_BUCKET" "$CONTEXT_PREFIX$name" "$vid" "$sha" "${CONTEXT_DIR}/$name" || exit 1; done`,
          // Each line is `<sha256> <version id> <model>/<version> <uri>`; keys may hold spaces, the other fields never do.
          `while read -r sha vid dir uri; do location="\${uri#s3://}"; mkdir -p "${MODEL_STAGING_DIR}/$dir" && fetch "\${location%%/*}" "\${location#*/}" "$vid" "$sha" "${MODEL_STAGING_DIR}/$dir/\${uri##*/}" || exit 1; done < ${CONTEXT_DIR}/${MODEL_MANIFEST_FILE}`,
          `tar -czf /tmp/model.tar.gz -C ${MODEL_STAGING_DIR} .`,
          'aws s3 cp --only-show-errors /tmp/model.tar.gz "$MODEL_DATA_URI"',
          'aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
        ],
      },
      build: {
        'on-failure': 'ABORT',
        commands: [
          // The base image is pulled once and its digest exported; the build uses that image (no --pull), so the digest recorded is the one built on.
          `base="$(awk 'toupper($1) == "FROM" { print $2; exit }' ${CONTEXT_DIR}/Dockerfile)"`,
          'docker pull "$base"',
          `${BASE_IMAGE_DIGEST_VARIABLE}="$(docker inspect --format '{{index .RepoDigests 0}}' "$base")"`,
          // ImageEvents refuses a malformed digest, so the build fails here rather than leave the version BUILDING.
          `${BASE_IMAGE_DIGEST_VARIABLE}="\${${BASE_IMAGE_DIGEST_VARIABLE}##*@}"; [[ "$${BASE_IMAGE_DIGEST_VARIABLE}" =~ ^sha256:[0-9a-f]{64}$ ]]`,
          `docker build --tag "$REPOSITORY_URI:$IMAGE_TAG" ${CONTEXT_DIR}`,
          'docker push "$REPOSITORY_URI:$IMAGE_TAG"',
        ],
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
