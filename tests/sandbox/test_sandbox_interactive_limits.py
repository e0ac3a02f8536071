"""Every interactive limit of SPEC §2.4 at the boundary: the limit passes, one more fails 131009."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from chatdesk.channels.whatsapp.payloads import SendRequest
from tests.conftest import PAYLOADS
from tests.sandbox.sandbox_helpers import ALEX, Harness, assert_error

CONFORMANCE = PAYLOADS / "whatsapp"  # copies of the conformance set (SOURCE.md there)


def list_message(rows_per_section: tuple[int, ...] = (2,)) -> dict[str, Any]:
    sections = [{"title": f"Section {s}",
                 "rows": [{"id": f"s{s}r{r}", "title": f"Row {s}.{r}", "description": "d"}
                          for r in range(count)]}
                for s, count in enumerate(rows_per_section)]
    return {"messaging_product": "whatsapp", "to": ALEX, "type": "interactive",
            "interactive": {"type": "list", "header": {"type": "text", "text": "Header"},
                            "body": {"text": "Body"}, "footer": {"text": "Footer"},
                            "action": {"button": "Choose", "sections": sections}}}


def button_message(count: int = 2) -> dict[str, Any]:
    buttons = [{"type": "reply", "reply": {"id": f"b{i}", "title": f"Button {i}"}}
               for i in range(count)]
    return {"messaging_product": "whatsapp", "to": ALEX, "type": "interactive",
            "interactive": {"type": "button", "body": {"text": "Body"},
                            "footer": {"text": "Footer"}, "action": {"buttons": buttons}}}


def set_path(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    node: Any = body["interactive"]
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return body


# (builder, path inside "interactive", limit, details sentence)
LIMITS = [
    (list_message, "body.text", 4096, "Body text is too long. Max length is 4096"),
    (list_message, "header.text", 60, "Header text is too long. Max length is 60"),
    (list_message, "footer.text", 60, "Footer text is too long. Max length is 60"),
    (list_message, "action.button", 20, "Button text is too long. Max length is 20"),
    (list_message, "action.sections.0.title", 24, "Section title is too long. Max length is 24"),
    (list_message, "action.sections.0.rows.0.id", 200, "Row id is too long. Max length is 200"),
    (list_message, "action.sections.0.rows.0.title", 24,
     "Row title is too long. Max length is 24"),
    (list_message, "action.sections.0.rows.0.description", 72,
     "Row description is too long. Max length is 72"),
    (button_message, "body.text", 1024, "Body text is too long. Max length is 1024"),
    (button_message, "footer.text", 60, "Footer text is too long. Max length is 60"),
    (button_message, "action.buttons.0.reply.title", 20,
     "Button title is too long. Max length is 20"),
    (button_message, "action.buttons.0.reply.id", 256, "Button id is too long. Max length is 256"),
]


@pytest.mark.parametrize(("builder", "path", "limit", "details"), LIMITS,
                         ids=[f"{b.__name__}:{p}" for b, p, _, _ in LIMITS])
async def test_text_limit_boundary(h: Harness, builder, path, limit, details):
    assert (await h.send(set_path(builder(), path, "x" * limit))).status_code == 200
    assert_error(await h.send(set_path(builder(), path, "x" * (limit + 1))), 131009,
                 details=details)


async def test_button_header_limit(h: Harness):
    body = button_message()
    body["interactive"]["header"] = {"type": "text", "text": "h" * 60}
    assert (await h.send(body)).status_code == 200
    body["interactive"]["header"]["text"] = "h" * 61
    assert_error(await h.send(body), 131009)


async def test_row_and_section_counts(h: Harness):
    assert (await h.send(list_message((5, 5)))).status_code == 200
    assert_error(await h.send(list_message((5, 6))), 131009,
                 details="Too many rows. Max number of rows is 10 across all sections")
    assert (await h.send(list_message((1,) * 10))).status_code == 200
    assert_error(await h.send(list_message((1,) * 11)), 131009,
                 details="Too many sections. Max number of sections is 10")


async def test_button_count_and_uniqueness(h: Harness):
    assert (await h.send(button_message(3))).status_code == 200
    assert_error(await h.send(button_message(4)), 131009,
                 details="Too many buttons. Max number of buttons is 3")
    duplicate_ids = set_path(button_message(2), "action.buttons.1.reply.id", "b0")
    assert_error(await h.send(duplicate_ids), 131009, details="Button ids must be unique.")
    duplicate_titles = set_path(button_message(2), "action.buttons.1.reply.title", "Button 0")
    assert_error(await h.send(duplicate_titles), 131009, details="Button titles must be unique.")
    duplicate_rows = set_path(list_message((2,)), "action.sections.0.rows.1.id", "s0r0")
    assert_error(await h.send(duplicate_rows), 131009, details="Row ids must be unique.")


async def test_missing_interactive_parts(h: Harness):
    no_body = list_message()
    del no_body["interactive"]["body"]
    assert_error(await h.send(no_body), 131008)
    no_sections = set_path(list_message(), "action.sections", [])
    assert_error(await h.send(no_sections), 131008)
    no_title = set_path(list_message((1, 1)), "action.sections.1.title", None)
    assert_error(await h.send(no_title), 131008)
    # A single section may omit its title.
    assert (await h.send(set_path(list_message((1,)), "action.sections.0.title", None))
            ).status_code == 200
    empty_button_label = set_path(list_message(), "action.button", "")
    assert_error(await h.send(empty_button_label), 131008)


@pytest.mark.parametrize("name", ["wa_send_list_request.json", "wa_send_buttons_request.json",
                                  "wa_send_text_request.json"])
async def test_conformance_send_requests_are_accepted(h: Harness, name: str):
    body = json.loads((CONFORMANCE / name).read_text())
    SendRequest.model_validate(body)
    response = await h.send(body)
    assert response.status_code == 200, response.text
