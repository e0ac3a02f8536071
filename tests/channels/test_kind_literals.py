"""Adding a channel kind is a folder, a registry line, its sandbox emulation and maybe a
migration: no code outside those places may name a kind. The check is the "whatsapp" string
literal (any case) in the package's Python files and quoted in the inbox templates."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import chatdesk

SRC = Path(chatdesk.__file__).parent
KIND = "whatsapp"
# where the kind may be named: its adapter, the Meta plumbing it shares, its emulator, the
# migrations (history), the registry (the one list of kinds) and the demo (it seeds one).
ALLOWED = ("channels/whatsapp/", "channels/meta/", "sandbox/", "migrations/", "channels/registry.py", "demo.py")
QUOTED = re.compile(rf"""(['"]){KIND}\1""", re.IGNORECASE)


def literals_in_python(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() == KIND]


def literals_in_template(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1) if QUOTED.search(line)]


def test_no_kind_literal_outside_the_kind_s_own_places():
    found = [f"{path.relative_to(SRC).as_posix()}:{line}" for path in sorted(SRC.rglob("*.py"))
             if not path.relative_to(SRC).as_posix().startswith(ALLOWED)
             for line in literals_in_python(path.read_text(encoding="utf-8"))]
    assert found == []


def test_no_kind_literal_in_the_inbox_templates():
    templates = sorted((SRC / "inbox" / "templates").rglob("*.html"))
    assert templates
    found = [f"{path.name}:{line}" for path in templates for line in literals_in_template(path.read_text())]
    assert found == []


def test_the_checks_would_find_one():
    assert literals_in_python('if kind == "WhatsApp":\n    pass\nx = f"/webhooks/{kind}"') == [1]
    assert literals_in_python("kind = 'whatsapp'") == [1]
    assert literals_in_python('"""The WhatsApp channel."""\nx = "whatsapp_business"') == []
    assert literals_in_template("{% if ch.kind == 'whatsapp' %}") == [1]
    assert literals_in_template('<span class="kind-{{ ch.kind }}">WhatsApp</span>') == []
