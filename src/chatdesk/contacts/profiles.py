"""Customers' profiles as their channel shows them (Messenger, Instagram: name and picture from
the Graph API): fetched for each new identity and again when the last fetch is over a week old.
The picture is copied into the media store (the contact's ``avatar``), never hot-linked: Meta's
links expire and would tell Meta who looks at the inbox.

An identity is marked checked when its fetch is queued, so a busy conversation queues one fetch a
week, not one per message; a fetch that fails for good leaves the contact as it was."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import ChannelError, ProfileSource, RetriableChannelError
from ..core.events import emit
from ..core.jobs import ClaimedJob, JobKind, JobPayload, RetryJob, enqueue
from ..core.media import MediaStore
from ..core.runtime import Runtime
from .events import ContactUpdated
from .models import Contact, ContactIdentity

log = logging.getLogger("chatdesk.contacts.profiles")
MAX_AGE = timedelta(days=7)
AVATAR_MAX_BYTES = 5 * 2**20


class FetchProfile(JobPayload):
    identity_id: int


FETCH_PROFILE = JobKind("contact.profile", FetchProfile)


async def queue_stale(session: AsyncSession, *, channel_id: int, workspace_id: int, external_ids: list[str],
                      now: datetime) -> None:
    """A fetch for each of these identities on the channel never fetched or fetched a week ago."""
    if not external_ids:
        return
    rows = (await session.execute(select(ContactIdentity).where(
        ContactIdentity.channel_id == channel_id, ContactIdentity.external_id.in_(sorted(set(external_ids))),
        or_(ContactIdentity.profile_checked_at.is_(None), ContactIdentity.profile_checked_at < now - MAX_AGE))
    )).scalars()
    for ident in rows:
        ident.profile_checked_at = now
        enqueue(session, FETCH_PROFILE, FetchProfile(identity_id=ident.id), now=now, workspace_id=workspace_id)


def profile_handler(rt: Runtime, media: MediaStore):
    async def handle(job: ClaimedJob) -> None:
        async with rt.db.reader() as session:
            ident = await session.get(ContactIdentity, FETCH_PROFILE.parse(job).identity_id)
            channel = await rt.channels.by_id(session, ident.channel_id) if ident else None
        adapter = rt.registry.get(channel.kind) if channel else None
        if ident is None or channel is None or not isinstance(adapter, ProfileSource):
            return  # gone meanwhile, or a kind without profiles
        conn = channel.connection()
        try:
            profile = await adapter.profile(conn, ident.external_id)
            picture = await rt.registry.get(channel.kind).fetch_media(conn, profile.picture_url, AVATAR_MAX_BYTES) \
                if profile.picture_url else None
        except RetriableChannelError as exc:
            raise RetryJob(str(exc)) from exc
        except ChannelError as exc:
            log.info("profile of identity %s not fetched: %s", ident.id, exc)
            return
        avatar = media.save(channel.workspace_id, *picture) if picture else None
        async with rt.db.session() as session:
            await _apply(session, ident.id, profile.name, avatar, rt.clock.now())
    return handle


async def _apply(session: AsyncSession, identity_id: int, name: str | None, avatar: str | None,
                 now: datetime) -> None:
    """The profile on the identity, and on its contact: the picture, and the name unless an agent
    changed it (it is still empty, the id, or the name the channel gave before)."""
    ident = await session.get(ContactIdentity, identity_id)
    contact = await session.get(Contact, ident.contact_id) if ident else None
    if ident is None or contact is None:
        return
    fields = []
    if name and contact.name != name and contact.name in ("", ident.external_id, ident.profile_name):
        contact.name = name
        fields.append("name")
    if avatar and contact.avatar != avatar:
        contact.avatar = avatar
        fields.append("avatar")
    ident.profile_name = name or ident.profile_name
    if fields:
        contact.updated_at = now
        emit(session, ContactUpdated(workspace_id=contact.workspace_id, contact_id=contact.id, fields=tuple(fields)))
