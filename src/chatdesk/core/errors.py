"""Problem responses: every API error is ``application/problem+json`` with a stable ``code``."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Problem(Exception):
    """An error a client can act on. ``code`` is stable; ``detail`` is for people."""

    def __init__(self, status: int, code: str, title: str, detail: str | None = None, *,
                 detail_msg: tuple[str, Mapping[str, object]] | None = None, **extra: Any):
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        # ``detail`` as a message with ``%(name)s`` placeholders and its values, for a UI that
        # translates it (the values are translated too where they are words); never in the body
        self.detail_msg = detail_msg
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body = {"type": f"https://chatdesk.dev/problems/{self.code}", "title": self.title,
                "status": self.status, "code": self.code}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body


def not_found(what: str) -> Problem:
    return Problem(404, "not_found", f"{what} not found")


def one_line(exc: BaseException) -> str:
    """The first line of what an exception (or the driver error it wraps) says; its type's name
    when it says nothing (asyncpg's connect timeout is a bare ``TimeoutError()``)."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return lines[0] if lines else type(inner).__name__
