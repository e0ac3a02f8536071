"""Interactive limits, table-driven: every offending field is named, each limit at its boundary."""
from __future__ import annotations

from dataclasses import replace

import pytest

from chatdesk.channels.content import Choice, Interactive, Section
from chatdesk.channels.interactive_limits import InteractiveLimits
from chatdesk.channels.whatsapp.adapter import CAPABILITIES as WA
from chatdesk.conversations import interactive_policy as ip

QUICK = replace(WA, title="Messenger", interactive=InteractiveLimits(kinds=frozenset({"quick_replies"}),
                                                                    body_max={"quick_replies": 2000}))


def a_list(**over) -> Interactive:
    values = {"kind": "list", "body": "Pick a slot", "button": "Slots",
              "sections": [Section(title="Morning", rows=[Choice(id="m1", title="9:00", description="early")])],
              **over}
    return Interactive.model_validate(values)


def buttons(*titles: str, **over) -> Interactive:
    return Interactive.model_validate({"kind": "buttons", "body": "Yes?",
                                       "buttons": [Choice(id=f"b{i}", title=t) for i, t in enumerate(titles)],
                                       **over})


def rows(n: int, prefix: str = "r") -> list[Choice]:
    return [Choice(id=f"{prefix}{i}", title=f"Row {i}") for i in range(n)]


def fields(caps, content) -> list[str]:
    return [e.field for e in ip.check(caps, content)]


@pytest.mark.parametrize("content,expected", [
    (a_list(), []),
    (a_list(button="b" * 20), []),
    (a_list(button="b" * 21), ["button"]),
    (a_list(button=None), ["button"]),
    (a_list(body="x" * 4096), []),
    (a_list(body="x" * 4097), ["text"]),
    (a_list(body=" "), ["text"]),
    (a_list(header="h" * 60, footer="f" * 60), []),
    (a_list(header="h" * 61, footer="f" * 61), ["header", "footer"]),
    (a_list(sections=[Section(rows=rows(10))]), []),
    (a_list(sections=[Section(rows=rows(11))]), ["sections"]),  # the 11th row
    (a_list(sections=[Section(title="A", rows=rows(6, "a")), Section(title="B", rows=rows(5, "b"))]),
     ["sections"]),  # ten rows in all, not per section
    (a_list(sections=[Section(title=f"S{i}", rows=rows(1, f"s{i}-")) for i in range(11)]),
     ["sections", "sections"]),  # 11 sections (and so 11 rows)
    (a_list(sections=[Section(rows=rows(1, "a")), Section(title="B", rows=rows(1, "b"))]),
     ["sections[0].title"]),  # a title is required once there are two
    (a_list(sections=[Section(title="t" * 25, rows=rows(1))]), ["sections[0].title"]),
    (a_list(sections=[Section(title="A", rows=[Choice(id="x", title="y" * 24, description="d" * 72)])]), []),
    (a_list(sections=[Section(title="A", rows=rows(1, "a")),
                      Section(title="B", rows=[Choice(id="b", title="y" * 25, description="d" * 73)])]),
     ["sections[1].rows[0].title", "sections[1].rows[0].description"]),
    (a_list(sections=[Section(rows=[Choice(id="same", title="a"), Choice(id="same", title="b")])]),
     ["sections[0].rows[1].id"]),
    (a_list(sections=[Section(rows=[Choice(id="i" * 201, title="a")])]), ["sections[0].rows[0].id"]),
    (a_list(sections=[Section(title="A", rows=[])]), ["sections[0].rows"]),
    (a_list(sections=[]), ["sections"]),
    (buttons("Yes", "No", "Maybe"), []),
    (buttons("Yes", "No", "Maybe", "Later"), ["buttons"]),
    (buttons("t" * 20), []),
    (buttons("t" * 21), ["buttons[0].title"]),
    (buttons(), ["buttons"]),
    (buttons("Yes", body="x" * 1025), ["text"]),  # reply buttons' body is 1,024 (Meta's list page: lists 4,096)
    (Interactive(kind="buttons", body="?", buttons=[Choice(id=" b", title="a")]), ["buttons[0].id"]),
    (Interactive(kind="buttons", body="?", buttons=[Choice(id="b", title="a"), Choice(id="b", title="c")]),
     ["buttons[1].id"]),
    (Interactive(kind="quick_replies", body="?", buttons=rows(1)), ["type"]),  # WhatsApp has none
])
def test_whatsapp_limits(content, expected):
    assert fields(WA, content) == expected


@pytest.mark.parametrize("n,expected", [(13, []), (14, ["quick_replies"])])
def test_quick_replies_are_counted_by_the_channel_that_declares_them(n, expected):
    content = Interactive(kind="quick_replies", body="Pick one", buttons=rows(n))
    assert fields(QUICK, content) == expected
    assert fields(QUICK, a_list()) == ["type"]


def test_a_customers_reply_is_not_checked():
    assert ip.check(WA, Interactive(kind="list_reply", reply=Choice(id="x", title="y" * 99))) == []


def test_the_problem_lists_every_field_with_its_limit():
    errors = ip.check(WA, a_list(button="b" * 21, sections=[Section(rows=[Choice(id="x", title="y" * 25)])]))
    body = ip.problem(errors).body()
    assert body["status"] == 422 and body["code"] == "interactive_invalid"
    assert [(e["field"], e.get("limit")) for e in body["errors"]] == [("button", 20), ("sections[0].rows[0].title", 24)]
