"""Signing in and out, choosing a language, accepting an invitation."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ..accounts import members, sessions
from ..accounts.models import User
from ..core.errors import Problem
from ..core.runtime import runtime
from .i18n import LANGUAGES
from .security import LANG_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE, read_session, session_value
from .web import (
    InboxRoute,
    LoginRequired,
    client_ip,
    current_user,
    finish,
    is_https,
    redirect,
    render,
    signer,
    throttle,
)

router = APIRouter(route_class=InboxRoute)


def _safe_next(url: str | None) -> str:
    """Only local paths: a login link must not bounce the agent to another site."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


@router.get("/")
async def home(request: Request) -> Response:
    try:
        user = await current_user(request)
    except LoginRequired:
        return redirect(request, "/login")
    async with runtime(request).db.reader() as session:
        spaces = await members.user_workspaces(session, user.id)
    if not spaces:
        return render(request, "error.html", status=403, code="no_workspace", title="No workspace yet",
                      detail="Ask an owner of your business to invite you.")
    return redirect(request, f"/w/{quote(spaces[0][0].slug)}/")


@router.get("/login")
async def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_safe_next(next), email="", error=None)


@router.post("/login")
async def login(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
    rt, limiter, ip = runtime(request), throttle(request), client_ip(request)
    email = email.strip().lower()
    wait = limiter.wait(email, ip)
    if wait > 0:
        return render(request, "login.html", status=429, next=_safe_next(next), email=email,
                      error="too_many", wait=int(wait // 60) + 1)
    async with rt.db.reader() as session:
        found = await members.user_by_email(session, email)
    user = await members.authenticate(found, password)  # argon2, outside the transaction
    if user is None:
        limiter.failed(email, ip)
        return render(request, "login.html", status=401, next=_safe_next(next), email=email, error="bad_login")
    limiter.succeeded(email, ip)
    async with rt.db.session() as session:
        token = await sessions.start(session, user.id, rt.clock.now())
    return _signed_in_as(request, redirect(request, _safe_next(next)), user, token)


def _signed_in_as(request: Request, response: Response, user: User, token: str) -> Response:
    response.set_cookie(SESSION_COOKIE, session_value(signer(request), user.id, user.password_hash, token),
                        max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", secure=is_https(request), path="/")
    if user.language in LANGUAGES:  # chosen on the agent's own page: every browser they sign in to
        response.set_cookie(LANG_COOKIE, user.language, max_age=365 * 24 * 3600, samesite="lax",
                            secure=is_https(request), path="/", httponly=True)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Ends the session where it is kept, not only in this browser: a copied cookie dies too."""
    data = read_session(signer(request), request.cookies.get(SESSION_COOKIE))
    if data is not None:
        async with runtime(request).db.session() as session:
            await sessions.end(session, data["s"])
    response = redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/lang")
async def set_language(request: Request, lang: str = Form("en"), next: str = Form("/")) -> Response:
    response = redirect(request, _safe_next(next))
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", secure=is_https(request),
                            path="/", httponly=True)
    return response


@router.get("/invite/{token}")
async def invite_page(token: str, request: Request) -> Response:
    return await _invite_form(request, token)


async def _signed_in(request: Request) -> User | None:
    try:
        return await current_user(request)
    except LoginRequired:
        return None


async def _invite_form(request: Request, token: str, error: str | None = None) -> Response:
    """The invitation: a new email chooses a password, an existing one enters its own, and the
    invited person already signed in just joins."""
    rt = runtime(request)
    user = await _signed_in(request)
    async with rt.db.reader() as session:
        invite, workspace = await members.open_invite(session, token, rt.clock.now())
        existing = await members.has_account(session, invite.email)
    return render(request, "invite.html", status=422 if error else 200, invite=invite, workspace=workspace,
                  token=token, error=error, existing=existing,
                  signed_in=user is not None and user.email == invite.email)


@router.post("/invite/{token}")
async def accept_invite(token: str, request: Request, name: str = Form(""), password: str = Form("")) -> Response:
    rt = runtime(request)
    signed_in = await _signed_in(request)
    async with rt.db.reader() as session:
        invite, _ = await members.open_invite(session, token, rt.clock.now())
        existing = await members.user_by_email(session, invite.email)
    try:
        proof = await members.prove_invitee(existing, password, signed_in)  # argon2, outside the transaction
        async with rt.db.session() as session:
            user = await members.accept_invite(session, token, proof, name=name, now=rt.clock.now())
            session_token = await sessions.start(session, user.id, rt.clock.now())
    except Problem as exc:
        if exc.status == 404:
            raise
        return await _invite_form(request, token, exc.title)
    return finish(request, _signed_in_as(request, redirect(request, "/"), user, session_token))
