"""The suite runs from any clean checkout: no test names a path outside the repository (such a test
skips or errors on another machine), and every payload a test names is in tests/payloads/."""
from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PAYLOADS = TESTS / "payloads"
# Where other checkouts and the shared conformance set live on the machines we know, plus where
# this checkout lives on this one (so a test cannot name its own absolute path either).
OUTSIDE = ("/work/", "../shared", "shared/conformance", str(REPO.parent) + "/")
PAYLOAD_NAME = re.compile(r"""["']([A-Za-z0-9_.-]+\.json)["']""")


def sources() -> list[Path]:
    return [p for p in sorted(TESTS.rglob("*.py")) if p != Path(__file__).resolve()]


def outside_mentions(text: str) -> list[str]:
    return [marker for marker in OUTSIDE if marker in text]


def test_no_test_names_a_path_outside_the_repository():
    found = {str(p.relative_to(REPO)): outside_mentions(p.read_text()) for p in sources()}
    assert {name: marks for name, marks in found.items() if marks} == {}


def test_the_scan_recognises_an_outside_path():
    assert outside_mentions('CONFORMANCE = Path("/work/shared/conformance/meta")')
    assert outside_mentions('Path(__file__).parents[2] / "../shared/conformance"')
    assert outside_mentions(f'Path("{REPO.parent}/other-checkout/tests/payloads")')
    assert not outside_mentions('PAYLOADS / "whatsapp" / "wa_inbound_text.json"')


def test_every_payload_a_test_names_is_in_the_repository():
    stored = {p.name for p in PAYLOADS.rglob("*.json")}
    named = {name for p in sources() for name in PAYLOAD_NAME.findall(p.read_text())}
    assert "wa_inbound_text.json" in named   # the scan sees the names the tests use
    assert named - stored == set()


def test_each_payload_folder_says_where_its_files_come_from():
    folders = {p.parent for p in PAYLOADS.rglob("*.json")}
    assert {f.name for f in folders} >= {"whatsapp", "messenger", "instagram"}
    assert [f.name for f in sorted(folders) if not (f / "SOURCE.md").is_file()] == []
