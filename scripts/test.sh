#!/usr/bin/env bash
# The full test suite on a fresh machine: makes .venv, installs chatdesk with its test extras,
# and runs pytest (extra arguments are passed on, e.g. `bash scripts/test.sh -k webhooks`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/pytest "$@"
