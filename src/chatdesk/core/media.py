"""The media store: files under ``<data dir>/media/<workspace id>/``, named by content hash.

Only keys we generated are ever opened, so a key from the database cannot escape the store.
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
from pathlib import Path

_KEY = re.compile(r"^\d+/[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
# Served files are customers' uploads: never sniffed into HTML, never run as a page of ours
# (the inbox and the REST API both send these).
SERVE_HEADERS = {"Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff",
                 "Cache-Control": "private, max-age=3600"}


class MediaStore:
    def __init__(self, root: Path):
        self.root = root

    def save(self, workspace_id: int, data: bytes, mime: str | None) -> str:
        digest = hashlib.sha256(data).hexdigest()
        ext = (mimetypes.guess_extension((mime or "").split(";")[0].strip()) or "").lstrip(".")[:8]
        key = f"{workspace_id}/{digest}" + (f".{ext}" if ext else "")
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        return key

    def path(self, workspace_id: int, key: str) -> Path | None:
        """The file for ``key`` if it belongs to ``workspace_id`` and exists."""
        if not _KEY.match(key) or not key.startswith(f"{workspace_id}/"):
            return None
        path = self.root / key
        return path if path.is_file() else None
