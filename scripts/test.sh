#!/usr/bin/env bash
# The full test suite on a fresh machine: makes .venv, installs chatdesk with its test extras,
# and runs pytest (extra arguments are passed on, e.g. `bash scripts/test.sh -k webhooks`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
exec .venv/bin/pytest "$@"
