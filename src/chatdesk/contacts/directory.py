"""The contacts list with filters: search (name, handle, phone in any format, email), label,
channel and attribute conditions, newest first, paged by keyset (``before`` = the last id seen)
or by page number (the REST API's existing paging)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, false, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from . import attributes
from .attributes import BadValue, Def
from .labels import labels
from .models import Contact, ContactIdentity, ContactLabel, name_key, phone_key, username_key
from .phones import BadPhone, normalise
from .service import TOTAL_CAP, _phone_digits, _prefix, default_region

OPS = ("eq", "gte", "lte", "gt", "lt")


@dataclass
class AttrCond:
    key: str
    op: str  # one of OPS
    value: str


@dataclass
class Filters:
    q: str | None = None
    label: str | None = None
    channel_id: int | None = None
    attrs: list[AttrCond] = field(default_factory=list)


def parse_attr_params(params: list[tuple[str, str]]) -> list[AttrCond]:
    """``attr.city=Utrecht``, ``attr.orders__gte=3`` (query parameters) as conditions."""
    out = []
    for name, value in params:
        if not name.startswith("attr.") or value == "":
            continue
        key, _, op = name.removeprefix("attr.").partition("__")
        if op and op not in OPS:
            raise BadValue(f"{name}: the operator is one of {', '.join(OPS)}")
        out.append(AttrCond(key=key, op=op or "eq", value=value))
    return out


def _search(ws: int, q: str, region: str | None) -> Any:
    """Contacts whose name or handle starts with ``q``, whose email is ``q``, or whose number is
    ``q`` (or ends with its digits). Each way is looked up apart, in its own index, and the ids
    joined: an OR of them in one WHERE reads every contact of the workspace on PostgreSQL
    (the handle's part is a subquery no index of contacts serves; 60 ms at 100,000)."""
    ways = []
    if key := name_key(q):
        ways.append(select(Contact.id).where(Contact.workspace_id == ws, _prefix(Contact.name_key, key)))
    if handle := username_key(q):
        ways.append(select(ContactIdentity.contact_id).where(
            ContactIdentity.workspace_id == ws, _prefix(ContactIdentity.username_key, handle)))
    if "@" in q and " " not in q:
        ways.append(select(Contact.id).where(Contact.workspace_id == ws, func.lower(Contact.email) == q.lower()))
    try:  # a whole number in any format (national ones in the workspace's region)
        ways.append(select(Contact.id).where(Contact.workspace_id == ws,
                                             Contact.phone_key == phone_key(normalise(q, region))))
    except BadPhone:
        if len(digits := _phone_digits(q)) >= 3:  # or the number's last digits
            ways.append(select(Contact.id).where(Contact.workspace_id == ws, _prefix(Contact.phone_key, digits[::-1])))
    if not ways:
        return false()
    return Contact.id.in_(ways[0] if len(ways) == 1 else union(*ways))


def _attr(defs: dict[str, Def], cond: AttrCond) -> Any:
    d = defs.get(cond.key)
    if d is None:
        raise BadValue(f"attr.{cond.key}: no such attribute")
    try:
        value = attributes.coerce(d, cond.value)
    except BadValue as exc:
        raise BadValue(f"attr.{cond.key}: {exc}") from None
    column = Contact.attributes[d.key]
    if d.type == "number":
        left: Any = column.as_float()
    elif d.type == "bool":
        left = column.as_boolean()
    else:
        left = column.as_string()
    if cond.op != "eq" and d.type not in ("number", "date"):
        raise BadValue(f"attr.{cond.key}: only numbers and dates compare with {cond.op}")
    return {"eq": left == value, "gte": left >= value, "lte": left <= value,
            "gt": left > value, "lt": left < value}[cond.op]


def query(ws: int, f: Filters, defs: dict[str, Def], region: str | None) -> Select[Contact]:
    """The filtered contacts of workspace ``ws``; ``BadValue`` for a condition that cannot hold."""
    stmt = select(Contact).where(Contact.workspace_id == ws, Contact.merged_into_id.is_(None))  # merged: hidden
    if f.q and f.q.strip():
        stmt = stmt.where(_search(ws, f.q.strip(), region))
    if f.label:
        stmt = stmt.where(Contact.id.in_(select(ContactLabel.contact_id).join(
            labels, labels.c.id == ContactLabel.label_id).where(labels.c.workspace_id == ws,
                                                                labels.c.name == f.label)))
    if f.channel_id is not None:
        stmt = stmt.where(Contact.id.in_(select(ContactIdentity.contact_id).where(
            ContactIdentity.workspace_id == ws, ContactIdentity.channel_id == f.channel_id)))
    for cond in f.attrs:
        stmt = stmt.where(_attr(defs, cond))
    return stmt


async def keyset_page(session: AsyncSession, stmt: Select[Contact], *, before: int | None,
                      limit: int) -> tuple[list[Contact], int | None]:
    """Up to ``limit`` contacts older than ``before``, and the cursor of the next page (None at the end)."""
    if before is not None:
        stmt = stmt.where(Contact.id < before)
    rows = list((await session.execute(stmt.order_by(Contact.id.desc()).limit(limit + 1))).scalars())
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


async def numbered_page(session: AsyncSession, stmt: Select[Contact], *, page: int,
                        per_page: int) -> tuple[list[Contact], int]:
    """A page by number and the total, counted up to ``TOTAL_CAP``."""
    capped = stmt.with_only_columns(Contact.id).limit(TOTAL_CAP).subquery()
    total = (await session.execute(select(func.count()).select_from(capped))).scalar_one()
    rows = (await session.execute(stmt.order_by(Contact.id.desc()).offset((page - 1) * per_page).limit(per_page)))
    return list(rows.scalars()), total


async def search_contacts(session: AsyncSession, workspace_id: int, *, q: str | None, page: int,
                          per_page: int) -> tuple[list[Contact], int]:
    """Contacts by a search alone (no filters), a numbered page of them and the total."""
    stmt = query(workspace_id, Filters(q=q), {}, await default_region(session, workspace_id))
    return await numbered_page(session, stmt, page=page, per_page=per_page)
