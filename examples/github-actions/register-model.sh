#!/usr/bin/env bash
# The "register" step of register-model.yml: register the artifact a training job produced as the
# next version of MODEL_NAME, with its metrics and the commit, and point ALIAS (if set) at it.
#
# Environment: MODEL_NAME; ARTIFACT (default dist/model.tar.gz); METRICS_FILE (default
# dist/metrics.json, a flat JSON object of numbers); ALIAS (optional, e.g. staging); GITHUB_SHA,
# GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT and GITHUB_OUTPUT as GitHub Actions sets them; MLOPS_CLI, the
# command that runs the CLI (default mlops). The CLI finds the platform from the stack's outputs
# (MLOPS_STACK, default MlopsPlatform) with the role the workflow assumed, or, with MLOPS_LOCAL set
# to a descriptor, the local platform.
set -euo pipefail

: "${MODEL_NAME:?set MODEL_NAME}"
artifact=${ARTIFACT:-dist/model.tar.gz}
metrics_file=${METRICS_FILE:-dist/metrics.json}
read -r -a mlops <<<"${MLOPS_CLI:-mlops}"

# One --metric NAME=VALUE per entry of the metrics file (node, which the CLI needs anyway, reads the JSON).
metric_flags=()
while IFS= read -r pair; do metric_flags+=(--metric "$pair"); done < <(
  node -e 'for (const [name, value] of Object.entries(require(require("node:path").resolve(process.argv[1])))) console.log(`${name}=${value}`)' "$metrics_file"
)

# The token keeps a re-run of this attempt from registering a second version: the CLI uploads the
# file again under a new key, so the registry answers ConflictError naming the version it already has.
"${mlops[@]}" model register "$artifact" --name "$MODEL_NAME" "${metric_flags[@]}" \
  --tag "commit=${GITHUB_SHA}" --tag "workflow-run=${GITHUB_RUN_ID}" \
  --client-token "github-${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT:-1}" --json >registered.json
version=$(node -p 'require("./registered.json").version')
echo "registered $MODEL_NAME version $version"

if [[ -n "${ALIAS:-}" ]]; then
  "${mlops[@]}" model alias set "$MODEL_NAME" "$ALIAS" "$version" --reason "commit ${GITHUB_SHA} (workflow run ${GITHUB_RUN_ID})" --json >/dev/null
  echo "$MODEL_NAME@$ALIAS -> version $version"
fi
echo "version=$version" >>"${GITHUB_OUTPUT:-/dev/null}"
