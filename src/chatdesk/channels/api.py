"""REST API v1: the workspace's connected channels (id, kind, name, health), never their secrets."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from ..accounts.deps import api_workspace
from ..core.pages import Page
from ..core.params import PageNo, PerPage
from ..core.runtime import Runtime, use_runtime
from .models import Channel

router = APIRouter(prefix="/api/v1", tags=["channels"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


class ChannelHealth(BaseModel):
    """The last check against the provider; ``status`` is ok, error, unknown (never checked) or
    reauth_required (the provider refused the credentials; sends wait for new ones).
    Other keys are what the provider reported (WhatsApp: verified_name, quality_rating...)."""

    model_config = ConfigDict(extra="allow")
    status: str = "unknown"
    checked_at: str | None = None


class ChannelOut(BaseModel):
    id: int
    kind: str
    name: str
    display: str
    health: ChannelHealth


def channel_out(channel: Channel) -> ChannelOut:
    health: dict[str, Any] = dict(channel.health or {})
    return ChannelOut(id=channel.id, kind=channel.kind, name=channel.name, display=channel.display,
                      health=ChannelHealth(**{"status": "unknown", **health}))


@router.get("/channels", response_model=Page[ChannelOut])
async def list_channels(ws: Workspace, rt: Rt, page: PageNo = 1, per_page: PerPage = 25):
    """The workspace's channels, oldest first."""
    query = select(Channel).where(Channel.workspace_id == ws)
    async with rt.db.reader() as session:
        total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = (await session.execute(query.order_by(Channel.id).offset((page - 1) * per_page)
                                      .limit(per_page))).scalars()
        items = [channel_out(c) for c in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)
