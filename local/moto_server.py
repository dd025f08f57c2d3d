"""The moto server, with its in-memory state saved to a file on SIGTERM and restored at start.

Moto keeps everything in memory. Pickling its service backends keeps what a replay of requests
would not: S3 object version ids, which the model registry pins. Usage:
    python3 local/moto_with_state.py STATE_FILE -H 127.0.0.1 -p PORT
"""
import os
import pickle
import sys

from moto.backends import get_backend
from moto.server import main as moto_server

# The services the platform uses; their backends are dicts of account -> region -> backend.
SERVICES = ["s3", "events", "cloudwatch", "logs", "sagemaker", "ecr", "sns"]


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


if __name__ == "__main__":
    state_file = sys.argv[1]
    restore(state_file)
    try:
        moto_server(sys.argv[2:])
    finally:
        # Moto's own SIGTERM and SIGINT handlers end the server with sys.exit, which lands here.
        save(state_file)
