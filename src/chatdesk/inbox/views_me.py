"""The agent's own page (``/w/{slug}/me``): display name, avatar colour, language, notification
preferences, and changing their password. Thin: parse, call ``accounts/profile.py``, render."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ..accounts import profile
from ..accounts.models import User
from ..core.errors import Problem
from .security import LANG_COOKIE, SESSION_COOKIE, SESSION_MAX_AGE, read_session, session_value
from .web import Ctx, InboxRoute, is_https, redirect, render, signer, workspace_ctx

router = APIRouter(prefix="/w/{slug}", route_class=InboxRoute)
Agent = Annotated[Ctx, Depends(workspace_ctx)]
LANG_MAX_AGE = 365 * 24 * 3600


def _page(request: Request, ctx: Ctx, status: int = 200, **values: Any) -> Response:
    return render(request, "me.html", ctx=ctx, status=status, section="me", colors=profile.AVATAR_COLORS,
                  kinds=profile.NOTIFY_KINDS, prefs=profile.prefs_of(ctx.user), hue=profile.avatar_index(ctx.user),
                  **values)


@router.get("/me")
async def me_page(ctx: Agent, request: Request, saved: str = "") -> Response:
    return _page(request, ctx, saved=saved)


@router.post("/me")
async def save_profile(ctx: Agent, request: Request, name: str = Form(""), avatar_color: str = Form(""),
                       language: str = Form(""), sound: str = Form(""), desktop: str = Form(""),
                       kinds: list[str] = Form(default_factory=list)) -> Response:
    change = profile.ProfileChange(name=name, avatar_color=avatar_color or None, language=language or None,
                                   notify_sound=bool(sound), notify_desktop=bool(desktop),
                                   notify_kinds=frozenset(kinds))
    try:
        async with ctx.rt.db.session() as session:
            user = await session.get_one(User, ctx.user.id)
            profile.update_profile(user, change)
    except Problem as exc:
        return _page(request, ctx, 422, problem=exc)
    response = redirect(request, ctx.url("me?saved=profile"))
    if change.language:
        set_language_cookie(request, response, change.language)
    return response


def set_language_cookie(request: Request, response: Response, lang: str) -> None:
    """The UI's language (``web.language`` reads the cookie), as the rail's language menu sets it."""
    response.set_cookie(LANG_COOKIE, lang, max_age=LANG_MAX_AGE, samesite="lax", secure=is_https(request),
                        path="/", httponly=True)


@router.post("/me/password")
async def change_password(ctx: Agent, request: Request, current: str = Form(""), new: str = Form(""),
                          repeat: str = Form("")) -> Response:
    """Checks the current password, stores the new one, ends the agent's other sessions and
    keeps this one (its cookie carries the new password's fingerprint)."""
    data = read_session(signer(request), request.cookies.get(SESSION_COOKIE))
    token = data["s"] if data else None
    try:
        if new != repeat:
            raise Problem(422, "password_mismatch", "The new passwords do not match")
        new_hash = await profile.new_password_hash(ctx.user, current, new)  # argon2, outside the transaction
        async with ctx.rt.db.session() as session:
            await profile.set_password(session, ctx.user.id, new_hash, keep_session=token)
    except Problem as exc:
        return _page(request, ctx, 422, problem=exc)
    response = redirect(request, ctx.url("me?saved=password"))
    if token is not None:
        response.set_cookie(SESSION_COOKIE, session_value(signer(request), ctx.user.id, new_hash, token),
                            max_age=SESSION_MAX_AGE, httponly=True, samesite="lax", secure=is_https(request), path="/")
    return response
