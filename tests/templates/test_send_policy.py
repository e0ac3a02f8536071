"""The pure check of a template send (conversations/template_send.check), table-driven."""
from __future__ import annotations

import pytest

from chatdesk.channels.templates.models import MessageTemplate
from chatdesk.channels.templates.shape import Parameters
from chatdesk.conversations.policy import Refusal
from chatdesk.conversations.template_send import TemplateRequest, check


def row(name="order_update", language="en_US", status="APPROVED", category="UTILITY", components=None):
    return MessageTemplate(name=name, language=language, status=status, category=category,
                           components=components or [{"type": "BODY", "text": "Hi {{1}}, order {{2}} ships."}])


NAMED = [{"type": "BODY", "text": "Hi {{first_name}}, code {{code}}."}]
RICH = [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Hi {{1}}."},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Ok"},
                                        {"type": "URL", "text": "Track", "url": "https://x.test/{{1}}"},
                                        {"type": "COPY_CODE", "example": "SAVE10"}]}]


@pytest.mark.parametrize(("rows", "language", "params", "code", "parameter"), [
    ([], "en_US", Parameters(), "template_not_found", None),
    ([row(language="nl")], "en_US", Parameters(body=["a", "b"]), "template_language_missing", None),
    ([row(status="PENDING")], "en_US", Parameters(body=["a", "b"]), "template_not_approved", None),
    ([row(status="REJECTED")], "en_US", Parameters(body=["a", "b"]), "template_not_approved", None),
    ([row(status="PAUSED")], "en_US", Parameters(body=["a", "b"]), "template_not_approved", None),
    ([row(status="DISABLED")], "en_US", Parameters(body=["a", "b"]), "template_not_approved", None),
    ([row()], "en_US", Parameters(body=["a"]), "template_parameters", "body.2"),
    ([row()], "en_US", Parameters(body=["a", "b", "c"]), "template_parameters", "body.3"),
    ([row()], "en_US", Parameters(body=["a", " "]), "template_parameters", "body.2"),
    ([row()], "en_US", Parameters(body=["a", "b"], header=["x"]), "template_parameters", "header.1"),
    ([row(components=NAMED)], "en_US", Parameters(body={"first_name": "A"}), "template_parameters", "body.code"),
    ([row(components=NAMED)], "en_US", Parameters(body={"first_name": "A", "code": "1", "x": "2"}),
     "template_parameters", "body.x"),
    ([row(components=RICH)], "en_US", Parameters(body=["a"], buttons=["t", "c"]), "template_parameters",
     "header.1"),
    ([row(components=RICH)], "en_US", Parameters(header=["https://x.test/i.png"], body=["a"], buttons=["t"]),
     "template_parameters", "buttons.2"),
    ([row(components=RICH)], "en_US", Parameters(header=["https://x.test/i.png"], body=["a"],
                                                 buttons=["t", "c", "d"]), "template_parameters", "buttons.2"),
])
def test_refused(rows, language, params, code, parameter):
    found = check(rows, TemplateRequest("order_update", language, params))
    assert isinstance(found, Refusal)
    assert found.code == code
    if parameter:
        assert found.values["parameter"] == parameter


def test_positional_send_builds_the_components_and_the_text():
    content, text = check([row(category="MARKETING")], TemplateRequest("order_update", "en_US",
                                                                       Parameters(body=["Mark", "7"])))
    assert content.category == "MARKETING"
    assert [c.model_dump(mode="json") for c in content.components] == [
        {"type": "body", "parameters": [{"type": "text", "text": "Mark"}, {"type": "text", "text": "7"}]}]
    assert text == "Hi Mark, order 7 ships."


def test_named_media_and_buttons():
    content, _ = check([row(components=NAMED)], TemplateRequest("order_update", "en_US",
                                                                Parameters(body={"code": "1", "first_name": "A"})))
    assert content.components[0].parameters == [{"type": "text", "parameter_name": "first_name", "text": "A"},
                                                {"type": "text", "parameter_name": "code", "text": "1"}]
    content, _ = check([row(components=RICH)], TemplateRequest(
        "order_update", "en_US", Parameters(header=["https://x.test/i.png"], body=["a"], buttons=["t1", "SAVE"])))
    parts = [c.model_dump(mode="json") for c in content.components]
    assert parts[0] == {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://x.test/i.png"}}]}
    assert parts[2] == {"type": "button", "sub_type": "url", "index": "1",
                        "parameters": [{"type": "text", "text": "t1"}]}
    assert parts[3] == {"type": "button", "sub_type": "copy_code", "index": "2",
                        "parameters": [{"type": "coupon_code", "coupon_code": "SAVE"}]}
