# Sourced by scripts/test.sh and scripts/lint.sh: makes .venv if missing and installs chatdesk
# into it with its test extras (pytest, ruff, mypy), so both scripts run from one environment.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
