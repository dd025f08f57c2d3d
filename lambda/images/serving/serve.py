"""The serving shim of the platform's inference images.

It implements the SageMaker inference container contract around an Azure-ML-style entry script,
a Python file that defines ``init()`` (optional, called once at start) and ``run(data)`` (called
per request). Standard library only; Python 3.9 and later.

Run as ``python3 serve.py`` (arguments, such as the ``serve`` SageMaker passes, are ignored).

Settings, from environment variables:

* ``SAGEMAKER_BIND_TO_PORT``, else ``PORT``, else 8080: the port; ``0`` binds a free one. Once the
  script is initialized the shim prints one line to stdout, ``listening on port <N>``.
* ``MLOPS_BIND_ADDRESS`` (default ``0.0.0.0``, all interfaces, as SageMaker needs): the IP address to
  listen on; the local platform runs the shim on ``127.0.0.1`` so no other machine reaches it.
* ``MLOPS_ENTRY_SCRIPT`` (default ``/opt/program/score.py``): the entry script. Its folder is put
  first on ``sys.path`` so it can import its siblings.
* ``MLOPS_MODEL_DIR`` (default ``/opt/ml/model``, where SageMaker extracts the model data): set in
  ``os.environ`` before the script is imported, so the script reads its models from
  ``$MLOPS_MODEL_DIR/<model name>/<version>/...``.
* ``MLOPS_CAPTURE_DIR``: when set, every successful invocation is appended, in SageMaker's data
  capture format, to ``<dir>/<yyyy>/<mm>/<dd>/<hh>/<host>-<pid>.jsonl`` (UTC hour of the
  inference), which the platform's drift monitoring reads.
* ``MLOPS_CAPTURE_S3_URI`` (``s3://<bucket>/<prefix>``; set by the platform on serverless deployments,
  where SageMaker cannot capture): instead of the directory, the lines are queued in memory and a
  background thread uploads them to ``<uri>/<yyyy>/<mm>/<dd>/<hh>/<host>-<pid>-<n>.jsonl`` every
  ``MLOPS_CAPTURE_FLUSH_SECONDS`` (default 10) or ``MLOPS_CAPTURE_FLUSH_LINES`` (default 1000) lines,
  whichever comes first, and on SIGTERM (for at most 5 s). A prediction never waits for it: a full
  queue drops lines, a failed upload is retried 3 times then dropped, both counted in the log. The
  upload is signed (SigV4) with the credentials of the AWS SDKs' chain as far as a container needs it
  (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``, the container credentials
  endpoint, IMDSv2), in ``AWS_REGION`` (or ``AWS_DEFAULT_REGION``; without either, or when it is not
  the bucket's, S3's answer names the bucket's region), to ``AWS_ENDPOINT_URL_S3`` path-style when set.

HTTP:

* ``GET /ping``: 200 ``{"status": "healthy"}``. If importing the script or ``init()`` failed, the
  shim keeps running (so the reason can be seen) and answers 500
  ``{"status": "unhealthy", "error": "<reason>"}``, and ``/invocations`` answers 503 with the reason.
* ``POST /invocations`` with ``Content-Type: application/json`` (``run`` gets the parsed value;
  NaN and Infinity are refused, as they are not JSON) or ``text/csv`` (``run`` gets a list of rows,
  no header row, blank lines skipped; every cell Python's ``float()`` reads, such as ``3``,
  ``-1.5e3`` or ``nan``, becomes a float, int-looking ones included, as a feature matrix wants;
  other cells, empty ones included, stay strings; only ASCII cells are numbers). A ``charset``
  parameter of the UTF-8, ASCII or Latin-1 families is honoured (others answer 415: some codecs,
  such as punycode, decode in quadratic time), UTF-8 is the default and a UTF-8 byte order mark is
  dropped. The answer is ``application/json``: what
  ``run`` returned, JSON-encoded (tuples as lists, objects with ``tolist()`` such as NumPy arrays
  through it).
* Errors are JSON ``{"error": "..."}``: 400 for a body that cannot be decoded or parsed (JSON
  nested too deeply included) or a ``Content-Length`` that is not one plain decimal number, 411 for a
  chunked body, 413 for a body over SageMaker's 6 MB limit, 415 for another content type or
  charset, 500 when
  ``run`` raises (``run() failed: <Type>: <message>``; the traceback goes to stderr) or returns
  something JSON cannot hold, 404 for an unknown path, 405 for a known path with another method.

Calls to ``run`` are serialized by a lock. Azure ML's server calls ``run`` one request at a time,
so scripts written for it need not be thread-safe; with the lock they still need not be. Reading,
parsing, encoding and capture happen outside the lock, and ``/ping`` never waits for it, so health
checks are answered while a long inference runs.

SIGTERM (or SIGINT) stops accepting connections, lets requests in flight finish, and exits 0.
Stderr gets one line per request (method, path, status, milliseconds) and every traceback.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import importlib.util
import io
import ipaddress
import itertools
import json
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple, Union
from urllib.parse import quote, urlsplit

# SageMaker's limit on a real-time invocation payload (InvokeEndpoint's Body), 6 MiB.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
DEFAULT_PORT = 8080
DEFAULT_ENTRY_SCRIPT = '/opt/program/score.py'
DEFAULT_MODEL_DIR = '/opt/ml/model'
# SageMaker gives an invocation 60 s; a client that stalls longer is dropped.
SOCKET_TIMEOUT_SECONDS = 60
SUPPORTED_TYPES = 'application/json or text/csv'
# Canonical codec names (codecs.lookup(...).name) of the charsets accepted: each decodes in linear time.
SUPPORTED_CHARSETS = frozenset({'utf-8', 'utf-8-sig', 'ascii', 'iso8859-1'})
# Longer names are no codec's; refused before the lookup.
MAX_CHARSET_LENGTH = 40
# Enough for any Content-Length up to the limit with leading zeros; longer ones are refused unparsed.
MAX_LENGTH_DIGITS = 20
DEFAULT_CAPTURE_FLUSH_SECONDS = 10.0
DEFAULT_CAPTURE_FLUSH_LINES = 1000


class Settings(NamedTuple):
    bind_address: str
    port: int
    entry_script: str
    model_dir: str
    capture_dir: Optional[str]
    capture_s3_uri: Optional[str]
    capture_flush_seconds: float
    capture_flush_lines: int


def ascii_number(text: str, max_digits: int) -> Optional[int]:
    """The value of `text` if it is 1 to `max_digits` ASCII digits, else None. (`str.isdigit()` and
    `int()` also take other scripts' digits and superscripts such as `²`.)"""
    if len(text) > max_digits or not re.fullmatch(r'[0-9]+', text, flags=re.ASCII):
        return None
    return int(text)


def settings_from_env(env: Dict[str, str]) -> Settings:
    port_text = env.get('SAGEMAKER_BIND_TO_PORT') or env.get('PORT') or str(DEFAULT_PORT)
    port = ascii_number(port_text, 5)
    if port is None or port > 65535:
        raise ValueError(f'the port must be a number from 0 to 65535, got {port_text!r}')
    bind_address = env.get('MLOPS_BIND_ADDRESS') or '0.0.0.0'
    try:
        ipaddress.ip_address(bind_address)
    except ValueError:
        raise ValueError(f'MLOPS_BIND_ADDRESS must be an IP address, got {bind_address!r}') from None
    return Settings(
        bind_address=bind_address,
        port=port,
        entry_script=env.get('MLOPS_ENTRY_SCRIPT') or DEFAULT_ENTRY_SCRIPT,
        model_dir=env.get('MLOPS_MODEL_DIR') or DEFAULT_MODEL_DIR,
        capture_dir=env.get('MLOPS_CAPTURE_DIR') or None,
        capture_s3_uri=capture_s3_uri(env.get('MLOPS_CAPTURE_S3_URI')),
        capture_flush_seconds=positive_setting(env, 'MLOPS_CAPTURE_FLUSH_SECONDS', DEFAULT_CAPTURE_FLUSH_SECONDS, float),
        capture_flush_lines=positive_setting(env, 'MLOPS_CAPTURE_FLUSH_LINES', DEFAULT_CAPTURE_FLUSH_LINES, int),
    )


def capture_s3_uri(uri: Optional[str]) -> Optional[str]:
    if uri and not re.fullmatch(r's3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?', uri):
        raise ValueError(f'MLOPS_CAPTURE_S3_URI must be s3://<bucket>[/<prefix>], got {uri[:200]!r}')
    return uri or None


def positive_setting(env: Dict[str, str], name: str, default: Any, kind: Callable[[str], Any]) -> Any:
    text = env.get(name)
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    # `not value > 0` also refuses NaN.
    if value is None or not value > 0 or value == float('inf'):
        raise ValueError(f'{name} must be a positive number, got {text[:40]!r}')
    return value


def log(message: str) -> None:
    sys.stderr.write(message + '\n')
    sys.stderr.flush()


def describe(error: BaseException) -> str:
    """`Type: message` on one line, for answers and health reasons."""
    message = ' '.join(str(error).split())
    return f'{type(error).__name__}: {message}' if message else type(error).__name__


# ---- The entry script ------------------------------------------------------------------------


class EntryScript:
    """The user's script, imported and initialized; `failure` says why it cannot serve."""

    def __init__(self, run: Optional[Callable[[Any], Any]], failure: Optional[str]) -> None:
        self._run = run
        self.failure = failure
        self._lock = threading.Lock()

    def run(self, data: Any) -> Any:
        assert self._run is not None, 'run() of a script that failed to load'
        with self._lock:
            return self._run(data)


def load_entry_script(path: str, model_dir: str) -> EntryScript:
    # Set before the import, as scripts may read it at import time as well as in init().
    os.environ['MLOPS_MODEL_DIR'] = model_dir
    try:
        module = import_script(path)
    except Exception as error:
        return failed_script(f'import of {path} failed: {describe(error)}')
    run = getattr(module, 'run', None)
    if not callable(run):
        return failed_script(f'{path} defines no run(data) function')
    init = getattr(module, 'init', None)
    if callable(init):
        try:
            init()
        except Exception as error:
            return failed_script(f'init() failed: {describe(error)}')
    return EntryScript(run, None)


def import_script(path: str) -> ModuleType:
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f'{path} is not a Python file')
    module = importlib.util.module_from_spec(spec)
    # Registered under its name, so pickles and dataclasses that refer to the module find it.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def failed_script(reason: str) -> EntryScript:
    log(f'the entry script cannot serve: {reason}')
    if sys.exc_info()[0] is not None:
        traceback.print_exc()
    return EntryScript(None, reason)


# ---- Requests --------------------------------------------------------------------------------


class RequestError(Exception):
    """A request answered with an error status instead of a call to run()."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class PayloadTooLarge(RequestError):
    def __init__(self, length: int) -> None:
        super().__init__(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f'payload of {length} bytes is over the 6 MB limit ({MAX_PAYLOAD_BYTES} bytes)',
        )
        self.length = length


def read_body(headers: Any, rfile: io.BufferedIOBase) -> bytes:
    transfer_encoding = headers.get('Transfer-Encoding')
    if transfer_encoding is not None:
        if 'chunked' in transfer_encoding.lower():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, 'chunked bodies are not supported: send Content-Length')
        # RFC 9112 6.3: without chunked last, the length of the body cannot be known.
        raise RequestError(HTTPStatus.BAD_REQUEST, f'unsupported Transfer-Encoding {transfer_encoding!r}: send Content-Length')
    declared = headers.get_all('Content-Length') or []
    if not declared:
        return b''
    # Several headers (or a list in one) that disagree make the length ambiguous: RFC 9112 6.3 says 400.
    values = {value.strip(' \t') for header in declared for value in header.split(',')}
    length = ascii_number(values.pop(), MAX_LENGTH_DIGITS) if len(values) == 1 else None
    if length is None:
        raise RequestError(HTTPStatus.BAD_REQUEST, f'invalid Content-Length {", ".join(declared)[:40]!r}: send one decimal number')
    if length > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(length)
    body = rfile.read(length)
    if len(body) < length:
        raise RequestError(HTTPStatus.BAD_REQUEST, f'the body ended after {len(body)} of {length} bytes')
    return body


def parse_content_type(header: Optional[str]) -> Tuple[str, str]:
    """`('text/csv', 'latin-1')` from `text/csv; charset=latin-1`; the charset defaults to UTF-8."""
    media_type, _, parameters = (header or '').partition(';')
    charset = 'utf-8'
    for parameter in parameters.split(';'):
        name, _, value = parameter.partition('=')
        if name.strip().lower() == 'charset' and value.strip():
            charset = value.strip().strip('"')
    return media_type.strip().lower(), charset


def codec_of(charset: str) -> str:
    """The canonical codec name of an accepted charset; 415 for any other."""
    try:
        name = codecs.lookup(charset).name if len(charset) <= MAX_CHARSET_LENGTH else None
    except LookupError:
        name = None
    if name not in SUPPORTED_CHARSETS:
        raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f'unsupported charset {charset[:MAX_CHARSET_LENGTH]!r}: send UTF-8, ASCII or Latin-1')
    # utf-8-sig drops the byte order mark spreadsheets put before CSV exports.
    return 'utf-8-sig' if name == 'utf-8' else name


def decode(body: bytes, charset: str) -> str:
    codec = codec_of(charset)
    try:
        return body.decode(codec)
    except UnicodeDecodeError as error:
        raise RequestError(HTTPStatus.BAD_REQUEST, f'the body is not valid {charset}: {error.reason} at byte {error.start}') from None


def parse_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f'{constant} is not a JSON number')

    try:
        return json.loads(text, parse_constant=refuse)
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise RequestError(HTTPStatus.BAD_REQUEST, f'the body is not valid JSON: {error}') from None
    except RecursionError:
        raise RequestError(HTTPStatus.BAD_REQUEST, 'the body is not valid JSON: it is nested too deeply') from None


def parse_csv(text: str) -> List[List[Union[float, str]]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline='')))
    except csv.Error as error:
        raise RequestError(HTTPStatus.BAD_REQUEST, f'the body is not valid CSV: {error}') from None
    return [[csv_cell(cell) for cell in row] for row in rows if not is_blank(row)]


def is_blank(row: List[str]) -> bool:
    return len(row) == 0 or (len(row) == 1 and row[0].strip() == '')


def csv_cell(cell: str) -> Union[float, str]:
    # Python literals' digit-group underscores, and other scripts' digits (`float('١٢')` is 12.0),
    # are not numbers in a CSV file: monitoring would not read them as numbers either.
    if '_' in cell or not cell.isascii():
        return cell
    try:
        return float(cell)
    except ValueError:
        return cell


PARSERS: Dict[str, Callable[[str], Any]] = {'application/json': parse_json, 'text/csv': parse_csv}
CAPTURE_ENCODINGS = {'application/json': 'JSON', 'text/csv': 'CSV'}


def encode_result(result: Any) -> str:
    def plain(value: Any) -> Any:
        # NumPy arrays and scalars, and anything else that offers it.
        if callable(getattr(value, 'tolist', None)):
            return value.tolist()
        raise TypeError(f'Object of type {type(value).__name__} is not JSON serializable')

    try:
        return json.dumps(result, allow_nan=False, default=plain, separators=(',', ':'))
    except (TypeError, ValueError, RecursionError) as error:
        raise RequestError(
            HTTPStatus.INTERNAL_SERVER_ERROR, f'run() returned a value that is not JSON-serializable: {describe(error)}'
        ) from None


# ---- Capture ---------------------------------------------------------------------------------


# What SageMaker Runtime passes a caller's InvokeEndpoint `InferenceId` and `CustomAttributes` as; SageMaker
# limits each to 64 and 1024 characters, and so does the capture.
INFERENCE_ID_HEADER = 'X-Amzn-SageMaker-Inference-Id'
CUSTOM_ATTRIBUTES_HEADER = 'X-Amzn-SageMaker-Custom-Attributes'


def caller_metadata(headers: Any) -> Dict[str, str]:
    """The caller's inference id (as SageMaker's capture records it) and custom attributes (the platform's
    addition: who calls, for usage counts), when the request carries them."""
    metadata: Dict[str, str] = {}
    inference_id = headers.get(INFERENCE_ID_HEADER)
    if inference_id:
        metadata['inferenceId'] = inference_id[:64]
    custom_attributes = headers.get(CUSTOM_ATTRIBUTES_HEADER)
    if custom_attributes:
        metadata['customAttributes'] = custom_attributes[:1024]
    return metadata


def capture_line(media_type: str, input_text: str, output_text: str, at: datetime, caller: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """One line of SageMaker data capture. The input is stored as decoded text, so its content type
    is the bare media type: a charset parameter of the original bytes would mislead."""
    return {
        'captureData': {
            'endpointInput': {
                'observedContentType': media_type,
                'mode': 'INPUT',
                'data': input_text,
                'encoding': CAPTURE_ENCODINGS[media_type],
            },
            'endpointOutput': {
                'observedContentType': 'application/json',
                'mode': 'OUTPUT',
                'data': output_text,
                'encoding': 'JSON',
            },
        },
        'eventMetadata': {'eventId': str(uuid.uuid4()), 'inferenceTime': iso_time(at), **(caller or {})},
        'eventVersion': '0',
    }


def iso_time(at: datetime) -> str:
    return at.strftime('%Y-%m-%dT%H:%M:%S.') + f'{at.microsecond // 1000:03d}Z'


class CaptureWriter:
    """Appends capture lines to this process's file in the hour folder of each inference."""

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self._file_name = f'{socket.gethostname()}-{os.getpid()}.jsonl'
        self._lock = threading.Lock()

    def write(self, line: Dict[str, Any], at: datetime) -> None:
        folder = os.path.join(self._directory, at.strftime('%Y'), at.strftime('%m'), at.strftime('%d'), at.strftime('%H'))
        text = json.dumps(line, separators=(',', ':')) + '\n'
        # One writer at a time, so lines never interleave; closing the file flushes the line.
        with self._lock:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, self._file_name), 'a', encoding='utf-8') as file:
                file.write(text)


# ---- Capture upload to S3 --------------------------------------------------------------------
#
# SageMaker cannot capture on serverless endpoints, so there the shim uploads its capture itself, in
# SageMaker's layout. Standard library only (the image may have no boto3): SigV4 and the credential
# chain are written out here, as far as a container needs them.

# Lines held in memory at most; more are dropped (and counted) rather than waited for.
MAX_QUEUED_CAPTURE_LINES = 10_000
UPLOAD_ATTEMPTS = 4
# Waits between attempts: 0.5 s, 1 s, 2 s.
UPLOAD_BACKOFF_SECONDS = 0.5
UPLOAD_TIMEOUT_SECONDS = 5
# How long a SIGTERM gives the uploader to send what it holds: well within docker stop's default 10 s before
# SIGKILL (SageMaker documents no grace period of its own).
CAPTURE_DRAIN_SECONDS = 5
# Credentials are fetched again this long before they expire, as the AWS SDKs do.
CREDENTIALS_REFRESH_SECONDS = 5 * 60
METADATA_TIMEOUT_SECONDS = 2
# Where ECS-style container credentials are served (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI).
CONTAINER_CREDENTIALS_HOST = 'http://169.254.170.2'
INSTANCE_METADATA_ENDPOINT = 'http://169.254.169.254'
# The SDKs send a container's authorization token only to these hosts over plain HTTP (or to loopback).
CONTAINER_CREDENTIALS_HOSTS = frozenset({'169.254.170.2', '169.254.170.23', 'fd00:ec2::23'})


class Credentials(NamedTuple):
    access_key_id: str
    secret_access_key: str
    session_token: Optional[str] = None
    # Seconds since the epoch; None for credentials that do not expire.
    expires_at: Optional[float] = None


class CredentialsError(Exception):
    pass


def sigv4_headers(
    method: str, host: str, path: str, headers: Mapping[str, str], payload: bytes, credentials: Credentials, region: str, service: str, at: datetime
) -> Dict[str, str]:
    """`headers` with what AWS Signature Version 4 adds: `x-amz-date`, `x-amz-content-sha256`, the session token
    and `Authorization`, every header signed. `path` is already URI-encoded (S3 signs it as sent) and has no query."""
    amz_date = at.strftime('%Y%m%dT%H%M%SZ')
    payload_sha256 = hashlib.sha256(payload).hexdigest()
    signed = {name.lower(): ' '.join(value.split()) for name, value in headers.items()}
    signed.update({'host': host, 'x-amz-date': amz_date, 'x-amz-content-sha256': payload_sha256})
    if credentials.session_token:
        signed['x-amz-security-token'] = credentials.session_token
    names = sorted(signed)
    canonical_request = '\n'.join(
        [method, path, '', ''.join(f'{name}:{signed[name]}\n' for name in names), ';'.join(names), payload_sha256]
    )
    scope = f'{amz_date[:8]}/{region}/{service}/aws4_request'
    string_to_sign = '\n'.join(['AWS4-HMAC-SHA256', amz_date, scope, hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()])
    key = ('AWS4' + credentials.secret_access_key).encode('utf-8')
    for part in (amz_date[:8], region, service, 'aws4_request'):
        key = hmac.new(key, part.encode('utf-8'), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode('utf-8'), hashlib.sha256).hexdigest()
    authorization = f'AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/{scope}, SignedHeaders={";".join(names)}, Signature={signature}'
    return {**signed, 'authorization': authorization}


# Credential and metadata requests never go through a proxy: their endpoints are link-local.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, headers: Mapping[str, str], method: str = 'GET') -> bytes:
    request = urllib.request.Request(url, headers=dict(headers), method=method)
    with DIRECT.open(request, timeout=METADATA_TIMEOUT_SECONDS) as response:
        return response.read()


def credentials_document(body: bytes) -> Credentials:
    """The JSON the container endpoint and the instance metadata service both answer."""
    try:
        document = json.loads(body)
        expiration = document.get('Expiration')
        return Credentials(
            access_key_id=document['AccessKeyId'],
            secret_access_key=document['SecretAccessKey'],
            session_token=document.get('Token'),
            expires_at=datetime.fromisoformat(expiration.replace('Z', '+00:00')).timestamp() if expiration else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CredentialsError(f'the credentials answer cannot be read: {describe(error)}') from None


def container_credentials(env: Mapping[str, str]) -> Optional[Credentials]:
    """ECS-style container credentials, when the environment points at them."""
    relative = env.get('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')
    url = CONTAINER_CREDENTIALS_HOST + relative if relative else env.get('AWS_CONTAINER_CREDENTIALS_FULL_URI')
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != 'https' and not (parts.scheme == 'http' and is_credentials_host(parts.hostname or '')):
        raise CredentialsError(f'AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, loopback or the ECS/EKS address, got {url[:200]!r}')
    # The token file is read at each fetch: the agent that writes it rotates the token.
    token_file = env.get('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE')
    if token_file:
        with open(token_file, encoding='utf-8') as file:
            token: Optional[str] = file.read().strip()
    else:
        token = env.get('AWS_CONTAINER_AUTHORIZATION_TOKEN')
    return credentials_document(fetch(url, {'Authorization': token} if token else {}))


def is_credentials_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback or host in CONTAINER_CREDENTIALS_HOSTS
    except ValueError:
        return host == 'localhost'


def instance_credentials(env: Mapping[str, str]) -> Optional[Credentials]:
    """The instance role's credentials from the instance metadata service, IMDSv2 (a session token first)."""
    if env.get('AWS_EC2_METADATA_DISABLED', '').lower() == 'true':
        return None
    base = (env.get('AWS_EC2_METADATA_SERVICE_ENDPOINT') or INSTANCE_METADATA_ENDPOINT).rstrip('/')
    token = fetch(f'{base}/latest/api/token', {'X-aws-ec2-metadata-token-ttl-seconds': '21600'}, 'PUT').decode('ascii')
    headers = {'X-aws-ec2-metadata-token': token}
    roles = fetch(f'{base}/latest/meta-data/iam/security-credentials/', headers).decode('utf-8').split()
    if not roles:
        raise CredentialsError('the instance has no role')
    return credentials_document(fetch(f'{base}/latest/meta-data/iam/security-credentials/{quote(roles[0])}', headers))


class CredentialChain:
    """The AWS SDKs' chain as far as a container needs it: environment variables, then the container
    credentials endpoint, then the instance metadata service; kept until shortly before they expire."""

    def __init__(self, env: Mapping[str, str], now: Callable[[], float] = time.time) -> None:
        self._env = env
        self._now = now
        self._cached: Optional[Credentials] = None
        self._lock = threading.Lock()

    def get(self) -> Credentials:
        with self._lock:
            cached = self._cached
            if cached is not None and (cached.expires_at is None or cached.expires_at - self._now() > CREDENTIALS_REFRESH_SECONDS):
                return cached
            try:
                self._cached = self._resolve()
            except (OSError, CredentialsError) as error:
                # Credentials about to expire still sign until they do.
                if cached is None or cached.expires_at is None or cached.expires_at <= self._now():
                    raise CredentialsError(f'no AWS credentials: {describe(error)}') from None
                log(f'refreshing AWS credentials failed, the current ones are used until they expire: {describe(error)}')
                return cached
            return self._cached

    def _resolve(self) -> Credentials:
        key, secret = self._env.get('AWS_ACCESS_KEY_ID'), self._env.get('AWS_SECRET_ACCESS_KEY')
        if key and secret:
            return Credentials(key, secret, self._env.get('AWS_SESSION_TOKEN') or None)
        resolved = container_credentials(self._env) or instance_credentials(self._env)
        if resolved is None:
            raise CredentialsError('none in the environment, no container credentials endpoint, and instance metadata disabled')
        return resolved


class BucketRegionError(Exception):
    def __init__(self, region: str) -> None:
        super().__init__(f'the bucket is in {region}')
        self.region = region


class S3Uploader:
    """PutObject, signed with SigV4, to `AWS_ENDPOINT_URL_S3` path-style when set, else to the bucket's
    virtual-hosted regional endpoint. The region is `AWS_REGION` (or `AWS_DEFAULT_REGION`); without one, or
    when it is not the bucket's, the bucket's region is learnt from S3's answer, as the AWS SDKs do."""

    def __init__(self, env: Mapping[str, str], credentials: CredentialChain) -> None:
        self.region = env.get('AWS_REGION') or env.get('AWS_DEFAULT_REGION') or 'us-east-1'
        self._endpoint = (env.get('AWS_ENDPOINT_URL_S3') or '').rstrip('/') or None
        self._credentials = credentials

    def put_object(self, bucket: str, key: str, body: bytes) -> None:
        try:
            self._put(bucket, key, body)
        except BucketRegionError as moved:
            log(f'the bucket {bucket} is in {moved.region}, not {self.region}: uploading there')
            self.region = moved.region
            self._put(bucket, key, body)

    def _put(self, bucket: str, key: str, body: bytes) -> None:
        path_key = '/' + quote(key, safe='/-_.~')
        url = f'{self._endpoint}/{bucket}{path_key}' if self._endpoint else f'https://{bucket}.s3.{self.region}.amazonaws.com{path_key}'
        parts = urlsplit(url)
        headers = sigv4_headers(
            'PUT', parts.netloc, parts.path, {'content-type': 'application/jsonlines'}, body, self._credentials.get(), self.region, 's3', datetime.now(timezone.utc)
        )
        request = urllib.request.Request(url, data=body, headers=headers, method='PUT')
        try:
            with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as error:
            # A request to the wrong region is refused (301 or 400) with the bucket's region in this header.
            region = error.headers.get('x-amz-bucket-region', '')
            if region != self.region and re.fullmatch(r'[a-z]{2}(-[a-z]+)+-[0-9]', region):
                raise BucketRegionError(region) from None
            # S3's error document names the cause (AccessDenied, NoSuchBucket, ...).
            raise OSError(f'S3 answered {error.code}: {" ".join(error.read(300).decode("utf-8", "replace").split())}') from None


class CaptureUploader:
    """Queues capture lines in memory and uploads them from a daemon thread, as JSON Lines objects in the hour
    folder of their inference time, every `flush_seconds` or `flush_lines` lines, whichever comes first.
    `write` never blocks and never raises: a full queue drops the line, a failed upload is retried then dropped,
    and both are counted in the log."""

    def __init__(
        self, uri: str, put_object: Callable[[str, str, bytes], None], flush_seconds: float, flush_lines: int, max_queued: int = MAX_QUEUED_CAPTURE_LINES
    ) -> None:
        bucket, _, prefix = uri[len('s3://') :].partition('/')
        self._bucket = bucket
        self._prefix = prefix.strip('/') + '/' if prefix.strip('/') else ''
        self._put_object = put_object
        self._flush_seconds = flush_seconds
        self._flush_lines = flush_lines
        self._queue: 'queue.Queue[Optional[Tuple[datetime, str]]]' = queue.Queue(max_queued)
        self._file_stem = f'{socket.gethostname()}-{os.getpid()}'
        self._sequence = itertools.count(1)
        self._stopping = threading.Event()
        self._drain_deadline = float('inf')
        self._lock = threading.Lock()
        self.dropped = 0
        self.lost = 0
        self._thread = threading.Thread(target=self._run, name='capture-upload', daemon=True)
        self._thread.start()

    def write(self, line: Dict[str, Any], at: datetime) -> None:
        try:
            self._queue.put_nowait((at, json.dumps(line, separators=(',', ':'))))
        except queue.Full:
            with self._lock:
                self.dropped += 1
                dropped = self.dropped
            # Logged at 1, 2, 4, 8, ... so a long outage does not flood the log.
            if dropped & (dropped - 1) == 0:
                log(f'capture queue full: {dropped} lines dropped so far')

    def close(self, timeout: float = CAPTURE_DRAIN_SECONDS) -> None:
        """Uploads what is queued, giving up after `timeout` seconds."""
        self._drain_deadline = time.monotonic() + timeout
        self._stopping.set()
        try:
            self._queue.put_nowait(None)  # wakes the thread at once
        except queue.Full:
            pass  # a full queue does not keep it waiting
        self._thread.join(timeout)
        if self._thread.is_alive():
            log(f'capture upload did not finish within {timeout:g} s: about {self._queue.qsize()} queued lines lost')

    def _run(self) -> None:
        while True:
            try:
                batch = self._collect()
                for folder, texts in group_by_hour(batch).items():
                    self._upload(f'{self._prefix}{folder}{self._file_stem}-{next(self._sequence)}.jsonl', texts)
            except Exception:
                # A bug here must not stop the uploads that follow.
                traceback.print_exc()
            if self._stopping.is_set() and self._queue.empty():
                return

    def _collect(self) -> List[Tuple[datetime, str]]:
        batch: List[Tuple[datetime, str]] = []
        deadline = time.monotonic() + self._flush_seconds
        while len(batch) < self._flush_lines:
            try:
                if self._stopping.is_set():
                    item = self._queue.get_nowait()
                else:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if item is not None:
                batch.append(item)
        return batch

    def _upload(self, key: str, texts: List[str]) -> None:
        body = ('\n'.join(texts) + '\n').encode('utf-8')
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            try:
                self._put_object(self._bucket, key, body)
                return
            except Exception as error:
                failure = describe(error)
            delay = UPLOAD_BACKOFF_SECONDS * 2 ** (attempt - 1)
            if attempt == UPLOAD_ATTEMPTS or time.monotonic() + delay > self._drain_deadline:
                break
            # A SIGTERM ends the wait: the drain retries at once, until its deadline.
            self._stopping.wait(delay)
        with self._lock:
            self.lost += len(texts)
            lost = self.lost
        log(f'capture upload of {len(texts)} lines to s3://{self._bucket}/{key} failed after {attempt} attempts ({failure}): {lost} lines lost so far')


def group_by_hour(batch: List[Tuple[datetime, str]]) -> Dict[str, List[str]]:
    """The lines by SageMaker's hour folder of their inference time, `yyyy/mm/dd/hh/`."""
    folders: Dict[str, List[str]] = {}
    for at, text in batch:
        folders.setdefault(at.strftime('%Y/%m/%d/%H/'), []).append(text)
    return folders


# ---- Routes ----------------------------------------------------------------------------------

Reply = Tuple[int, str]


def json_reply(status: int, value: Any) -> Reply:
    return status, json.dumps(value, separators=(',', ':'))


class Shim:
    def __init__(self, script: EntryScript, capture: Union[CaptureWriter, CaptureUploader, None]) -> None:
        self.script = script
        self.capture = capture

    def ping(self, headers: Any, body: bytes) -> Reply:
        if self.script.failure is not None:
            return json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, {'status': 'unhealthy', 'error': self.script.failure})
        return json_reply(HTTPStatus.OK, {'status': 'healthy'})

    def invocations(self, headers: Any, body: bytes) -> Reply:
        if self.script.failure is not None:
            return json_reply(HTTPStatus.SERVICE_UNAVAILABLE, {'error': self.script.failure})
        header = headers.get('Content-Type')
        media_type, charset = parse_content_type(header)
        if media_type not in PARSERS:
            raise RequestError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f'unsupported content type {header or "(none)"}: send {SUPPORTED_TYPES}')
        text = decode(body, charset)
        if text.strip() == '':
            raise RequestError(HTTPStatus.BAD_REQUEST, 'the body is empty')
        data = PARSERS[media_type](text)
        at = datetime.now(timezone.utc)
        try:
            result = self.script.run(data)
        except Exception as error:
            log('run() failed:')
            traceback.print_exc()
            raise RequestError(HTTPStatus.INTERNAL_SERVER_ERROR, f'run() failed: {describe(error)}') from None
        output = encode_result(result)
        # Written (or queued for upload) before the answer, so a caller that has its answer finds the line on disk.
        if self.capture is not None:
            self.write_capture(capture_line(media_type, text, output, at, caller_metadata(headers)), at)
        return HTTPStatus.OK, output

    def write_capture(self, line: Dict[str, Any], at: datetime) -> None:
        assert self.capture is not None
        try:
            self.capture.write(line, at)
        except OSError as error:
            # Losing a capture line must not fail the inference it records.
            log(f'capture failed: {describe(error)}')


Route = Callable[[Shim, Any, bytes], Reply]
ROUTES: Dict[str, Tuple[str, Route]] = {'/ping': ('GET', Shim.ping), '/invocations': ('POST', Shim.invocations)}


def answer(shim: Shim, method: str, path: str, headers: Any, body: bytes) -> Reply:
    route = ROUTES.get(path)
    if route is None:
        raise RequestError(HTTPStatus.NOT_FOUND, f'no such path {path}: use GET /ping or POST /invocations')
    allowed, handle = route
    if method != allowed:
        raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f'{path} takes {allowed}, not {method}')
    return handle(shim, headers, body)


# ---- HTTP ------------------------------------------------------------------------------------


class ShimServer(ThreadingHTTPServer):
    # Request threads are joined on close, so requests in flight finish on SIGTERM.
    daemon_threads = False
    block_on_close = True

    def __init__(self, bind_address: str, port: int, shim: Shim) -> None:
        if ipaddress.ip_address(bind_address).version == 6:
            self.address_family = socket.AF_INET6
        super().__init__((bind_address, port), ShimHandler)
        self.shim = shim


class ShimHandler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so no idle keep-alive connection holds up a shutdown.
    protocol_version = 'HTTP/1.0'
    server_version = 'mlops-serving'
    timeout = SOCKET_TIMEOUT_SECONDS
    server: ShimServer

    def do_GET(self) -> None:
        self.dispatch('GET')

    def do_POST(self) -> None:
        self.dispatch('POST')

    def dispatch(self, method: str) -> None:
        started = time.monotonic()
        path = urlsplit(self.path).path
        too_large = False
        try:
            body = read_body(self.headers, self.rfile)
            status, text = answer(self.server.shim, method, path, self.headers, body)
        except RequestError as error:
            status, text = json_reply(error.status, {'error': error.message})
            too_large = isinstance(error, PayloadTooLarge)
        except OSError as error:
            log(f'{method} {path}: the connection failed: {describe(error)}')
            return
        except Exception as error:
            # A bug in the shim: answer it rather than drop the connection.
            traceback.print_exc()
            status, text = json_reply(HTTPStatus.INTERNAL_SERVER_ERROR, {'error': f'the serving shim failed: {describe(error)}'})
        self.send_json(status, text)
        if too_large:
            self.discard_unread_body()
        log(f'{method} {path} {int(status)} {(time.monotonic() - started) * 1000:.1f}ms')

    def send_json(self, status: int, text: str) -> None:
        payload = text.encode('utf-8')
        try:
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError as error:
            log(f'the answer could not be sent: {describe(error)}')

    def discard_unread_body(self) -> None:
        """Reads what the client still sends after a 413: closing a socket with unread data resets
        the connection, and the client could lose the answer."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(1)
            while self.rfile.read1(64 * 1024):
                pass
        except OSError:
            pass

    def log_request(self, code: Any = '-', size: Any = '-') -> None:
        pass  # dispatch() logs each request once, with its duration.

    def log_message(self, format: str, *args: Any) -> None:
        log(f'{self.address_string()}: {format % args}')


# ---- Main ------------------------------------------------------------------------------------


def serve(server: ShimServer) -> None:
    def stop(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run on the thread serving.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main() -> int:
    # A SIGTERM during a long init() exits cleanly too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        settings = settings_from_env(dict(os.environ))
    except ValueError as error:
        log(str(error))
        return 2
    script = load_entry_script(settings.entry_script, settings.model_dir)
    uploader = None
    if settings.capture_s3_uri:
        s3 = S3Uploader(os.environ, CredentialChain(os.environ))
        uploader = CaptureUploader(settings.capture_s3_uri, s3.put_object, settings.capture_flush_seconds, settings.capture_flush_lines)
    capture = uploader or (CaptureWriter(settings.capture_dir) if settings.capture_dir else None)
    server = ShimServer(settings.bind_address, settings.port, Shim(script, capture))
    print(f'listening on port {server.server_address[1]}', flush=True)
    serve(server)
    if uploader is not None:
        uploader.close()
    log('stopped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
