"""A thin Graph API client: authenticated JSON calls, media transfer, and error mapping to
``RetriableChannelError`` / ``PermanentChannelError``. The httpx client is injected, so tests
point it at the sandbox app in-process and production at graph.facebook.com."""
from __future__ import annotations

from typing import Any

import httpx

from ..base import PermanentChannelError, RetriableChannelError
from .errors import is_retriable
from .media_egress import MediaRequest

# Failures that happen before the request leaves: retrying them cannot send anything twice.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol,
            httpx.InvalidURL)


class GraphClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, version: str, token: str):
        self.http = http
        self.base = f"{base_url.rstrip('/')}/{version}"
        self.token = token

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def call(self, method: str, path: str, *, json: Any = None,
                   files: Any = None, data: Any = None, params: Any = None) -> dict[str, Any]:
        """One Graph call; raises a channel error that says whether retrying can help."""
        try:
            resp = await self.http.request(method, f"{self.base}/{path.lstrip('/')}", json=json,
                                           files=files, data=data, params=params, headers=self._auth)
        except httpx.HTTPError as exc:
            raise RetriableChannelError(f"network error: {type(exc).__name__}",
                                        maybe_delivered=not isinstance(exc, NOT_SENT)) from exc
        return self._result(resp)

    async def download(self, media: MediaRequest, max_bytes: int) -> tuple[bytes, str]:
        """Fetch a checked media URL (``media_egress``: where, with which headers), refusing
        anything larger than ``max_bytes``; a redirect is an error, never followed."""
        try:
            async with self.http.stream("GET", media.url, headers=media.headers, extensions=media.extensions,
                                        follow_redirects=False) as resp:
                if resp.status_code != 200:
                    await resp.aread()
                    self._result(resp)
                declared = int(resp.headers.get("content-length") or 0)
                if declared > max_bytes:
                    raise PermanentChannelError("media too large", code=131052,
                                                detail=f"{declared} bytes > cap {max_bytes}")
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise PermanentChannelError("media too large", code=131052,
                                                    detail=f"more than the cap of {max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks), resp.headers.get("content-type", "application/octet-stream")
        except httpx.HTTPError as exc:
            raise RetriableChannelError(f"network error: {type(exc).__name__}") from exc

    @staticmethod
    def _result(resp: httpx.Response) -> dict[str, Any]:
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code < 400 and isinstance(body, dict) and "error" not in body:
            return body
        error = (body or {}).get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            cls = RetriableChannelError if is_retriable(None, resp.status_code) else PermanentChannelError
            raise cls(f"HTTP {resp.status_code}", http_status=resp.status_code)
        code = error.get("code")
        title = str(error.get("message") or "error")
        if title.startswith("(#"):
            title = title.split(") ", 1)[-1]
        detail = (error.get("error_data") or {}).get("details") or error.get("error_user_msg")
        # Meta may flag an error as transient itself: worth a retry even if our table says no
        # (a "not transient" flag does not overrule the throttling codes we know to retry).
        retry = error.get("is_transient") is True or is_retriable(code, resp.status_code)
        cls = RetriableChannelError if retry else PermanentChannelError
        exc = cls(title, code=code, detail=detail, http_status=resp.status_code)
        exc.subcode = error.get("error_subcode")  # Messenger tells errors of one code apart by it
        raise exc
