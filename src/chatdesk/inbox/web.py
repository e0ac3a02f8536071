"""Plumbing shared by the inbox views: who is asking (session → user → workspace membership),
CSRF checking, rendering templates with the request's language and time zone, error pages."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..accounts import members, profile, sessions
from ..accounts.models import User, Workspace
from ..core.errors import Problem
from ..core.runtime import Runtime, runtime
from . import dates, i18n, icons, mentions, present
from .security import (
    CSRF_COOKIE,
    LANG_COOKIE,
    SESSION_COOKIE,
    LoginThrottle,
    Signer,
    new_csrf_cookie,
    password_fingerprint,
    read_session,
)

log = logging.getLogger("chatdesk.inbox")
TEMPLATES = Path(__file__).parent / "templates"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
R = TypeVar("R", bound=Response)

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                  extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
# jinja2.ext.i18n adds this method to the environment at run time; Jinja's types cannot know it.
env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
env.filters.update(present.FILTERS)
env.globals.update(icons.GLOBALS)
# the agent's avatar colour, @mentions highlighted in notes (issue 16)
env.filters.update({"user_hue": profile.avatar_index, "mentions": mentions.highlight})


class LoginRequired(Exception):
    pass


def signer(request: Request) -> Signer:
    app = request.app
    if not hasattr(app.state, "inbox_signer"):
        app.state.inbox_signer = Signer(runtime(request).settings.encryption_key())
    return app.state.inbox_signer


def throttle(request: Request) -> LoginThrottle:
    if not hasattr(request.app.state, "inbox_throttle"):
        request.app.state.inbox_throttle = LoginThrottle()
    return request.app.state.inbox_throttle


def is_https(request: Request) -> bool:
    public = runtime(request).settings.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def csrf_cookie(request: Request) -> str:
    """The browser's CSRF cookie value, minted on first use (set on the response by ``page``)."""
    value = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not value:
        value = request.state.new_csrf = new_csrf_cookie()
    return value


def csrf_token(request: Request) -> str:
    """The token forms and htmx send back: this browser's CSRF cookie bound to its session."""
    return signer(request).csrf_token(csrf_cookie(request), request.cookies.get(SESSION_COOKIE, ""))


async def _csrf_guard(request: Request) -> None:
    """Every state-changing request carries the token: header (htmx) or form field (plain forms)."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get("x-csrf-token")
    if not token and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        field = (await request.form()).get("csrf_token")
        token = field if isinstance(field, str) else None
    if not signer(request).csrf_ok(request.cookies.get(CSRF_COOKIE), token, request.cookies.get(SESSION_COOKIE, "")):
        raise Problem(403, "csrf_failed", "This form has expired", "Reload the page and try again.")


csrf_guard = Depends(_csrf_guard)


async def current_user(request: Request) -> User:
    data = read_session(signer(request), request.cookies.get(SESSION_COOKIE))
    if data is None:
        raise LoginRequired
    rt = runtime(request)
    async with rt.db.reader() as session:
        user = await sessions.user_of(session, data["u"], data["s"], rt.clock.now())
    if user is None or password_fingerprint(user.password_hash) != data.get("p"):
        raise LoginRequired
    return user


@dataclass
class Ctx:
    """The signed-in agent in one workspace: what every workspace page is scoped by."""

    rt: Runtime
    user: User
    workspace: Workspace
    role: str
    workspaces: list[tuple[Workspace, str]] = field(default_factory=list)

    @property
    def ws(self) -> int:
        return self.workspace.id

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin")

    def url(self, path: str = "") -> str:
        return f"/w/{quote(self.workspace.slug)}/{path.lstrip('/')}"


async def workspace_ctx(slug: str, request: Request, user: User = Depends(current_user)) -> Ctx:
    """Another workspace's slug answers 404, exactly like one that does not exist."""
    rt = runtime(request)
    async with rt.db.reader() as session:
        found = await members.membership(session, user.id, slug)
        spaces = await members.user_workspaces(session, user.id)
    await rt.sending.state()  # fresh within seconds for the banner (render() cannot wait)
    if found is None:
        raise Problem(404, "not_found", "Not found")
    return Ctx(rt, user, found[0], found[1], spaces)


async def admin_ctx(ctx: Ctx = Depends(workspace_ctx)) -> Ctx:
    if not ctx.is_admin:
        raise Problem(403, "forbidden", "Only owners and admins can change settings")
    return ctx


def language(request: Request) -> str:
    return i18n.pick(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, template: str, *, ctx: Ctx | None = None, status: int = 200,
           headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
    lang = language(request)
    tr = i18n.template_translator(lang)
    tz = ctx.workspace.timezone if ctx else "UTC"
    html = env.get_template(template).render(
        request=request, ctx=ctx, lang=lang, languages=i18n.LANGUAGES,
        csrf=csrf_token(request), gettext=tr.gettext, ngettext=tr.ngettext,
        problem_detail=tr.problem_detail, untrusted=tr.untrusted, fmt=dates.Formatter(tz, lang, tr),
        sending_paused=_sending_paused(request), **values)
    response = HTMLResponse(html, status_code=status, headers=headers)
    return finish(request, response)


def _sending_paused(request: Request) -> bool:
    """Every page says so while sending is paused (a restored copy): agents' replies wait."""
    rt = getattr(request.app.state, "runtime", None)
    return bool(rt is not None and rt.sending.known.paused)  # as read by workspace_ctx (or later)


def finish(request: Request, response: R) -> R:
    """Attach a freshly minted CSRF cookie, and never let pages be cached or framed."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=is_https(request), path="/")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
    return response


def redirect(request: Request, url: str) -> Response:
    """A redirect that htmx follows as a full page load."""
    if is_htmx(request):
        return finish(request, Response(status_code=204, headers={"HX-Redirect": url}))
    return finish(request, RedirectResponse(url, status_code=303))


def error_page(request: Request, status: int, code: str, title: str, detail: str | None) -> Response:
    if is_htmx(request):
        return render(request, "_error.html", status=status, code=code, title=title, detail=detail)
    return render(request, "error.html", status=status, code=code, title=title, detail=detail, http_status=status)


class InboxRoute(APIRoute):
    """Inbox routes answer errors as pages (or fragments for htmx), not problem JSON."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return redirect(request, f"/login?next={quote(target)}" if request.method == "GET" else "/login")
            except Problem as exc:
                return error_page(request, exc.status, exc.code, exc.title, exc.detail)
            except StarletteHTTPException as exc:
                return error_page(request, exc.status_code, "http_error", str(exc.detail), None)
            except RequestValidationError:
                return error_page(request, 422, "invalid_request", "The request is not valid", None)
        return route
