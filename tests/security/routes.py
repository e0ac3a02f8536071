"""The app's route table, flattened: every (method, path template, route) the app answers, found by
walking ``app.routes`` (FastAPI keeps included routers as nested entries), so a new route shows up
in the security suites without anyone listing it."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute

from chatdesk.inbox.web import admin_ctx


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    route: Any

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return [p.split("}")[0].split(":")[0] for p in self.path.split("{")[1:]]

    @property
    def admin_only(self) -> bool:
        """Guarded by the inbox's owner/admin check (``admin_ctx`` anywhere among its dependencies)."""
        return isinstance(self.route, APIRoute) and _depends_on(self.route.dependant, admin_ctx)


def _depends_on(dependant: Any, call: Any) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def endpoints(app: Any) -> list[Endpoint]:
    return sorted(_walk(app.routes, ""), key=lambda e: (e.path, e.method))


def _walk(routes: list[Any], prefix: str) -> Iterator[Endpoint]:
    for route in routes:
        nested = getattr(route, "original_router", None)  # an included router (FastAPI ≥ 0.16x)
        if nested is not None:
            yield from _walk(nested.routes, prefix + (route.include_context.prefix or ""))
            continue
        path = prefix + getattr(route, "path", "")
        methods = getattr(route, "methods", None) or {"*"}  # a mount answers every method
        for method in sorted(set(methods) - {"HEAD"}):
            yield Endpoint(method, path, route)
