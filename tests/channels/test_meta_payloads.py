"""The Messenger and Instagram conformance payloads hold the shapes SPEC §4 documents: webhooks in
the `object` / `entry[]` / `messaging[]` envelope with millisecond integer times, and the Send API
body and answer. A file that drifts from them would teach a future adapter the wrong shape."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PAYLOADS

OBJECT = {"messenger": "page", "instagram": "instagram"}
SEND_FILES = {"messenger_send_request.json", "messenger_send_response.json"}
# One event kind per messaging item (SPEC §4.1's table).
EVENT_KEYS = {"message", "postback", "read", "delivery", "reaction", "referral"}
MESSAGING_TYPES = {"RESPONSE", "UPDATE", "MESSAGE_TAG"}
MIN_MS = 10**12   # an epoch in milliseconds (2001 onwards); seconds would be ~1.7e9


def files(kind: str) -> list[Path]:
    return sorted((PAYLOADS / kind).glob("*.json"))


WEBHOOKS = [p for kind in OBJECT for p in files(kind) if p.name not in SEND_FILES]


def test_both_kinds_have_their_payloads():
    names = {p.name for kind in OBJECT for p in files(kind)}
    assert names >= SEND_FILES
    assert {"messenger_inbound_text.json", "instagram_inbound_text.json",
            "instagram_story_mention.json"} <= names
    assert all(p.name.startswith(f"{p.parent.name}_") for kind in OBJECT for p in files(kind))


def is_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= MIN_MS


def is_id(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit()


def envelope_problems(body: Any, kind: str) -> list[str]:
    """What in ``body`` breaks the documented webhook envelope of ``kind`` (empty: nothing)."""
    if not isinstance(body, dict):
        return ["not an object"]
    problems = [] if body.get("object") == OBJECT[kind] else [f"object is not {OBJECT[kind]!r}"]
    entries = body.get("entry")
    if not isinstance(entries, list) or not entries:
        return [*problems, "entry is not a non-empty list"]
    for i, entry in enumerate(entries):
        if not (is_id(entry.get("id")) and is_ms(entry.get("time"))):
            problems.append(f"entry {i}: id or time")
        items = entry.get("messaging")
        if not isinstance(items, list) or not items:
            problems.append(f"entry {i}: messaging is not a non-empty list")
            continue
        problems += [f"entry {i} item {j}: {p}" for j, item in enumerate(items)
                     for p in item_problems(item, entry.get("id"))]
    return problems


def item_problems(item: dict[str, Any], account: str | None) -> list[str]:
    problems = []
    sender, recipient = item.get("sender", {}).get("id"), item.get("recipient", {}).get("id")
    if not (is_id(sender) and is_id(recipient)):
        problems.append("sender.id or recipient.id")
    if not is_ms(item.get("timestamp")):
        problems.append("timestamp is not integer milliseconds")
    kinds = EVENT_KEYS & item.keys()
    if len(kinds) != 1:
        problems.append(f"events {sorted(kinds)}")
    echo = bool(item.get("message", {}).get("is_echo"))
    # The page / account is the recipient of what a user sends, the sender of its own echoes.
    if (sender if echo else recipient) != account:
        problems.append("the entry's account is not on the right side")
    message = item.get("message")
    if message is not None and not (isinstance(message.get("mid"), str) and message["mid"]):
        problems.append("message without mid")
    return problems


@pytest.mark.parametrize("path", WEBHOOKS, ids=lambda p: p.name)
def test_each_webhook_payload_has_the_documented_envelope(path: Path):
    assert envelope_problems(json.loads(path.read_bytes()), path.parent.name) == []


def test_the_check_finds_a_drifted_envelope():
    good = json.loads((PAYLOADS / "messenger" / "messenger_inbound_text.json").read_bytes())
    assert envelope_problems(good, "messenger") == []
    assert envelope_problems(good, "instagram") == ["object is not 'instagram'"]
    item = good["entry"][0]["messaging"][0]
    drifted = [
        {**good, "entry": []},
        {**good, "entry": [{**good["entry"][0], "messaging": []}]},
        {**good, "entry": [{**good["entry"][0], "time": good["entry"][0]["time"] // 1000}]},
        {**good, "entry": [{**good["entry"][0], "messaging": [{**item, "timestamp": str(item["timestamp"])}]}]},
        {**good, "entry": [{**good["entry"][0], "messaging": [{**item, "read": {"watermark": 1}}]}]},
        {**good, "entry": [{**good["entry"][0], "messaging": [
            {**item, "sender": item["recipient"], "recipient": item["sender"]}]}]},
    ]
    for body in drifted:
        assert envelope_problems(body, "messenger"), body


def test_the_send_request_and_answer_have_the_documented_fields():
    request = json.loads((PAYLOADS / "messenger" / "messenger_send_request.json").read_bytes())
    assert is_id(request["recipient"]["id"])
    assert request["messaging_type"] in MESSAGING_TYPES
    assert request["messaging_type"] != "MESSAGE_TAG" or request.get("tag")
    replies = request["message"].get("quick_replies", [])
    assert isinstance(request["message"]["text"], str) and len(replies) <= 13
    assert all(r["content_type"] == "text" and 0 < len(r["title"]) <= 20 and r["payload"] for r in replies)
    answer = json.loads((PAYLOADS / "messenger" / "messenger_send_response.json").read_bytes())
    assert answer["recipient_id"] == request["recipient"]["id"]
    assert answer["message_id"].startswith("m_")
