"""The one send path: draft → policy → media store → outbox.

Every message chatdesk writes into a conversation goes through ``send``: the REST API, the
inbox's composer, and next the bots and broadcasts. Policy is checked before anything is
stored, so a refused message leaves no file behind; the message and its send job then commit
together with the caller's transaction (``service.queue_outbound``).
"""
from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.base import Capabilities
from ..channels.content import MEDIA_TYPES, Content, Interactive, Media, Template, Text, with_values
from ..contacts import consent, consent_policy
from ..core.errors import Problem
from ..core.media import MediaStore
from ..core.runtime import Runtime
from ..core.states import AuthorType
from . import interactive_policy, messaging_limits, policy, service
from .models import Conversation, Message

NOTE = "note"
NOTE_TOO_LONG = "A note is at most %(limit)s characters; this has %(length)s."
# An upload without a type is sent as what its MIME type says; images WhatsApp would refuse as
# images (GIF, WebP...) go as documents, which every channel takes.
UPLOAD_TYPES = (("image/", "image"), ("video/", "video"), ("audio/", "audio"))
IMAGE_MIMES = ("image/jpeg", "image/png")


@dataclass(frozen=True)
class Upload:
    """A file sent with the message, not stored yet: its bytes, or the file the form parser
    spooled it to (on disk beyond a small size), read only once its size and type have passed
    the channel's limits."""

    data: bytes | IO[bytes]
    mime_type: str
    filename: str

    @property
    def size(self) -> int:
        if isinstance(self.data, bytes):
            return len(self.data)
        return self.data.seek(0, os.SEEK_END)

    def read(self) -> bytes:
        if isinstance(self.data, bytes):
            return self.data
        self.data.seek(0)
        return self.data.read()

    def sha256(self) -> str:
        """The file's digest, read in chunks (a spooled file is never held whole in memory)."""
        if isinstance(self.data, bytes):
            return hashlib.sha256(self.data).hexdigest()
        self.data.seek(0)
        digest = hashlib.sha256()
        while chunk := self.data.read(1 << 20):
            digest.update(chunk)
        return digest.hexdigest()


@dataclass(frozen=True)
class Draft:
    """What someone wants to send. ``type`` None: a text, or what the upload's MIME type says.
    ``content`` None: built from ``text`` (and the upload)."""

    type: str | None = None
    text: str | None = None
    content: Content | None = None
    upload: Upload | None = None
    reply_to_id: int | None = None
    author_type: AuthorType = AuthorType.API
    author_id: int | None = None
    mentions: tuple[int, ...] = ()  # a note's @mentioned agents (user ids)


def upload_type(mime_type: str) -> str:
    for prefix, kind in UPLOAD_TYPES:
        if mime_type.startswith(prefix) and (kind != "image" or mime_type in IMAGE_MIMES):
            return kind
    return "document"


def normalised_text(text: str | None) -> str | None:
    """Line breaks as the customer's app shows them (HTML forms send CRLF); blank is none."""
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip() else None


async def channel_capabilities(session: AsyncSession, rt: Runtime, conv: Conversation) -> Capabilities:
    channel = await rt.channels.by_id(session, conv.channel_id)
    if channel is None:
        raise Problem(409, "channel_gone", "The conversation's channel is no longer connected")
    return rt.registry.get(channel.kind).capabilities


async def send(session: AsyncSession, rt: Runtime, conv: Conversation, draft: Draft) -> Message:
    """Queue ``draft`` for sending in ``conv`` (or add it as a private note), in the caller's
    transaction. Refusals are ``Problem``s with a stable code, raised before anything is stored."""
    now = rt.clock.now()
    text = normalised_text(draft.text)
    if draft.type == NOTE:
        if text and len(text) > policy.NOTE_MAX:
            said = {"limit": str(policy.NOTE_MAX), "length": str(len(text))}
            raise Problem(422, "note_too_long", "The note is too long", NOTE_TOO_LONG % said,
                          detail_msg=(NOTE_TOO_LONG, said))
        return await service.add_note(session, conv, text=text or "", now=now, author_type=draft.author_type,
                                      author_id=draft.author_id, mentions=draft.mentions)
    caps = await channel_capabilities(session, rt, conv)
    type_ = draft.type or (upload_type(draft.upload.mime_type) if draft.upload else "text")
    refusal = policy.check_outbound(caps, type=type_, text=text, last_inbound_at=conv.last_inbound_at, now=now,
                                    window_closed_at=conv.window_closed_at, content=draft.content)
    if refusal is None and draft.upload is not None:
        refusal = policy.check_media(caps, type=type_, size=draft.upload.size, mime=draft.upload.mime_type)
    if refusal is not None:
        raise refusal.problem()
    # a template outside the service window opens a business-initiated conversation: the tier's limit
    initiated = type_ in policy.TEMPLATE_TYPES and not policy.window_open(
        caps, conv.last_inbound_at, now, conv.window_closed_at)
    if initiated:
        await messaging_limits.admit(session, conv, now)
    content = _content(type_, text, draft.content)
    await _check_content(session, caps, conv, content)
    if type_ in MEDIA_TYPES and draft.upload is None and not getattr(content, "link", None):
        raise Problem(422, "media_missing", "Media needs a link or an uploaded file")
    reply_to = await message_in_conversation(session, conv, draft.reply_to_id)
    if draft.upload is not None:
        # off the event loop: the file may be on disk (spooled by the form parser), and large
        content = with_values(content, **await asyncio.to_thread(_store, rt, conv.workspace_id, draft.upload))
    message = await service.queue_outbound(session, conv, type=type_, text=text, content=content, now=now,
                                           author_type=draft.author_type, author_id=draft.author_id,
                                           reply_to=reply_to)
    message.initiated = initiated or None
    return message


async def _check_content(session: AsyncSession, caps: Capabilities, conv: Conversation, content: Content) -> None:
    """The checks that depend on what the content says: an interactive message's limits, and a
    marketing template's opt-in (the one query: the contact's current consent on the channel)."""
    if isinstance(content, Interactive) and (errors := interactive_policy.check(caps, content)):
        raise interactive_policy.problem(errors)
    if isinstance(content, Template) and consent_policy.needs_marketing_opt_in(content.category):
        status = await consent.current_status(session, conv.contact_id, conv.channel_id, consent_policy.MARKETING)
        if (refusal := consent_policy.check_marketing(status)) is not None:
            raise refusal


def _content(type_: str, text: str | None, given: Content | None) -> Content:
    """The typed content to store: what the caller gave, else what the type and text say; the
    text (normalised) is the body of a text and the caption of media that takes one."""
    if type_ == "text":
        return with_values(given or Text(), body=text)
    if type_ in MEDIA_TYPES:
        base = given if isinstance(given, Media) else Media.model_validate({"type": type_})
        return with_values(base, caption=text if type_ in policy.CAPTIONED else None)
    if given is None:
        raise Problem(422, "invalid_message", "The message is not valid", f"a {type_} message needs its content")
    return given


async def message_in_conversation(session: AsyncSession, conv: Conversation, message_id: int | None) -> Message | None:
    """The message a reply quotes (or a reaction reacts to): it must be part of the conversation."""
    if message_id is None:
        return None
    message = await session.get(Message, message_id)
    if message is None or message.conversation_id != conv.id:
        raise Problem(422, "unknown_message", "The referenced message is not part of this conversation")
    return message


def _store(rt: Runtime, workspace_id: int, upload: Upload) -> dict[str, Any]:
    data = upload.read()
    key = MediaStore(rt.settings.media_dir).save(workspace_id, data, upload.mime_type)
    return {"stored": key, "mime_type": upload.mime_type, "filename": upload.filename[:200],
            "size": len(data)}
