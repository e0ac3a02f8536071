"""REST API v1: a workspace's custom contact attribute definitions."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field

from ..accounts.deps import api_workspace
from ..core.runtime import Runtime, use_runtime
from . import attribute_service
from .models import AttributeDef

router = APIRouter(prefix="/api/v1", tags=["contacts"])
Workspace = Annotated[int, Depends(api_workspace)]
Rt = Annotated[Runtime, Depends(use_runtime)]


class AttributeDefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=64, description="lower-case letters, digits and _, starting with a letter")
    label: str = Field(default="", max_length=200)
    type: Literal["text", "number", "date", "bool", "choice"]
    choices: list[str] | None = Field(default=None, max_length=100, description="for type choice")


class AttributeDefPatch(BaseModel):
    """The key and type stay (stored values are of that type); the label and choices may change."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, max_length=200)
    choices: list[str] | None = Field(default=None, max_length=100)


class AttributeDefOut(BaseModel):
    id: int
    key: str
    label: str
    type: str
    choices: list[str]


def _out(row: AttributeDef) -> AttributeDefOut:
    return AttributeDefOut(id=row.id, key=row.key, label=row.label, type=row.type, choices=list(row.choices or []))


@router.get("/contact-attributes", response_model=list[AttributeDefOut])
async def list_attributes(ws: Workspace, rt: Rt):
    async with rt.db.reader() as session:
        return [_out(r) for r in await attribute_service.list_defs(session, ws)]


@router.post("/contact-attributes", response_model=AttributeDefOut, status_code=201)
async def create_attribute(body: AttributeDefIn, ws: Workspace, rt: Rt):
    async with rt.db.session() as session:
        return _out(await attribute_service.create_def(session, ws, key=body.key, label=body.label, type_=body.type,
                                                       choices=body.choices, now=rt.clock.now()))


@router.patch("/contact-attributes/{def_id}", response_model=AttributeDefOut)
async def change_attribute(def_id: int, body: AttributeDefPatch, ws: Workspace, rt: Rt):
    async with rt.db.session() as session:
        return _out(await attribute_service.change_def(session, ws, def_id, label=body.label, choices=body.choices))


@router.delete("/contact-attributes/{def_id}", status_code=204)
async def delete_attribute(def_id: int, ws: Workspace, rt: Rt) -> Response:
    async with rt.db.session() as session:
        await attribute_service.delete_def(session, ws, def_id)
    return Response(status_code=204)
