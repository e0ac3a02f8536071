"""The files an operator installs from the repository: the systemd units pass
``systemd-analyze verify`` and set what docs/deploy.md promises; the deploy docs name nothing
outside the repository."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
INSTALLED = "/opt/chatdesk/venv/bin/chatdesk"  # where docs/deploy.md installs chatdesk
REQUIRED = ("User=", "WorkingDirectory=", "EnvironmentFile=", "TimeoutStopSec=", "Restart=on-failure")


@pytest.mark.parametrize("template", ["chatdesk-web@.service", "chatdesk-worker@.service"])
def test_unit_sets_what_an_operator_relies_on(template):
    text = (UNITS / template).read_text()
    for key in REQUIRED:
        assert re.search(rf"^{re.escape(key)}", text, re.M), key
    assert f"ExecStart={INSTALLED} " in text


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
@pytest.mark.parametrize("template", ["chatdesk-web@.service", "chatdesk-worker@.service"])
def test_unit_passes_systemd_analyze_verify(template, tmp_path):
    # verify checks that ExecStart's program exists: point it at this checkout's chatdesk
    here = str(Path(sys.executable).parent / "chatdesk")
    instance = tmp_path / template.replace("@.", "@01.")
    instance.write_text((UNITS / template).read_text().replace(INSTALLED, here))
    done = subprocess.run(["systemd-analyze", "verify", str(instance)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # unknown keys and bad values are only warnings: they must not be there either
    assert [line for line in done.stderr.splitlines() if instance.name in line] == [], done.stderr


@pytest.mark.parametrize("doc", ["deploy.md", "sandbox.md"])
def test_docs_name_no_file_outside_the_repository(doc):
    text = (REPO / "docs" / doc).read_text()
    # a design note or fixture elsewhere (a file in a folder; `/openapi.json` is a URL path of ours)
    absolute = re.findall(r"`(/[^`\s/]+/[^`\s]+\.(?:md|json))`", text)
    parent = re.findall(r"\(\.\./\.\./[^)]*\)", text)  # a link climbing out of the repository
    assert (absolute, parent) == ([], [])
