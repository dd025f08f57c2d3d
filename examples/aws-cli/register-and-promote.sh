#!/usr/bin/env bash
# Register a model version and point an alias at it with the AWS CLI alone (v1 or v2).
#
#   register-and-promote.sh ARTIFACT MODEL_NAME [ALIAS]
#
# Deployed: the functions and the bucket come from the stack's SSM parameters (MLOPS_STACK, default
# MlopsPlatform), with the caller's usual AWS credentials and region.
# Local (npm run local): MLOPS_LOCAL=<path of platform.json>, or MLOPS_LOCAL=1 as the mlops CLI reads
# it (.local/platform.json here, else the copy the running platform writes to
# $MLOPS_HOME/local-platform.json, default ~/.mlops/); the region, the dummy credentials the local
# endpoints check signatures with, and the endpoints all come from it.
set -euo pipefail

artifact=${1:?usage: register-and-promote.sh ARTIFACT MODEL_NAME [ALIAS]}
model=${2:?usage: register-and-promote.sh ARTIFACT MODEL_NAME [ALIAS]}
alias_name=${3:-production}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# field FILE a.b.c: one value of a JSON file (python3 rather than jq, which not every runner has).
field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."): value = value[key]
print(value)' "$1" "$2"
}

local_descriptor=${MLOPS_LOCAL:-}
if [[ "$local_descriptor" == 1 || "$local_descriptor" == true ]]; then
  local_descriptor=.local/platform.json
  [[ -f "$local_descriptor" ]] || local_descriptor=${MLOPS_HOME:-$HOME/.mlops}/local-platform.json
fi
if [[ -n "$local_descriptor" ]]; then
  descriptor() { field "$local_descriptor" "$1"; }
  # Local mode: the descriptor's region and the dummy keys the platform generated at start (its
  # endpoints check SigV4 signatures made with them); the endpoints as the CLI's per-service variables.
  export AWS_DEFAULT_REGION=$(descriptor region)
  export AWS_ACCESS_KEY_ID=$(descriptor credentials.accessKeyId)
  export AWS_SECRET_ACCESS_KEY=$(descriptor credentials.secretAccessKey)
  export AWS_ENDPOINT_URL_LAMBDA=$(descriptor endpoints.lambda)
  export AWS_ENDPOINT_URL_S3=$(descriptor endpoints.s3)
  unset AWS_SESSION_TOKEN AWS_PROFILE
  register_fn=$(descriptor functions.registerModel)
  alias_fn=$(descriptor functions.setModelAlias)
  query_fn=$(descriptor functions.queryRegistry)
  bucket=$(descriptor artifactBucket)
else
  prefix=/mlops-platform/${MLOPS_STACK:-MlopsPlatform}
  parameter() { aws ssm get-parameter --name "$prefix/$1" --query Parameter.Value --output text; }
  register_fn=$(parameter registry/register-model-function)
  alias_fn=$(parameter registry/set-model-alias-function)
  query_fn=$(parameter registry/query-registry-function)
  bucket=$(parameter registry/artifact-bucket)
fi

# Invokes a function with the JSON in $2; the answer goes to $3. A refusal (ValidationError,
# NotFoundError, ConflictError) is a function error: print it and stop.
invoke() {
  # fileb:// passes the file's bytes as they are on both v1 and v2 (v2 would base64-decode a file:// payload).
  local function_error
  function_error=$(aws lambda invoke --function-name "$1" --payload "fileb://$2" "$3" --query FunctionError --output text)
  if [[ "$function_error" != "None" ]]; then
    echo "$1 refused: $(cat "$3")" >&2
    exit 1
  fi
}

# 1. Upload under models/<model>/, where RegisterModel takes artifacts from (and grantRegister lets a pipeline write).
key="models/$model/$(python3 -c 'import uuid; print(uuid.uuid4())')/$(basename "$artifact")"
aws s3api put-object --bucket "$bucket" --key "$key" --body "$artifact" >/dev/null

# 2. Register: the registry pins the object's S3 version and SHA-256 and allocates the next version number.
cat >"$work/register.json" <<JSON
{"name": "$model", "artifact": {"uri": "s3://$bucket/$key"}, "tags": {"source": "aws-cli"}, "clientToken": "aws-cli-$(basename "$work")"}
JSON
invoke "$register_fn" "$work/register.json" "$work/registered.json"
version=$(field "$work/registered.json" version)
echo "registered $model version $version"

# 3. Move the alias (a compare-and-set would add "expectedVersion").
cat >"$work/alias.json" <<JSON
{"name": "$model", "alias": "$alias_name", "version": $version, "reason": "registered by the AWS CLI recipe"}
JSON
invoke "$alias_fn" "$work/alias.json" "$work/moved.json"

# 4. Read it back through the alias.
cat >"$work/query.json" <<JSON
{"query": "getVersion", "name": "$model", "alias": "$alias_name"}
JSON
invoke "$query_fn" "$work/query.json" "$work/version.json"
echo "$model@$alias_name -> version $(field "$work/version.json" version), sha256 $(field "$work/version.json" artifact.sha256)"
