"""Webhook bodies for Messenger (``object: page``) and Instagram (``object: instagram``), shaped
like the conformance payloads: ``entry[{id, time, messaging[{sender, recipient, timestamp,
<event>}]}]`` with millisecond integer times, one event per entry.

Customer events come from a short spec (``{"type": "quick_reply", "title": "Red", "payload":
"COLOR_RED"}``); after a send the business gets its echo (``is_echo``, ``app_id``, ``metadata``),
a ``delivery`` (Messenger only) and a ``read`` (``watermark`` on Messenger, ``mid`` on
Instagram).
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..config import SocialAccount
from ..envelopes import encode_json
from .model import SocialOutbound, SocialUser, attachment_id

MEDIA_TYPES = ("image", "video", "audio", "file")
SPEC_TYPES = ("text", "quick_reply", "postback", *MEDIA_TYPES, "reaction", "share",
              "story_mention", "story_reply", "unsupported")
INSTAGRAM_ONLY = ("story_mention", "story_reply")
# Messenger's reaction names for the emoji its apps offer (SPEC §4.1); anything else is "other".
REACTIONS = {"😆": "smile", "😠": "angry", "😢": "sad", "😮": "wow", "❤️": "love",
             "❤": "love", "👍": "like", "👎": "dislike"}
EXTENSIONS = {"image": "png", "video": "mp4", "audio": "ogg", "file": "pdf"}


class SpecError(ValueError):
    """A control request that cannot become an event (HTTP 400)."""


class EventSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = "text"
    text: str | None = None
    title: str | None = None
    payload: str | None = None
    emoji: str | None = None
    action: str | None = None        # reaction: react (default) or unreact
    message_id: str | None = None    # reaction target / reply_to mid
    url: str | None = None           # share link
    account_id: str | None = None
    timestamp: int | None = None     # milliseconds


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def cdn_url(base: str, secret: str, platform: str, asset_id: str, ext: str) -> str:
    """A signed CDN-style URL the sandbox serves (``…_cdn/?asset_id=…&signature=…``)."""
    signature = hmac.new(secret.encode() or b"sandbox", f"{asset_id}.{ext}".encode(),
                         hashlib.sha256).hexdigest()[:24]
    path = "ig_messaging_cdn" if platform == "instagram" else "messaging_cdn"
    return f"{base}{path}/?asset_id={asset_id}&ext={ext}&signature={signature}"


def envelope(account: SocialAccount, item: dict[str, Any], now: datetime) -> bytes:
    obj = "instagram" if account.platform == "instagram" else "page"
    return encode_json({"object": obj, "entry": [
        {"id": account.account_id, "time": ms(now), "messaging": [item]}]})


def from_user(account: SocialAccount, user: SocialUser, at: datetime,
              event: dict[str, Any]) -> dict[str, Any]:
    return {"sender": {"id": user.id}, "recipient": {"id": account.account_id},
            "timestamp": ms(at), **event}


def customer_event(spec: EventSpec, account: SocialAccount, mid: str, base: str, secret: str,
                   last_business_mid: str | None) -> tuple[str, dict[str, Any]]:
    """``("message" | "postback" | "reaction", body)`` for a spec."""
    kind = spec.type
    if kind not in SPEC_TYPES:
        raise SpecError(f"unknown type {kind!r}; use one of {', '.join(SPEC_TYPES)}")
    if kind in INSTAGRAM_ONLY and account.platform != "instagram":
        raise SpecError(f"{kind} exists on Instagram only")
    if kind == "postback":
        return "postback", {"mid": mid, "title": _need(spec.title, "title", kind),
                            "payload": _need(spec.payload, "payload", kind)}
    if kind == "reaction":
        target = _need(spec.message_id or last_business_mid, "message_id", kind)
        if spec.action == "unreact":
            return "reaction", {"mid": target, "action": "unreact"}
        emoji = spec.emoji or "❤️"
        return "reaction", {"reaction": REACTIONS.get(emoji, "other"), "emoji": emoji,
                            "action": "react", "mid": target}
    return "message", _message(spec, account, mid, base, secret)


def _message(spec: EventSpec, account: SocialAccount, mid: str, base: str,
             secret: str) -> dict[str, Any]:
    kind, platform = spec.type, account.platform
    if kind == "text":
        body: dict[str, Any] = {"mid": mid, "text": _need(spec.text, "text", kind)}
        if spec.message_id:
            body["reply_to"] = {"mid": spec.message_id}
        return body
    if kind == "quick_reply":
        return {"mid": mid, "text": _need(spec.title, "title", kind),
                "quick_reply": {"payload": _need(spec.payload, "payload", kind)}}
    if kind in MEDIA_TYPES:
        url = cdn_url(base, secret, platform, attachment_id(), EXTENSIONS[kind])
        return {"mid": mid, "attachments": [{"type": kind, "payload": {"url": url}}]}
    if kind == "share":
        url = spec.url or "https://www.instagram.com/p/C0sandbox/"
        if platform == "instagram":
            return {"mid": mid, "attachments": [{"type": "share", "payload": {"url": url}}]}
        return {"mid": mid, "attachments": [{"type": "fallback", "payload": {
            "url": url, "title": spec.title or url}}]}
    if kind == "story_mention":
        url = cdn_url(base, secret, platform, attachment_id(), "png")
        return {"mid": mid, "attachments": [{"type": "story_mention", "payload": {"url": url}}]}
    if kind == "story_reply":
        story = attachment_id()
        return {"mid": mid, "text": _need(spec.text, "text", kind), "reply_to": {"story": {
            "url": cdn_url(base, secret, platform, story, "png"), "id": story}}}
    return {"mid": mid, "is_unsupported": True}


def _need(value: Any, field: str, kind: str) -> Any:
    if value is None or value == "":
        raise SpecError(f"{field} is required for type {kind}")
    return value


# --------------------------------------------------------------------------- after a send


def echo(account: SocialAccount, record: SocialOutbound, at: datetime) -> dict[str, Any]:
    """What the business sent, seen from the Page / account (sender and recipient swapped)."""
    message = record.request.get("message") or {}
    body: dict[str, Any] = {"is_echo": True, "app_id": account.app_id}
    if message.get("metadata") is not None:
        body["metadata"] = message["metadata"]
    body["mid"] = record.mid
    if message.get("text") is not None:
        body["text"] = message["text"]
    attachment = message.get("attachment")
    if attachment:
        payload = dict(attachment.get("payload") or {})
        payload.pop("is_reusable", None)
        body["attachments"] = [{"type": attachment["type"], "payload": payload}]
    if message.get("quick_replies"):
        body["quick_replies"] = message["quick_replies"]
    return {"sender": {"id": account.account_id}, "recipient": {"id": record.user_id},
            "timestamp": ms(at), "message": body}


def delivery(account: SocialAccount, record: SocialOutbound, at: datetime) -> dict[str, Any]:
    return {"sender": {"id": record.user_id}, "recipient": {"id": account.account_id},
            "timestamp": ms(at),
            "delivery": {"mids": [record.mid], "watermark": ms(record.accepted_at)}}


def read(account: SocialAccount, record: SocialOutbound, at: datetime) -> dict[str, Any]:
    receipt = ({"mid": record.mid} if account.platform == "instagram"
               else {"watermark": ms(record.accepted_at)})
    return {"sender": {"id": record.user_id}, "recipient": {"id": account.account_id},
            "timestamp": ms(at), "read": receipt}
