"""The moto server as the local platform runs it: guarded against web pages, and with its state
optionally kept in a file.

Moto answers every request, sends ``Access-Control-Allow-Origin: *`` and accepts unsigned browser
form uploads, so any web page could write the platform's buckets (and the image builds run what
they hold). The guard in front refuses, with 403, a ``Host`` that is not a loopback name with the
server's port (DNS rebinding), an ``Origin`` other than the server's own (a page's cross-origin
request), and an unsigned request (no ``Authorization`` header and no presigned ``X-Amz-Signature``):
browsers cannot add either to a request without a preflight, which the Origin rule refuses. It also
drops moto's ``Access-Control-*`` answer headers. Moto does not check signatures; the guard only
requires one, which a web page cannot make.

With ``--state-file FILE``, moto's backends are pickled to FILE on SIGTERM and restored at start:
this keeps what a replay of requests would not, such as the S3 object version ids the model
registry pins.

Usage: python3 local/moto_server.py [--state-file FILE] -H 127.0.0.1 -p PORT
"""
import json
import os
import pickle
import sys
from urllib.parse import parse_qs

import moto.server
from moto.backends import get_backend

# The services the platform uses; their backends are dicts of account -> region -> backend.
SERVICES = ["s3", "events", "cloudwatch", "logs", "sagemaker", "ecr", "sns"]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class LocalGuard:
    """WSGI middleware: serves only requests that a local SDK or tool, not a web page, sends."""

    def __init__(self, app, port):
        self.app = app
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
        if "HTTP_AUTHORIZATION" not in environ and "X-Amz-Signature" not in parse_qs(environ.get("QUERY_STRING", "")):
            return "unsigned request: sign it (any SDK or the AWS CLI does), or use a presigned URL"
        return None


def guard_the_server():
    """Puts the guard in front of the app moto's main() builds and serves with run_simple."""
    run_simple = moto.server.run_simple

    def guarded_run_simple(host, port, app, **options):
        return run_simple(host, port, LocalGuard(app, port), **options)

    moto.server.run_simple = guarded_run_simple


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
