"""Browser session security: signed session cookies, CSRF tokens and login throttling.

Sessions are signed cookies (HMAC-SHA256 with a key derived from the settings'
``encryption_key()``): ``user id . issued . password fingerprint . session token``; the token
names a server-side row (``accounts/sessions.py``). Changing the password ends every session of
that user; signing out ends the session's row, so a copied cookie stops working too.
Throttling is in memory, per process (a scale-out deployment with N web processes allows up to
N x the failures; see the report/docs).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass

SESSION_COOKIE = "cd_session"
CSRF_COOKIE = "cd_csrf"
LANG_COOKIE = "cd_lang"
SESSION_MAX_AGE = 14 * 24 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """HMAC signatures under a key derived (per purpose) from the installation's secret key."""

    def __init__(self, secret: str):
        self._key = hashlib.sha256(b"chatdesk-inbox\0" + secret.encode()).digest()

    def _mac(self, purpose: str, data: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode() + b"\0" + data, hashlib.sha256).digest()

    def sign(self, purpose: str, payload: dict) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(purpose, body.encode()))}"

    def unsign(self, purpose: str, value: str | None) -> dict | None:
        if not value or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        try:
            if not hmac.compare_digest(_unb64(mac), self._mac(purpose, body.encode())):
                return None
            data = json.loads(_unb64(body))
        except (ValueError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def csrf_token(self, csrf_cookie: str, session_cookie: str = "") -> str:
        """Bound to the session cookie too: a CSRF cookie planted by a sibling site, with a
        token minted for it while signed out, is worth nothing in someone's session."""
        return _b64(self._mac("csrf", csrf_cookie.encode() + b"\0" + session_cookie.encode()))

    def csrf_ok(self, csrf_cookie: str | None, token: str | None, session_cookie: str = "") -> bool:
        if not csrf_cookie or not token:
            return False
        return hmac.compare_digest(self.csrf_token(csrf_cookie, session_cookie), token)


def password_fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def session_value(signer: Signer, user_id: int, password_hash: str | None, token: str) -> str:
    """The cookie: the user, when, the password's fingerprint and the server-side session's token."""
    return signer.sign("session", {"u": user_id, "t": int(time.time()), "p": password_fingerprint(password_hash),
                                   "s": token})


def read_session(signer: Signer, value: str | None) -> dict | None:
    data = signer.unsign("session", value)
    if data is None or not isinstance(data.get("u"), int) or not isinstance(data.get("t"), int) \
            or not isinstance(data.get("s"), str):
        return None
    if data["t"] + SESSION_MAX_AGE < time.time():
        return None
    return data


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class LoginThrottle:
    """At most ``max_failures`` failed sign-ins per (email, IP), and ``ip_max_failures`` per IP
    whatever the emails, within ``window`` seconds; then that pair (or address) waits
    ``cooldown`` seconds. Per address too: a new email per attempt never met the pair's limit, and
    each attempt costs an argon2 hash. In memory, per process."""

    max_failures: int = 5
    ip_max_failures: int = 20
    window: float = 900.0
    cooldown: float = 300.0

    def __post_init__(self) -> None:
        self._failures: dict[object, deque[float]] = {}
        self._locked: dict[object, float] = {}

    def wait(self, email: str, ip: str, now: float | None = None) -> float:
        """Seconds until this pair may try again (0 = now)."""
        now = time.monotonic() if now is None else now
        until = max(self._locked.get((email.lower(), ip), 0.0), self._locked.get(ip, 0.0))
        return max(0.0, until - now)

    def failed(self, email: str, ip: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._count((email.lower(), ip), self.max_failures, now)
        self._count(ip, self.ip_max_failures, now)
        if len(self._failures) > 100_000:  # bound memory under a spray of made-up emails
            self._failures.clear()

    def _count(self, key: object, limit: int, now: float) -> None:
        recent = self._failures.setdefault(key, deque())
        recent.append(now)
        while recent and recent[0] < now - self.window:
            recent.popleft()
        if len(recent) >= limit:
            self._locked[key] = now + self.cooldown
            recent.clear()

    def succeeded(self, email: str, ip: str) -> None:
        """Clears the pair only: one account that signs in must not reset its address's count."""
        key = (email.lower(), ip)
        self._failures.pop(key, None)
        self._locked.pop(key, None)
