#!/usr/bin/env python3
"""Register a model version with boto3, then query it back.

    python3 register_model.py ARTIFACT MODEL_NAME [--metric auc=0.91 ...] [--local DESCRIPTOR]

Deployed: the function names and the artifact bucket come from the stack's SSM parameters
(--stack, default MlopsPlatform) with boto3's usual credentials and region. Local: --local names
the platform.json of `npm run local` (or set MLOPS_LOCAL; 1 finds it as the mlops CLI does:
.local/platform.json here, else the copy the running platform writes to
$MLOPS_HOME/local-platform.json, default ~/.mlops/), which holds the region, the dummy credentials
its endpoints check signatures with, and the endpoints.
"""

import argparse
import hashlib
import json
import os
import uuid

import boto3
from botocore.config import Config


class PlatformError(Exception):
    """A refusal from a platform function: errorType is ValidationError, NotFoundError, ConflictError or InternalError."""

    def __init__(self, error_type, message):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


def connect(stack, local_descriptor):
    """The Lambda and S3 clients, the function names and the artifact bucket."""
    if local_descriptor in ("1", "true"):
        local_descriptor = os.path.join(".local", "platform.json")
        if not os.path.exists(local_descriptor):
            local_descriptor = os.path.join(os.environ.get("MLOPS_HOME") or os.path.expanduser("~/.mlops"), "local-platform.json")
    if local_descriptor:
        with open(local_descriptor) as file:
            local = json.load(file)
        session = boto3.Session(
            aws_access_key_id=local["credentials"]["accessKeyId"],
            aws_secret_access_key=local["credentials"]["secretAccessKey"],
            region_name=local["region"],
        )
        lambda_client = session.client("lambda", endpoint_url=local["endpoints"]["lambda"])
        s3 = session.client("s3", endpoint_url=local["endpoints"]["s3"], config=Config(s3={"addressing_style": "path"}))
        return lambda_client, s3, local["functions"], local["artifactBucket"]
    ssm = boto3.client("ssm")
    prefix = f"/mlops-platform/{stack}"

    def parameter(path):
        return ssm.get_parameter(Name=f"{prefix}/{path}")["Parameter"]["Value"]

    functions = {
        "registerModel": parameter("registry/register-model-function"),
        "queryRegistry": parameter("registry/query-registry-function"),
    }
    return boto3.client("lambda"), boto3.client("s3"), functions, parameter("registry/artifact-bucket")


def invoke(lambda_client, function_name, request):
    response = lambda_client.invoke(FunctionName=function_name, Payload=json.dumps(request).encode())
    body = json.loads(response["Payload"].read())
    if "FunctionError" in response:
        raise PlatformError(body.get("errorType"), body.get("errorMessage"))
    return body


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("artifact")
    parser.add_argument("name")
    parser.add_argument("--metric", action="append", default=[], help="NAME=NUMBER, repeatable")
    parser.add_argument("--stack", default=os.environ.get("MLOPS_STACK", "MlopsPlatform"))
    parser.add_argument("--local", default=os.environ.get("MLOPS_LOCAL"), help="the local platform's platform.json")
    args = parser.parse_args()
    lambda_client, s3, functions, bucket = connect(args.stack, args.local)

    # Upload under models/<name>/, where RegisterModel takes artifacts from, with S3's own SHA-256,
    # which the registry records as the artifact's digest without reading the object back.
    with open(args.artifact, "rb") as file:
        data = file.read()
    key = f"models/{args.name}/{uuid.uuid4()}/{os.path.basename(args.artifact)}"
    s3.put_object(Bucket=bucket, Key=key, Body=data, ChecksumAlgorithm="SHA256")

    metrics = {name: float(value) for name, value in (metric.split("=", 1) for metric in args.metric)}
    registered = invoke(
        lambda_client,
        functions["registerModel"],
        {"name": args.name, "artifact": {"uri": f"s3://{bucket}/{key}"}, "metrics": metrics, "tags": {"source": "boto3"}, "clientToken": str(uuid.uuid4())},
    )
    if registered["artifact"]["sha256"] != hashlib.sha256(data).hexdigest():
        raise RuntimeError(f"the registry recorded another SHA-256 than the file's: {registered['artifact']}")

    version = invoke(lambda_client, functions["queryRegistry"], {"query": "getVersion", "name": args.name, "version": registered["version"]})
    print(json.dumps({"name": version["name"], "version": version["version"], "metrics": version["metrics"], "sha256": version["artifact"]["sha256"]}))


if __name__ == "__main__":
    main()
