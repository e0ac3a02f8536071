"""The media store behind ``/media`` uploads, ``GET /{media-id}`` and the download URLs.

Objects belong to a business number (uploaded by chatdesk, or sent in by a customer writing to
that number). Download URLs mimic Meta's lookaside links: they carry the media id, an expiry
(five minutes after the info lookup) and an HMAC, and still require the bearer token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from .ids import media_id

URL_TTL_SECONDS = 300
# Meta's documented size limits per media category (bytes).
MAX_BYTES = {"image": 5 << 20, "audio": 16 << 20, "video": 16 << 20, "sticker": 500 << 10,
             "document": 100 << 20}
SUPPORTED_MIME = {
    "image/jpeg": "image", "image/png": "image", "image/webp": "sticker",
    "audio/aac": "audio", "audio/amr": "audio", "audio/mpeg": "audio", "audio/mp4": "audio",
    "audio/ogg": "audio", "video/mp4": "video", "video/3gpp": "video",
    "text/plain": "document", "application/pdf": "document",
    "application/msword": "document", "application/vnd.ms-excel": "document",
    "application/vnd.ms-powerpoint": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
}


def media_category(mime_type: str) -> str | None:
    """image/audio/video/document/sticker for a supported MIME type (parameters ignored)."""
    return SUPPORTED_MIME.get(mime_type.split(";")[0].strip().lower())


@dataclass
class MediaObject:
    id: str
    phone_number_id: str
    mime_type: str
    data: bytes
    filename: str | None
    created: datetime

    @property
    def sha256(self) -> str:
        """Meta reports the SHA-256 of media base64-encoded (not hex)."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


class MediaStore:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode() or b"sandbox"
        self._items: dict[str, MediaObject] = {}

    def reset(self) -> None:
        self._items.clear()

    def add(self, phone_number_id: str, mime_type: str, data: bytes, filename: str | None,
            now: datetime) -> MediaObject:
        obj = MediaObject(media_id(), phone_number_id, mime_type, data, filename, now)
        self._items[obj.id] = obj
        return obj

    def get(self, mid: str) -> MediaObject | None:
        return self._items.get(mid)

    def delete(self, mid: str) -> bool:
        return self._items.pop(mid, None) is not None

    def owned_by(self, mid: str, phone_number_id: str) -> bool:
        obj = self._items.get(mid)
        return obj is not None and obj.phone_number_id == phone_number_id

    def _sign(self, mid: str, expires: int) -> str:
        return hmac.new(self._secret, f"{mid}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]

    def download_query(self, mid: str, now: datetime) -> str:
        expires = int(now.timestamp()) + URL_TTL_SECONDS
        return f"mid={mid}&ext={expires}&hash={self._sign(mid, expires)}"

    def url_valid(self, mid: str, expires: str, signature: str, now: datetime) -> bool:
        if not expires.isdigit() or int(expires) < int(now.timestamp()):
            return False
        return hmac.compare_digest(self._sign(mid, int(expires)), signature)
