"""X-Hub-Signature-256: HMAC-SHA256 of the raw body with the app secret, as Meta signs webhooks."""
from __future__ import annotations

import hashlib
import hmac


def sign(raw: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def verify(raw: bytes, header: str | None, secret: str) -> bool:
    """Constant-time check of the header against the exact bytes received."""
    if not header or not secret or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(raw, secret), header.strip())
