"""The agent's own settings (issue 16): display name, avatar colour, language, notification
preferences, and changing their password. A column left None means the default named here."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.crypto import token_hash
from ..core.errors import Problem
from .models import BrowserSession, User
from .passwords import hash_password, password_matches

# The avatar colours, in the order of the inbox's ``hue-N`` classes.
AVATAR_COLORS = ("teal", "blue", "violet", "pink", "orange", "green", "cyan", "purple")
PROFILE_LANGUAGES = ("en", "nl", "de")
NOTIFY_KINDS = ("new_conversation", "assigned", "mention")
NAME_MAX = 200
PASSWORD_MIN = 8


@dataclass(frozen=True)
class Prefs:
    """How an agent wants to be told: a sound, a desktop notification, and about which kinds."""

    sound: bool
    desktop: bool
    kinds: frozenset[str]


def prefs_of(user: User) -> Prefs:
    kinds = NOTIFY_KINDS if user.notify_kinds is None else [k for k in user.notify_kinds.split(",") if k]
    return Prefs(sound=user.notify_sound is not False, desktop=user.notify_desktop is not False,
                 kinds=frozenset(kinds))


def avatar_index(user: User) -> int:
    """The ``hue-N`` class of the agent's avatar: their chosen colour, else one from their id."""
    if user.avatar_color in AVATAR_COLORS:
        return AVATAR_COLORS.index(user.avatar_color)
    return sum(str(user.id).encode()) % len(AVATAR_COLORS)


@dataclass(frozen=True)
class ProfileChange:
    """What the agent changes about themselves; None leaves a field as it is."""

    name: str | None = None
    avatar_color: str | None = None
    language: str | None = None
    notify_sound: bool | None = None
    notify_desktop: bool | None = None
    notify_kinds: frozenset[str] | None = None


def update_profile(user: User, change: ProfileChange) -> User:
    """Check and apply ``change`` to ``user`` (attached to the caller's writing session)."""
    if change.name is not None:
        name = change.name.strip()
        if not name or len(name) > NAME_MAX:
            raise Problem(422, "invalid_name", "A display name is 1 to 200 characters")
        user.name = name
    if change.avatar_color is not None:
        if change.avatar_color not in AVATAR_COLORS:
            raise Problem(422, "invalid_color", "Unknown avatar colour", f"one of {', '.join(AVATAR_COLORS)}")
        user.avatar_color = change.avatar_color
    if change.language is not None:
        if change.language not in PROFILE_LANGUAGES:
            raise Problem(422, "invalid_language", "Unknown language", f"one of {', '.join(PROFILE_LANGUAGES)}")
        user.language = change.language
    if change.notify_sound is not None:
        user.notify_sound = change.notify_sound
    if change.notify_desktop is not None:
        user.notify_desktop = change.notify_desktop
    if change.notify_kinds is not None:
        unknown = change.notify_kinds - set(NOTIFY_KINDS)
        if unknown:
            raise Problem(422, "invalid_kind", "Unknown notification kind", ", ".join(sorted(unknown)))
        user.notify_kinds = ",".join(k for k in NOTIFY_KINDS if k in change.notify_kinds)
    return user


async def new_password_hash(user: User, current: str, new: str) -> str:
    """The hash of ``new`` once ``current`` is the user's password (argon2, in the hashing pool:
    call it outside any transaction)."""
    if not await password_matches(user.password_hash, current):
        raise Problem(422, "wrong_password", "The current password is not right")
    if len(new) < PASSWORD_MIN:
        raise Problem(422, "weak_password", "The new password is too short",
                      f"at least {PASSWORD_MIN} characters")
    return await hash_password(new)


async def set_password(session: AsyncSession, user_id: int, password_hash: str, *,
                       keep_session: str | None) -> None:
    """Store the new hash and end every other browser session of the user (``keep_session``: the
    token of the one making the change, which stays signed in)."""
    user = await session.get_one(User, user_id)
    user.password_hash = password_hash
    others = delete(BrowserSession).where(BrowserSession.user_id == user_id)
    if keep_session is not None:
        others = others.where(BrowserSession.token_hash != token_hash(keep_session))
    await session.execute(others)
