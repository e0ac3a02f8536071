"""Labels: a workspace's tags (name + colour) and which conversations carry them."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import get_in_workspace
from ..core.errors import Problem, not_found
from ..core.events import emit
from .events import ConversationUpdated
from .models import Conversation, ConversationLabel, Label

COLORS = ("slate", "red", "orange", "amber", "green", "teal", "blue", "violet", "pink")


async def list_labels(session: AsyncSession, workspace_id: int) -> list[Label]:
    return list((await session.execute(select(Label).where(Label.workspace_id == workspace_id)
                                       .order_by(Label.name))).scalars())


async def create_label(session: AsyncSession, workspace_id: int, name: str, color: str, *,
                       now: datetime) -> Label:
    name = re.sub(r"\s+", " ", name).strip()[:64]
    if not name:
        raise Problem(422, "invalid_name", "A label needs a name")
    if color not in COLORS:
        color = "slate"
    if (await session.execute(select(Label.id).where(Label.workspace_id == workspace_id,
                                                     Label.name == name))).scalar_one_or_none():
        raise Problem(409, "label_exists", f"There is already a label called {name!r}")
    label = Label(workspace_id=workspace_id, name=name, color=color, created_at=now)
    session.add(label)
    await session.flush()
    return label


async def delete_label(session: AsyncSession, workspace_id: int, label_id: int) -> None:
    await session.delete(await get_in_workspace(session, Label, workspace_id, label_id))
    await session.flush()


async def labels_of(session: AsyncSession, conversation_ids: list[int]) -> dict[int, list[Label]]:
    out: dict[int, list[Label]] = {i: [] for i in conversation_ids}
    if conversation_ids:
        rows = (await session.execute(select(ConversationLabel.conversation_id, Label)
                                      .join(Label, Label.id == ConversationLabel.label_id)
                                      .where(ConversationLabel.conversation_id.in_(conversation_ids))
                                      .order_by(Label.name))).all()
        for conv_id, label in rows:
            out[conv_id].append(label)
    return out


async def set_labels(session: AsyncSession, conv: Conversation, label_ids: list[int], *, now: datetime) -> None:
    """Replace the conversation's labels; ids of other workspaces' labels are refused (404)."""
    wanted = set(label_ids)
    if wanted:
        found = set((await session.execute(select(Label.id).where(
            Label.workspace_id == conv.workspace_id, Label.id.in_(wanted)))).scalars())
        if found != wanted:
            raise not_found("Label")
    await session.execute(delete(ConversationLabel).where(ConversationLabel.conversation_id == conv.id))
    for label_id in sorted(wanted):
        session.add(ConversationLabel(conversation_id=conv.id, label_id=label_id))
    conv.updated_at = now
    await session.flush()
    emit(session, ConversationUpdated(workspace_id=conv.workspace_id, conversation_id=conv.id,
                                      labels=tuple(sorted(wanted))))
