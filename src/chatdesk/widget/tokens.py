"""Visitor tokens and identity verification, both keyed by the channel's widget secret.

A visitor token names the visitor and whether the site verified them; it is signed, so the
widget keeps it in the site's localStorage and chatdesk stores nothing per visitor. A site
that knows its user passes ``user_hash = HMAC-SHA256(widget secret, user_id)`` (hex).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from ..channels.base import ID_DEFAULT, ID_USER

USER_ID_MAX = 160  # contact_identities.external_id
TOKEN_MAX = 400


@dataclass(frozen=True)
class Visitor:
    id: str  # the identity's external id: a random visitor id, or the site's user_id
    verified: bool

    @property
    def id_type(self) -> str:
        return ID_USER if self.verified else ID_DEFAULT


def _sign(secret: str, kind: str, visitor: str) -> str:
    return hmac.new(secret.encode(), f"visitor-token:{kind}:{visitor}".encode(), hashlib.sha256).hexdigest()


def issue(secret: str, visitor: Visitor) -> str:
    kind = "u" if visitor.verified else "a"
    name = base64.urlsafe_b64encode(visitor.id.encode()).decode().rstrip("=")
    return f"{kind}.{name}.{_sign(secret, kind, visitor.id)}"


def read(secret: str, token: str | None) -> Visitor | None:
    """The visitor a token names, or None when it is not one this secret signed."""
    if not token or len(token) > TOKEN_MAX or token.count(".") != 2:
        return None
    kind, name, sig = token.split(".")
    try:
        visitor = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if kind not in ("a", "u") or not visitor or not hmac.compare_digest(sig, _sign(secret, kind, visitor)):
        return None
    return Visitor(visitor, kind == "u")


def anonymous() -> Visitor:
    return Visitor("v_" + secrets.token_urlsafe(16), False)


def user_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verified(secret: str, user_id: str | None, given: str | None) -> Visitor | None:
    """The site's user when ``given`` is their hash, else None (a wrong or missing hash)."""
    if not user_id or not given or len(user_id) > USER_ID_MAX:
        return None
    if not hmac.compare_digest(given.lower().encode(), user_hash(secret, user_id).encode()):
        return None
    return Visitor(user_id, True)
