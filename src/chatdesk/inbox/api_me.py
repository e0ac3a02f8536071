"""``/api/v1/me`` and ``/api/v1/notifications``: the signed-in agent's profile and
notifications as JSON, for the inbox's browser (session cookie and CSRF header, like htmx's
requests; the workspace API tokens name no agent). Errors are problem+json."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ..accounts import profile
from ..accounts.models import User
from ..core.errors import Problem
from ..core.runtime import runtime
from ..notifications import service as notifications
from .web import LoginRequired, csrf_guard, current_user

router = APIRouter(prefix="/api/v1", tags=["me"], dependencies=[csrf_guard])


async def session_user(request: Request) -> User:
    try:
        return await current_user(request)
    except LoginRequired:
        raise Problem(401, "unauthorized", "Sign in to the inbox first") from None


Me = Annotated[User, Depends(session_user)]


class MeOut(BaseModel):
    id: int
    email: str
    name: str
    avatar_color: str | None
    language: str | None
    notify_sound: bool
    notify_desktop: bool
    notify_kinds: list[str]


class MePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=profile.NAME_MAX)
    avatar_color: str | None = None
    language: str | None = None
    notify_sound: bool | None = None
    notify_desktop: bool | None = None
    notify_kinds: list[str] | None = Field(default=None, max_length=len(profile.NOTIFY_KINDS))


class NotificationOut(BaseModel):
    id: int
    kind: str
    workspace: str
    conversation_id: int
    contact_name: str
    actor_name: str | None
    at: str
    read: bool


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(default=None, max_length=500, description="these; none: all")


def _out(user: User) -> MeOut:
    prefs = profile.prefs_of(user)
    return MeOut(id=user.id, email=user.email, name=user.name, avatar_color=user.avatar_color, language=user.language,
                 notify_sound=prefs.sound, notify_desktop=prefs.desktop,
                 notify_kinds=[k for k in profile.NOTIFY_KINDS if k in prefs.kinds])


@router.get("/me", response_model=MeOut)
async def get_me(user: Me) -> MeOut:
    return _out(user)


@router.patch("/me", response_model=MeOut)
async def patch_me(body: MePatch, user: Me, request: Request) -> MeOut:
    change = profile.ProfileChange(
        name=body.name, avatar_color=body.avatar_color, language=body.language, notify_sound=body.notify_sound,
        notify_desktop=body.notify_desktop,
        notify_kinds=frozenset(body.notify_kinds) if body.notify_kinds is not None else None)
    async with runtime(request).db.session() as session:
        row = await session.get_one(User, user.id)
        return _out(profile.update_profile(row, change))


@router.get("/notifications", response_model=list[NotificationOut])
async def list_notifications(user: Me, request: Request, unread: bool = False) -> list[NotificationOut]:
    """The agent's newest notifications in every workspace, newest first (at most 50)."""
    async with runtime(request).db.reader() as session:
        entries = await notifications.recent(session, user.id, unread_only=unread)
    return [NotificationOut(id=e.id, kind=e.kind, workspace=e.workspace_slug, conversation_id=e.conversation_id,
                            contact_name=e.contact_name, actor_name=e.actor_name, at=e.at.isoformat(), read=e.read)
            for e in entries]


@router.post("/notifications/read")
async def read_notifications(body: ReadIn, user: Me, request: Request) -> dict[str, int]:
    rt = runtime(request)
    async with rt.db.session() as session:
        changed = await notifications.mark_read(session, user.id, now=rt.clock.now(), ids=body.ids)
    return {"marked": changed}
