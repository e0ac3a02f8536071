"""Encryption of secrets at rest (channel access tokens, app secrets) and token hashing."""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


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
