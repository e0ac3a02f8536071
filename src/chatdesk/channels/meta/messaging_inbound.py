"""Messenger / Instagram webhook bodies → channel-neutral inbound events (SPEC §4.1).

Both platforms send ``{object, entry[{id, time, messaging[...]}]}``; ``object`` says which. Each
``messaging`` item is read on its own: a message we do not know is kept as ``unsupported`` with
its raw payload, never dropped. Events without an id of their own (reactions, postbacks of old
apps, anything unknown) get one derived from their bytes, so a redelivery is still recognised.

Echoes (what the page / account sent) come back too: one that carries our tracking tag in its
``metadata`` is a receipt of our own send (``sent``: it is not stored again), any other was sent
from another tool and is stored as outbound.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from .. import content as typed
from ..base import (
    InboundEvent,
    InboundMessageEvent,
    InboundStatusEvent,
    InboundWatermarkEvent,
    PayloadError,
    UnreadableItem,
)
from . import messaging_payloads as wire

# chatdesk's tracking tags (conversations.policy.tracking_tag) start with this: an echo whose
# metadata starts so is one of our own sends
OUR_METADATA = "chatdesk:"
# attachment type -> chatdesk media type
MEDIA = {"image": "image", "video": "video", "audio": "audio", "file": "document"}
SHARES = ("share", "ig_reel", "reel")


def routing_ids(raw: bytes, obj: str) -> list[str]:
    """The pages / accounts a delivery is addressed to."""
    try:
        envelope = wire.RoutingEnvelope.model_validate_json(raw)
    except ValidationError as exc:
        raise PayloadError(f"not a {obj} webhook: {exc.error_count()} problem(s)") from exc
    if envelope.object != obj:
        raise PayloadError(f"unexpected object {envelope.object!r}")
    return list(dict.fromkeys(e.id for e in envelope.entry))


def parse_events(raw: bytes, obj: str) -> list[InboundEvent]:
    """Every event of every entry, in order."""
    try:
        envelope = wire.Envelope.model_validate_json(raw)
    except ValidationError as exc:
        raise PayloadError(f"not a {obj} webhook: {exc.error_count()} problem(s)") from exc
    if envelope.object != obj:
        raise PayloadError(f"unexpected object {envelope.object!r}")
    events: list[InboundEvent] = []
    for entry in envelope.entry:
        if not entry.id:
            continue  # addressed to no page or account: nothing to store it under
        for item in [*entry.messaging, *entry.standby]:
            events.extend(_item(entry.id, item))
    return events


def _item(page: str, item: Any) -> list[InboundEvent]:
    try:
        m = wire.Messaging.model_validate(item)
    except ValidationError as exc:
        return [UnreadableItem(page, f"messaging: {exc.errors()[0]['msg']}")]
    when = _when(m.timestamp)
    if m.message is not None and m.message.is_echo:
        return [_echo(page, m, when)]
    if m.message is not None:
        return _messages(page, m, when)
    if m.postback is not None:
        p = m.postback
        return [_event(page, m, p.mid or _derived(item), when, "postback", p.title,
                       typed.Button(payload=p.payload, text=p.title))]
    if m.reaction is not None:
        r = m.reaction
        emoji = (r.emoji or r.reaction or "") if r.action != "unreact" else ""
        return [_event(page, m, _derived(item), when, "reaction", emoji or None,
                       typed.Reaction(message_id=r.mid, emoji=emoji), reply_to=r.mid)]
    if m.read is not None or m.delivery is not None:
        return _receipts(page, m, when)
    return [_event(page, m, _derived(item), when, "unsupported", None,
                   typed.Unsupported(original_type=_kind_of(item), raw=m.wire()))]


def _messages(page: str, m: wire.Messaging, when: datetime | None) -> list[InboundEvent]:
    """A customer's message; one event per attachment (the first keeps the message's id)."""
    msg = m.message
    assert msg is not None
    reply_to = msg.reply_to.mid if msg.reply_to and msg.reply_to.mid else None
    if msg.attachments:
        return [_event(page, m, msg.mid if i == 0 else f"{msg.mid}#{i}", when, *_attachment(a, msg.text),
                       reply_to=reply_to) for i, a in enumerate(msg.attachments)]
    story = msg.reply_to.story if msg.reply_to else None
    if story is not None:
        return [_event(page, m, msg.mid, when, "story_reply", msg.text, typed.Story(
            kind="reply", url=story.url, story_id=story.id, body=msg.text))]
    if msg.quick_reply is not None:
        return [_event(page, m, msg.mid, when, "quick_reply", msg.text,
                       typed.Button(payload=msg.quick_reply.payload, text=msg.text), reply_to=reply_to)]
    if msg.text is not None and not msg.is_unsupported and not msg.is_deleted:
        return [_event(page, m, msg.mid, when, "text", msg.text, typed.Text(body=msg.text), reply_to=reply_to)]
    original = "deleted" if msg.is_deleted else "message"
    return [_event(page, m, msg.mid, when, "unsupported", None,
                   typed.Unsupported(original_type=original, raw=msg.wire()))]


def _attachment(a: wire.Attachment, text: str | None) -> tuple[str, str | None, typed.Content]:
    if a.type in MEDIA and a.url:
        kind = MEDIA[a.type]
        return kind, text, typed.Media.model_validate({"type": kind, "provider_media_id": a.url, "caption": text})
    if a.type == "story_mention":
        return "story_mention", None, typed.Story(kind="mention", url=a.url)
    if a.type in SHARES:
        return "share", text, typed.Share(kind=a.type, url=a.url, title=(a.payload or {}).get("title"))
    coordinates = (a.payload or {}).get("coordinates") or {}
    if a.type == "location" and "lat" in coordinates and "long" in coordinates:
        try:
            return "location", None, typed.Location(latitude=coordinates["lat"], longitude=coordinates["long"])
        except ValidationError:
            pass
    return "unsupported", None, typed.Unsupported(original_type=a.type, raw=a.wire())


def _echo(page: str, m: wire.Messaging, when: datetime | None) -> InboundEvent:
    """What the page / account sent: our own send's receipt, or a message from another tool."""
    msg = m.message
    assert msg is not None
    customer = m.recipient.id
    if msg.metadata and msg.metadata.startswith(OUR_METADATA):
        return InboundStatusEvent(channel_external_id=page, provider_message_id=msg.mid, status="sent",
                                  occurred_at=when or datetime.now(UTC), recipient_id=customer,
                                  tracking=msg.metadata)
    events = _messages(page, m, when)
    event = events[0]
    assert isinstance(event, InboundMessageEvent)
    event.from_business, event.sender_id = True, customer
    return event


def _receipts(page: str, m: wire.Messaging, when: datetime | None) -> list[InboundEvent]:
    """``delivery`` (mids and / or a watermark) and ``read`` (a watermark, or IG's last mid)."""
    customer = m.sender.id
    out: list[InboundEvent] = []
    for status, body in (("delivered", m.delivery), ("read", m.read)):
        if body is None:
            continue
        mids = list(body.mids) if isinstance(body, wire.Delivery) else [body.mid] if body.mid else []
        out += [InboundStatusEvent(channel_external_id=page, provider_message_id=mid, status=status,
                                   occurred_at=when or datetime.now(UTC), recipient_id=customer) for mid in mids]
        up_to = _when(body.watermark)
        if not mids and up_to is not None:
            out.append(InboundWatermarkEvent(page, customer, status, up_to))
    return out


def _event(page: str, m: wire.Messaging, mid: str, when: datetime | None, kind: str, text: str | None,
           content: typed.Content, reply_to: str | None = None) -> InboundMessageEvent:
    return InboundMessageEvent(channel_external_id=page, provider_message_id=mid, sender_id=m.sender.id,
                               sender_name=None, sent_at=when, type=kind, text=text, content=content,
                               raw=m.wire(), reply_to_provider_id=reply_to)


def _derived(item: Any) -> str:
    """An id for an event that has none, the same on every redelivery of it."""
    digest = hashlib.sha256(json.dumps(item, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"evt.{digest[:40]}"


def _kind_of(item: Any) -> str | None:
    known = {"sender", "recipient", "timestamp"}
    rest = [k for k in item if k not in known] if isinstance(item, dict) else []
    return rest[0] if rest else None


def _when(ms: int | None) -> datetime | None:
    """Epoch milliseconds as a time, or None when they are not a plausible one."""
    if ms is None:
        return None
    try:
        when = datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return when if 2000 <= when.year < 2200 else None
