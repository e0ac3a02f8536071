"""``chatdesk contacts import|export``: the file handling and the progress bar around
``contacts.csv_io`` (used by cli.py only; the streaming is csv_io's)."""
from __future__ import annotations

import io
import os
import sys
from typing import Any, TextIO

from . import admin
from .contacts import csv_io
from .core.clock import SystemClock
from .core.db import Database
from .core.errors import Problem
from .core.settings import Settings


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read (the progress bar's position)."""

    def __init__(self, raw: Any):
        self.raw, self.done = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        self.done += n or 0
        return n or 0


def _open_text(path: str) -> tuple[TextIO, _Counting, int]:
    try:
        size = os.path.getsize(path)
        raw = open(path, "rb")  # noqa: SIM115  closed by the caller through the text wrapper
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    counting = _Counting(raw)
    # utf-8-sig: spreadsheets write a byte-order mark first
    text = io.TextIOWrapper(io.BufferedReader(counting), encoding="utf-8-sig", errors="strict", newline="")
    return text, counting, size


async def import_file(s: Settings, slug: str, path: str, report_path: str | None) -> str:
    """Import ``path`` into the workspace; rejected rows go to ``report_path`` (or stderr)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    text, counting, size = _open_text(path)
    sink = open(report_path, "w", encoding="utf-8") if report_path else sys.stderr  # noqa: SIM115
    wrote: list[bool] = []

    def reject(line: int, reason: str) -> None:
        if not wrote:  # the header with the first rejected row: a clean import prints nothing
            sink.write("line,reason\n")
            wrote.append(True)
        csv_io.write_reject(sink, line, reason)
    bar = Progress(TextColumn("importing"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]} rows"),
                   TimeRemainingColumn(), console=None, transient=True, disable=not sys.stderr.isatty())

    async def do(db: Database, ws: int) -> csv_io.Report:
        with bar:
            task = bar.add_task("import", total=size, rows=0)
            return await csv_io.import_csv(
                db, ws, text, now=SystemClock().now(),
                reject=reject,
                progress=lambda r: bar.update(task, completed=counting.done, rows=r.rows))

    try:
        report = await admin.with_workspace_db(s, slug, do)
    except csv_io.BadFile as exc:
        raise Problem(422, "bad_file", "bad file", f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise Problem(422, "bad_file", "bad file", f"{path}: not UTF-8 text") from None
    finally:
        text.close()
        if sink is not sys.stderr:
            sink.close()
    return report.summary() + (f"; rejected rows in {report_path}" if report_path and report.rejected else "")


async def export_file(s: Settings, slug: str, out: str | None) -> str:
    """Write the workspace's contacts to ``out`` (or stdout); returns a line for stderr."""
    try:
        sink = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise ValueError(f"cannot write {out}: {exc.strerror}") from None

    async def do(db: Database, ws: int) -> int:
        count = 0
        async for chunk, n in csv_io.export_csv(db, ws):
            sink.write(chunk)
            count += n
        return count

    try:
        count = await admin.with_workspace_db(s, slug, do)
    finally:
        if sink is not sys.stdout:
            sink.close()
    return f"{count} contacts written to {out}" if out else ""
