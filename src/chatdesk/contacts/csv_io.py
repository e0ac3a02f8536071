"""Contacts to and from CSV, streaming: a file is read row by row and written in batches (one
transaction each), so a 100,000-row file is never held in memory; an export is produced in
keyset pages.

Columns: name, phone, email, labels (``;``-separated), language, then one per attribute key.
A row's phone is made E.164 with the workspace's default region or the row is rejected (never
altered silently); a row matches an existing contact by its number, then by its email, and
updates it instead of adding a duplicate, so importing a file twice adds nothing.
"""
from __future__ import annotations

import csv
import inspect
import io
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..core.db import Database
from . import attribute_service, attributes, service
from . import labels as contact_labels
from .attributes import BadValue, Def
from .models import Contact, phone_key
from .phones import BadPhone, normalise

BASE_COLUMNS = ("name", "phone", "email", "labels", "language")
BATCH = 500
MAX_CELL = 2000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
csv.field_size_limit(64 * 1024)  # a runaway quote cannot swallow the file into one cell


class BadFile(ValueError):
    """A file that cannot be imported at all (no header, no name/phone/email column)."""


@dataclass
class Row:
    line: int
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    language: str | None = None
    labels: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    matched: int = 0
    rejected: int = 0

    def summary(self) -> str:
        return (f"{self.rows} rows: {self.created} contacts added, {self.matched} matched existing ones, "
                f"{self.rejected} rejected")


def check_header(header: list[str] | None, defs: dict[str, Def]) -> list[str]:
    """The columns that will be read; ``BadFile`` for a file that is not a contacts CSV."""
    if not header:
        raise BadFile("the file is empty (a header row is needed)")
    cols = [h.strip().lower() for h in header]
    if not {"name", "phone", "email"} & set(cols):
        raise BadFile("no name, phone or email column in the header")
    unknown = [c for c in cols if c and c not in BASE_COLUMNS and c not in defs]
    if unknown:
        raise BadFile(f"unknown column(s): {', '.join(unknown[:5])} (not a defined attribute)")
    return cols


def parse_row(line: int, cells: dict[str, str], defs: dict[str, Def], region: str | None) -> Row:
    """One row as a contact, or ``BadValue`` saying why it is rejected."""
    cells = {k: (v or "").strip() for k, v in cells.items() if k}
    if any(len(v) > MAX_CELL for v in cells.values()):
        raise BadValue(f"a cell is longer than {MAX_CELL} characters")
    row = Row(line=line, name=cells.get("name", "")[:200] or None, language=cells.get("language", "")[:16] or None)
    if phone := cells.get("phone"):
        try:
            row.phone = normalise(phone, region)
        except BadPhone as exc:
            raise BadValue(f"phone: {exc}") from None
    if email := cells.get("email"):
        if not EMAIL.match(email) or len(email) > 320:
            raise BadValue(f"email: {email!r} is not an email address")
        row.email = email.lower()
    if not (row.name or row.phone or row.email):
        raise BadValue("no name, phone or email")
    row.labels = [n.strip() for n in cells.get("labels", "").split(";") if n.strip()]
    for key, d in defs.items():
        if cells.get(key):
            try:
                row.attrs[key] = attributes.coerce(d, cells[key])
            except BadValue as exc:
                raise BadValue(f"{key}: {exc}") from None
    return row


def read_rows(text: TextIO, defs: dict[str, Def], region: str | None,
              reject: Callable[[int, str], None]) -> Iterator[Row]:
    """The file's good rows one by one; every bad one goes to ``reject(line, reason)``."""
    reader = csv.reader(text)
    try:
        cols = check_header(next(reader, None), defs)
    except csv.Error as exc:
        raise BadFile(f"not a CSV file ({exc})") from None
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reject(reader.line_num, f"unreadable row ({exc})")
            continue
        if not any(c.strip() for c in cells):
            continue  # blank lines are nobody
        if len(cells) != len(cols):
            reject(reader.line_num, f"{len(cells)} cells where the header has {len(cols)}")
            continue
        try:
            yield parse_row(reader.line_num, dict(zip(cols, cells, strict=True)), defs, region)
        except BadValue as exc:
            reject(reader.line_num, str(exc))


async def _existing(session: AsyncSession, ws: int, rows: list[Row]) -> tuple[dict[str, Contact], dict[str, Contact]]:
    """The workspace's contacts these rows match: by phone key, by lower-case email."""
    keys = {phone_key(r.phone) for r in rows if r.phone}
    emails = {r.email for r in rows if r.email}
    conds = [Contact.phone_key.in_(keys)] if keys else []
    if emails:
        conds.append(func.lower(Contact.email).in_(emails))
    by_phone: dict[str, Contact] = {}
    by_email: dict[str, Contact] = {}
    if conds:
        live = (Contact.workspace_id == ws, Contact.merged_into_id.is_(None))  # a merged contact is not matched
        found = await session.execute(select(Contact).where(*live, or_(*conds)).order_by(Contact.id))
        for c in found.scalars():
            if c.phone_key:
                by_phone.setdefault(c.phone_key, c)
            if c.email:
                by_email.setdefault(c.email.lower(), c)
    return by_phone, by_email


def _update(contact: Contact, row: Row, now: datetime) -> None:
    """What the row says over what the contact had; a number the contact has stays."""
    for name in ("name", "email", "language"):
        if (value := getattr(row, name)) and getattr(contact, name) != value:
            setattr(contact, name, value)
            contact.updated_at = now
    if row.phone and not contact.phone:
        contact.phone, contact.updated_at = row.phone, now
    if row.attrs and any((contact.attributes or {}).get(k) != v for k, v in row.attrs.items()):
        contact.attributes, contact.updated_at = {**(contact.attributes or {}), **row.attrs}, now


async def upsert_batch(session: AsyncSession, ws: int, rows: list[Row], report: Report, now: datetime) -> None:
    """Match or add each row's contact, set attributes and labels; the caller commits."""
    by_phone, by_email = await _existing(session, ws, rows)
    placed: list[tuple[Row, Contact]] = []
    for row in rows:
        key = phone_key(row.phone) if row.phone else None
        contact = (by_phone.get(key) if key else None) or (by_email.get(row.email) if row.email else None)
        if contact is None:
            contact = Contact(workspace_id=ws, name=row.name or row.email or row.phone or "", phone=row.phone,
                              email=row.email, language=row.language, attributes=dict(row.attrs),
                              created_at=now, updated_at=now)
            session.add(contact)
            report.created += 1
        else:
            _update(contact, row, now)
            report.matched += 1
        if key:  # a later row of the same batch finds this contact
            by_phone[key] = contact
        if row.email:
            by_email[row.email] = contact
        placed.append((row, contact))
    await session.flush()
    ids = await contact_labels.label_ids(session, ws, {n for r in rows for n in r.labels}, now=now)
    await contact_labels.add(session, [(c.id, ids[n[:contact_labels.MAX_NAME]]) for r, c in placed for n in r.labels])


async def import_csv(db: Database, ws: int, text: TextIO, *, now: datetime, reject: Callable[[int, str], None],
                     progress: Callable[[Report], Any] = lambda _r: None, batch: int = BATCH) -> Report:
    """Import a CSV stream into workspace ``ws``: one transaction per ``batch`` rows."""
    async with db.reader() as session:
        defs = await attribute_service.defs_by_key(session, ws)
        region = await service.default_region(session, ws)
    report = Report()

    def rejected(line: int, reason: str) -> None:
        report.rejected += 1
        reject(line, reason)

    pending: list[Row] = []
    for row in read_rows(text, defs, region, rejected):
        pending.append(row)
        if len(pending) >= batch:
            await _flush(db, ws, pending, report, now)
            await _tell(progress, report)
    await _flush(db, ws, pending, report, now)
    report.rows = report.created + report.matched + report.rejected
    await _tell(progress, report)
    return report


async def _tell(progress: Callable[[Report], Any], report: Report) -> None:
    """A progress callback may be a coroutine function (the import job writes its row)."""
    if inspect.isawaitable(outcome := progress(report)):
        await outcome


async def _flush(db: Database, ws: int, rows: list[Row], report: Report, now: datetime) -> None:
    if rows:
        async with db.session() as session:
            await upsert_batch(session, ws, rows, report, now)
        report.rows = report.created + report.matched + report.rejected
        rows.clear()


async def export_csv(db: Database, ws: int, *, batch: int = BATCH) -> AsyncIterator[tuple[str, int]]:
    """The workspace's contacts as CSV text, a page of ``batch`` contacts per chunk (oldest
    first), each with the number of contacts in it (the header's chunk has none)."""
    async with db.reader() as session:
        defs = await attribute_service.defs_by_key(session, ws)
    cols = [*BASE_COLUMNS, *defs]
    yield _csv_line(cols), 0
    after = 0
    while True:
        async with db.reader() as session:
            live = (Contact.workspace_id == ws, Contact.merged_into_id.is_(None))  # a merged contact is not exported
            page = list((await session.execute(select(Contact).where(*live, Contact.id > after)
                                               .order_by(Contact.id).limit(batch))).scalars())
            names = await contact_labels.of_contacts(session, [c.id for c in page])
        if not page:
            return
        yield "".join(_csv_line(_cells(c, names[c.id], defs)) for c in page), len(page)
        after = page[-1].id


def _cells(c: Contact, names: list[str], defs: dict[str, Def]) -> list[str]:
    attrs = c.attributes or {}
    return [c.name, c.phone or "", c.email or "", ";".join(names), c.language or "",
            *(attributes.display(d, attrs.get(k)) for k, d in defs.items())]


def _csv_line(cells: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def write_reject(sink: TextIO, line: int, reason: str) -> None:
    """One rejected row of the report (CSV: line,reason)."""
    sink.write(_csv_line([str(line), reason]))
