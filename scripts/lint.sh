#!/usr/bin/env bash
# Lint and type checks of src/ in the tests' .venv (made here too if missing): ruff, then mypy,
# both configured in pyproject.toml. Both always run; the exit status is 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
status=0
.venv/bin/ruff check src || status=1
.venv/bin/mypy || status=1
exit "$status"
