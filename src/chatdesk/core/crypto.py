"""Encryption of secrets at rest (channel access tokens, app secrets) and token hashing."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

MIN_KEY_LENGTH = 32  # characters; ``secrets.token_urlsafe(32)`` makes 43
KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class BadSecretKey(ValueError):
    """The secret key is missing, too short, or not the one the stored secrets were encrypted
    with. Said in one line: a process refuses to start on it."""


def checked_key(key: str, source: str) -> str:
    """``key`` if it is long enough; an empty file must never become the key ``''``."""
    if len(key) < MIN_KEY_LENGTH:
        raise BadSecretKey(f"{source} is too short ({len(key)} characters, at least {MIN_KEY_LENGTH}); "
                           f"restore the key the data was encrypted with, or for a new install make one: {KEY_HINT}")
    return key


class Cipher:
    """Fernet (AES-128-CBC + HMAC) keyed from the settings' secret key."""

    def __init__(self, secret: str):
        digest = hashlib.sha256(secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError("secrets cannot be decrypted: was CHATDESK_SECRET_KEY changed?") from exc


def new_token(prefix: str) -> str:
    """A random bearer token with a readable prefix (``cd_...``)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    """Tokens are stored hashed: a leaked database does not leak API access."""
    return hashlib.sha256(token.encode()).hexdigest()
