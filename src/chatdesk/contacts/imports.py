"""CSV imports started from the contacts page: the uploaded file is stored, a job runs
``csv_io.import_csv`` over it, writing progress to the ``contact_imports`` row after every batch
and, at the end, the report of rejected rows (``line,reason``; capped, with the count of the rest).
Running the job again (a worker died) imports nothing twice: rows match what the first run made."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from ..core.clock import Clock
from ..core.db import Database
from ..core.jobs import ClaimedJob, JobKind, JobPayload, enqueue
from . import csv_io
from .models import ContactImport

REPORT_CAP = 256 * 1024  # characters of report kept; the rest are counted


class ImportContacts(JobPayload):
    import_id: int


IMPORT_CONTACTS = JobKind("contacts.import", ImportContacts)


async def start(session: Any, workspace_id: int, *, filename: str, path: Path, now: datetime) -> ContactImport:
    row = ContactImport(workspace_id=workspace_id, filename=filename[:200], path=str(path), status="queued", rows=0,
                        created=0, matched=0, rejected=0, created_at=now)
    session.add(row)
    await session.flush()
    enqueue(session, IMPORT_CONTACTS, ImportContacts(import_id=row.id), now=now, workspace_id=workspace_id,
            max_attempts=3)
    return row


class _Report:
    """The rejected rows as CSV text, up to ``REPORT_CAP`` characters."""

    def __init__(self) -> None:
        self.out, self.left_off = io.StringIO(), 0
        self.out.write("line,reason\n")

    def add(self, line: int, reason: str) -> None:
        if self.out.tell() < REPORT_CAP:
            csv_io.write_reject(self.out, line, reason)
        else:
            self.left_off += 1

    def text(self) -> str:
        tail = f"...,{self.left_off} more rejected rows not listed\n" if self.left_off else ""
        return self.out.getvalue() + tail


def import_handler(db: Database, clock: Clock) -> Any:
    async def handle(job: ClaimedJob) -> None:
        import_id = IMPORT_CONTACTS.parse(job).import_id
        async with db.reader() as session:
            row = await session.get(ContactImport, import_id)
            if row is None or row.status in ("done", "failed"):
                return
            ws, path = row.workspace_id, Path(row.path)
        report = _Report()

        async def progress(r: csv_io.Report) -> None:  # between batches, in its own transaction
            await _set(db, import_id, rows=r.rows, created=r.created, matched=r.matched, rejected=r.rejected)
        await _set(db, import_id, status="running")
        try:
            with path.open(encoding="utf-8-sig", newline="") as text:
                result = await csv_io.import_csv(db, ws, text, now=clock.now(), reject=report.add,
                                                 progress=progress)
        except (csv_io.BadFile, UnicodeDecodeError, OSError) as exc:
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
            await _set(db, import_id, status="failed", error=reason[:500], finished_at=clock.now())
            return
        await _set(db, import_id, status="done", rows=result.rows, created=result.created, matched=result.matched,
                   rejected=result.rejected, report=report.text(), finished_at=clock.now())
        path.unlink(missing_ok=True)
    return handle


async def _set(db: Database, import_id: int, **values: Any) -> None:
    async with db.session() as session:
        await session.execute(update(ContactImport).where(ContactImport.id == import_id).values(**values))
