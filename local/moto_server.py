"""The moto server as the local platform runs it: guarded against web pages and other local users,
and with its state optionally kept in a file.

Moto answers every request, checks no signature, sends ``Access-Control-Allow-Origin: *`` and
accepts unsigned browser form uploads, so any web page, or any process of another user of this
machine, could write the platform's buckets (and the image builds run what they hold). The guard in
front refuses, with 403 and a JSON ``{"error": ...}`` naming the problem:

- a ``Host`` that is not a loopback name with the server's port (DNS rebinding), and an ``Origin``
  other than the server's own (a page's cross-origin request);
- any request not signed with SigV4 by the platform's credentials: the access key ids and secrets
  in the environment variable ``MLOPS_MOTO_CREDENTIALS`` (a JSON object, access key id -> secret;
  ``local/emulators.ts`` generates the secret at each start and never puts it on a command line).
  The guard rebuilds the canonical request from what it received (method, path as sent for S3 and
  encoded once more for the other services, sorted query, the signed headers, the payload hash)
  and compares the HMAC in constant time, for an ``Authorization`` header and for a presigned URL
  (``X-Amz-Signature``, within ``X-Amz-Expires``; S3's with ``UNSIGNED-PAYLOAD``). The signing
  time may be 15 minutes from this machine's clock. When ``x-amz-content-sha256`` is a hash, the
  body must have it (S3 checks the same); without the header, the body's hash is what was signed.
  ``UNSIGNED-PAYLOAD`` and ``STREAMING-*`` values are taken as signed (the chunk signatures of
  ``STREAMING-AWS4-HMAC-SHA256-PAYLOAD`` are not checked). SigV2 (``AWSAccessKeyId=``, the AWS
  CLI v1's ``s3 presign`` default) is refused: presign with ``--signature-version s3v4``.

DynamoDB Local, beside it, verifies no signature (docs/security.md). The guard also drops moto's
``Access-Control-*`` answer headers.

With ``--state-file FILE``, moto's backends are pickled to FILE on SIGTERM and restored at start:
this keeps what a replay of requests would not, such as the S3 object version ids the model
registry pins.

Usage: MLOPS_MOTO_CREDENTIALS='{"local": "<secret>"}' python3 local/moto_server.py [--state-file FILE] -H 127.0.0.1 -p PORT
"""
import hashlib
import hmac
import io
import json
import os
import pickle
import re
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, unquote, urlsplit

import moto.server
from moto.backends import get_backend

# The services the platform uses; their backends are dicts of account -> region -> backend.
SERVICES = ["s3", "events", "cloudwatch", "logs", "sagemaker", "ecr", "sns"]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
CREDENTIALS_VARIABLE = "MLOPS_MOTO_CREDENTIALS"
# How far a signing time may be from this machine's clock, as AWS allows.
MAX_SKEW = timedelta(minutes=15)
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$"
)
CREDENTIAL_SCOPE = re.compile(r"^([^/]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request$")
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# RFC 3986 unreserved characters: what SigV4 leaves unencoded.
UNRESERVED = "-_.~"


class SignatureRefusal(Exception):
    """Why a request's signature is refused, said to the caller."""


def load_credentials(environ=os.environ):
    """The access key ids and secrets whose signatures the guard accepts, from MLOPS_MOTO_CREDENTIALS."""
    text = environ.get(CREDENTIALS_VARIABLE)
    if not text:
        raise SystemExit(f"{CREDENTIALS_VARIABLE} is not set: it names the credentials requests must be signed with, as a JSON object (access key id -> secret)")
    credentials = json.loads(text)
    if not isinstance(credentials, dict) or not credentials or not all(isinstance(key, str) and isinstance(secret, str) and key and secret for key, secret in credentials.items()):
        raise SystemExit(f"{CREDENTIALS_VARIABLE} must be a JSON object of access key id -> secret, non-empty strings")
    return credentials


def sign(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    key = sign(f"AWS4{secret}".encode("utf-8"), date)
    key = sign(key, region)
    key = sign(key, service)
    return sign(key, "aws4_request")


def uri_encode(text):
    return quote(text, safe=UNRESERVED)


def canonical_path(raw_path, service):
    """S3 signs the path as sent; the other services normalise it and encode each segment once more."""
    if service == "s3":
        return raw_path or "/"
    segments = []
    for segment in raw_path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
        else:
            segments.append(segment)
    path = ("/" if raw_path.startswith("/") else "") + "/".join(segments) + ("/" if segments and raw_path.endswith("/") else "")
    return quote(path, safe=UNRESERVED + "/") or "/"


def query_pairs(raw_query):
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query(pairs):
    encoded = sorted((uri_encode(name), uri_encode(value)) for name, value in pairs if name != "X-Amz-Signature")
    return "&".join(f"{name}={value}" for name, value in encoded)


def header_value(environ, name):
    if name == "content-type":
        value = environ.get("CONTENT_TYPE")
    elif name == "content-length":
        value = environ.get("CONTENT_LENGTH")
    else:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    if value is None:
        raise SignatureRefusal(f"the signed header {name!r} is not in the request")
    return " ".join(value.split())


def read_body(environ):
    """Reads the body, and puts it back for moto."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def parse_amz_date(text, what):
    try:
        return datetime.strptime(text or "", AMZ_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureRefusal(f"{what} {str(text)[:40]!r} is not a SigV4 time (YYYYMMDDTHHMMSSZ)") from None


def verify_signature(environ, credentials, now=None):
    """Raises SignatureRefusal unless the request is signed (header or presigned URL) with one of credentials."""
    now = now or datetime.now(timezone.utc)
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw_uri is None:
        raw_uri = quote(environ.get("PATH_INFO", "/"), safe="/%") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
    target = urlsplit(raw_uri) if raw_uri.startswith(("http://", "https://")) else None
    raw_path, _, raw_query = (f"{target.path}?{target.query}" if target else raw_uri).partition("?")
    pairs = query_pairs(raw_query)
    query = dict(pairs)
    authorization = environ.get("HTTP_AUTHORIZATION")

    if authorization is not None:
        match = AUTHORIZATION.match(authorization.strip())
        if match is None:
            raise SignatureRefusal("the Authorization header is not a SigV4 signature (AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...)")
        access_key_id, date, region, service, signed_headers, signature = match.groups()
        amz_date_text = environ.get("HTTP_X_AMZ_DATE")
        signed_at = parse_amz_date(amz_date_text, "X-Amz-Date")
        if abs(now - signed_at) > MAX_SKEW:
            raise SignatureRefusal(f"the request was signed at {amz_date_text}, more than 15 minutes from this machine's clock")
        content_sha256 = environ.get("HTTP_X_AMZ_CONTENT_SHA256")
        if content_sha256 is None:
            payload_hash = hashlib.sha256(read_body(environ)).hexdigest()
        else:
            payload_hash = content_sha256.strip()
            if HEX_SHA256.match(payload_hash) and not hmac.compare_digest(hashlib.sha256(read_body(environ)).hexdigest(), payload_hash):
                raise SignatureRefusal("the body is not the one signed: its SHA-256 differs from x-amz-content-sha256")
    elif "X-Amz-Signature" in query:
        if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            raise SignatureRefusal("a presigned URL needs X-Amz-Algorithm=AWS4-HMAC-SHA256")
        scope = CREDENTIAL_SCOPE.match(query.get("X-Amz-Credential", ""))
        if scope is None:
            raise SignatureRefusal("the presigned URL's X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request")
        access_key_id, date, region, service = scope.groups()
        signed_headers = query.get("X-Amz-SignedHeaders", "")
        signature = query["X-Amz-Signature"]
        amz_date_text = query.get("X-Amz-Date")
        signed_at = parse_amz_date(amz_date_text, "X-Amz-Date")
        try:
            expires = int(query.get("X-Amz-Expires", ""))
        except ValueError:
            raise SignatureRefusal("the presigned URL's X-Amz-Expires is not a number of seconds") from None
        if signed_at - now > MAX_SKEW or now > signed_at + timedelta(seconds=expires) + MAX_SKEW:
            raise SignatureRefusal(f"the presigned URL, signed at {amz_date_text} for {expires} s, is not valid now")
        # S3 presigns UNSIGNED-PAYLOAD; the other services sign the body's hash, as with a header.
        payload_hash = UNSIGNED_PAYLOAD if service == "s3" else hashlib.sha256(read_body(environ)).hexdigest()
    else:
        raise SignatureRefusal("unsigned request: sign it (any SDK or the AWS CLI does), or use a presigned URL")

    secret = credentials.get(access_key_id)
    if secret is None:
        raise SignatureRefusal(f"the access key id {access_key_id[:40]!r} is not the local platform's: sign with the credentials the platform gives its clients")
    if not amz_date_text.startswith(date):
        raise SignatureRefusal(f"the credential scope's date {date} is not the signing date {amz_date_text[:8]}")
    header_names = signed_headers.split(";")
    if "host" not in header_names:
        raise SignatureRefusal("the signature must cover the Host header")
    canonical_headers = "".join(f"{name}:{header_value(environ, name)}\n" for name in header_names)
    canonical_request = "\n".join(
        [environ.get("REQUEST_METHOD", ""), canonical_path(raw_path, service), canonical_query(pairs), canonical_headers, signed_headers, payload_hash]
    )
    scope_text = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date_text, scope_text, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
    expected = hmac.new(signing_key(secret, date, region, service), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureRefusal("the signature does not match the request: sign it with the local platform's credentials (the secret is new at each start)")


class LocalGuard:
    """WSGI middleware: serves only requests signed with the platform's credentials, and none from a web page."""

    def __init__(self, app, port, credentials):
        self.app = app
        self.credentials = credentials
        self.hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}

    def __call__(self, environ, start_response):
        reason = self.refusal(environ)
        if reason is not None:
            body = json.dumps({"error": reason}).encode("utf-8")
            start_response("403 Forbidden", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        def without_cors(status, headers, exc_info=None):
            return start_response(status, [(name, value) for name, value in headers if not name.lower().startswith("access-control-")], exc_info)

        return self.app(environ, without_cors)

    def refusal(self, environ):
        host = environ.get("HTTP_HOST", "").lower()
        if host not in self.hosts:
            return f"Host {host[:100]!r} is not this machine's loopback address: the local platform's moto serves {' or '.join(sorted(self.hosts))}"
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin.lower() != f"http://{host}":
            return f"requests from web pages (Origin {origin[:100]!r}) are refused: the local platform serves the SDK, the CLI and local tools only"
        try:
            verify_signature(environ, self.credentials)
        except SignatureRefusal as refusal:
            return str(refusal)
        return None


def guard_the_server():
    """Puts the guard in front of the app moto's main() builds and serves with run_simple."""
    run_simple = moto.server.run_simple
    credentials = load_credentials()

    def guarded_run_simple(host, port, app, **options):
        return run_simple(host, port, LocalGuard(app, port, credentials), **options)

    moto.server.run_simple = guarded_run_simple


PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def percentile_statistics():
    """Teaches moto's CloudWatch the percentile statistics (``p50``, ``p99.9``) GetMetricData asks for: moto knows
    Sum, Average, Minimum, Maximum and SampleCount only, and answers a percentile with a 500. Computed from the
    single values a period holds (PutMetricData ``Value`` or ``Values``/``Counts``), nearest rank, as CloudWatch
    does for raw data; a period of only ``StatisticValues`` has no percentile, and none is answered for it."""
    from moto.cloudwatch import models

    known = models.Statistics.get_statistics_for_type

    def get_statistics_for_type(self, stat):
        match = PERCENTILE.match(stat)
        if not match:
            return known(self, stat)
        values = sorted(self.metric_single_values_list)
        if not values:
            return None
        rank = max(1, -(-float(match.group(1)) * len(values) // 100))
        return values[int(rank) - 1]

    models.Statistics.get_statistics_for_type = get_statistics_for_type
    answer = models.CloudWatchBackend.get_metric_data

    def get_metric_data(self, *args, **kwargs):
        # A period without a percentile is left out, as CloudWatch leaves out a period without data.
        results = answer(self, *args, **kwargs)
        for result in results:
            kept = [(timestamp, value) for timestamp, value in zip(result["timestamps"], result["values"]) if value is not None]
            result["timestamps"] = [timestamp for timestamp, _ in kept]
            result["values"] = [value for _, value in kept]
        return results

    models.CloudWatchBackend.get_metric_data = get_metric_data


def restore(state_file):
    if not os.path.exists(state_file):
        return
    with open(state_file, "rb") as handle:
        saved = pickle.load(handle)
    for service, backends in saved.items():
        live = get_backend(service)
        for account, regions in backends.items():
            live[account] = regions


def save(state_file):
    state = {}
    for service in SERVICES:
        try:
            backends = dict(get_backend(service))
            pickle.dumps(backends)
            state[service] = backends
        except Exception as error:  # a service whose state does not pickle is left out, said once
            print(f"moto state: not saving {service}: {error}", file=sys.stderr)
    temporary = f"{state_file}.tmp"
    with open(temporary, "wb") as handle:
        pickle.dump(state, handle)
    os.replace(temporary, state_file)


def main(argv):
    guard_the_server()
    percentile_statistics()
    if argv[:1] != ["--state-file"]:
        moto.server.main(argv)
        return
    state_file = argv[1]
    restore(state_file)
    try:
        moto.server.main(argv[2:])
    finally:
        # Moto's own SIGTERM and SIGINT handlers end the server with sys.exit, which lands here.
        save(state_file)


if __name__ == "__main__":
    main(sys.argv[1:])
