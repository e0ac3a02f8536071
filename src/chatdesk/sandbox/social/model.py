"""Who and what the Messenger / Instagram emulation keeps: users (PSID / IGSID), the messages in
both directions, and ids shaped like Meta's (``m_…`` mids on Messenger, ``aWdf…`` on Instagram,
15 to 17 digit scoped user ids)."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PLATFORMS = ("messenger", "instagram")
_MID_ALPHABET = string.ascii_letters + string.digits + "_-"


def messenger_mid() -> str:
    """``m_`` + 86 url-safe characters, as in the Messenger fixtures."""
    return "m_" + "".join(secrets.choice(_MID_ALPHABET) for _ in range(86))


def instagram_mid(account_id: str) -> str:
    """Instagram mids are base64 of an ``ig_message_item`` record naming the account."""
    inner = f"{account_id}:{secrets.randbelow(10**38)}:{secrets.randbelow(10**19)}"
    return "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj" + base64.b64encode(inner.encode()).decode()


def new_mid(platform: str, account_id: str) -> str:
    return instagram_mid(account_id) if platform == "instagram" else messenger_mid()


def scoped_id(platform: str, account_id: str, seed: str) -> str:
    """A stable page-/Instagram-scoped user id for a seed (16 digits; never starts with 0)."""
    digest = hashlib.sha256(f"{platform}:{account_id}:{seed}".encode()).digest()
    return str(10**15 + int.from_bytes(digest[:8], "big") % (9 * 10**15))


def attachment_id() -> str:
    return str(10**15 + secrets.randbelow(9 * 10**15))


@dataclass
class SocialUser:
    """A person writing to a Page (PSID) or to an Instagram account (IGSID)."""

    platform: str
    account_id: str
    id: str
    first_name: str
    last_name: str = ""
    username: str | None = None      # Instagram handle, without "@"
    language: str = "en"
    read_receipts: bool = True
    persona: bool = False
    available: bool = True           # False: sends answer 551 "This person isn't available"
    customer_key: str | None = None  # the phone-page customer playing this user

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "name": self.name}


@dataclass
class SocialOutbound:
    """A message (or sender action) the Send API accepted from the business."""

    seq: int
    mid: str
    platform: str
    account_id: str
    user_id: str
    request: dict[str, Any]
    accepted_at: datetime
    kind: str                        # text, image, video, audio, file, template
    messaging_type: str
    tag: str | None = None
    statuses: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["accepted_at"] = self.accepted_at.isoformat()
        data["message"] = self.request.get("message") or {}
        return data


@dataclass
class SocialInbound:
    """An event a user caused (a message, postback, reaction …) as it went out in a webhook."""

    seq: int
    mid: str
    platform: str
    account_id: str
    user_id: str
    time: datetime
    kind: str
    event: dict[str, Any]
    read_by_business: bool = False

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["time"] = self.time.isoformat()
        return data
