"""Meta's rules for a new template (channels/templates/rules.py) and the preview (render.py)."""
from __future__ import annotations

import pytest

from chatdesk.channels.templates import render, rules
from chatdesk.channels.templates.shape import Parameters


def draft(body: str = "Hi {{1}}, your order {{2}} is on its way.", examples: list[str] | None = None,
          **extra) -> dict:
    components = [{"type": "BODY", "text": body,
                   "example": {"body_text": [examples if examples is not None else ["Mark", "123"]]}},
                  *extra.pop("components", [])]
    return {"name": "order_update", "language": "en_US", "category": "UTILITY", "components": components, **extra}


@pytest.mark.parametrize(("template", "loc", "msg"), [
    (draft(name="Order Update"), ["name"], "lower-case"),
    (draft(name="a" * 513), ["name"], "512"),
    (draft(category="PROMO"), ["category"], "MARKETING"),
    (draft(language="english"), ["language"], "language code"),
    (draft("{{1}} is your order, {{2}}."), ["components", 0, "text"], "start or end"),
    (draft("Hi {{1}}, order {{2}}"), ["components", 0, "text"], "start or end"),
    (draft("Hi {{1}}, order {{3}} is here.", ["a", "b"]), ["components", 0, "text"], "without gaps"),
    (draft("Hi {{1}}, order {{name}} is here.", ["a", "b"]), ["components", 0, "text"], "not both"),
    (draft(examples=["Mark"]), ["components", 0, "example", "body_text"], "sample"),
    (draft("x" * 1025, []), ["components", 0, "text"], "1024"),
    (draft(components=[{"type": "HEADER", "format": "TEXT", "text": "h" * 61}]), ["components", 1, "text"], "60"),
    (draft(components=[{"type": "HEADER", "format": "IMAGE"}]), ["components", 1, "example", "header_handle"],
     "sample"),
    (draft(components=[{"type": "FOOTER", "text": "f" * 61}]), ["components", 1, "text"], "60"),
    (draft(components=[{"type": "FOOTER", "text": "Hi {{1}}"}]), ["components", 1, "text"], "no variables"),
    (draft(components=[{"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "t" * 26}]}]),
     ["components", 1, "buttons", 0, "text"], "25"),
    (draft(components=[{"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": str(i)} for i in range(11)]}]),
     ["components", 1, "buttons"], "10"),
    (draft(components=[{"type": "BUTTONS", "buttons": [
        {"type": "URL", "text": f"u{i}", "url": "https://x.test"} for i in range(3)]}]),
     ["components", 1, "buttons"], "URL"),
    (draft(components=[{"type": "BUTTONS", "buttons": [
        {"type": "QUICK_REPLY", "text": "a"}, {"type": "URL", "text": "u", "url": "https://x.test"},
        {"type": "QUICK_REPLY", "text": "b"}]}]), ["components", 1, "buttons"], "next to each other"),
    ({"name": "x", "language": "en", "category": "UTILITY", "components": []}, ["components"], "BODY"),
])
def test_rule_refused(template, loc, msg):
    errors = rules.check(template)
    assert any(e["loc"] == loc and msg in e["msg"] for e in errors), errors


@pytest.mark.parametrize("template", [
    draft(),
    draft("Hello {{first_name}}, see you soon.", examples=[], components=[]),
    draft(components=[{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}",
                       "example": {"header_text": ["123"]}},
                      {"type": "FOOTER", "text": "Reply STOP to opt out"},
                      {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Track"},
                                                      {"type": "URL", "text": "Open", "url": "https://x.test/{{1}}",
                                                       "example": ["https://x.test/1"]}]}]),
])
def test_rule_passes(template):
    if "first_name" in template["components"][0]["text"]:
        template["components"][0]["example"] = {"body_text_named_params": [
            {"param_name": "first_name", "example": "Mark"}]}
    assert rules.check(template) == []


COMPONENTS = [{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
              {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships {{1}}."},
              {"type": "FOOTER", "text": "Shop"},
              {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Thanks"},
                                              {"type": "URL", "text": "Track", "url": "https://x.test/t/{{1}}"}]}]


def test_render_fills_every_part():
    shown = render.render(COMPONENTS, Parameters(header=["A1"], body=["Mark", "A1"], buttons=["A1"]))
    assert shown.header == "Order A1"
    assert shown.body == "Hi Mark, order A1 ships Mark."
    assert shown.footer == "Shop"
    assert shown.buttons[1].url == "https://x.test/t/A1"
    assert shown.text() == "Order A1\n\nHi Mark, order A1 ships Mark.\n\nShop"


def test_render_named_and_missing_values_stay_visible():
    comps = [{"type": "BODY", "text": "Hi {{first_name}}, code {{code}}."}]
    assert render.render(comps, Parameters(body={"first_name": "Ann"})).body == "Hi Ann, code {{code}}."
