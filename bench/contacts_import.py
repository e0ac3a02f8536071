"""Contact CSV import at scale: generates a 100,000-row file, imports it into a fresh
workspace, then imports it again (every row matches: nothing is added), printing for each run
the time, the rows per second and the peak memory Python allocated during it (tracemalloc),
plus the process's peak resident size. Asserts only that the second run added nobody.

    .venv/bin/python bench/contacts_import.py [--rows 100000] [--database-url postgresql+asyncpg://...]
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import scratch_database  # noqa: E402
from chatdesk import models  # noqa: E402, F401  every table
from chatdesk.accounts import service as accounts  # noqa: E402
from chatdesk.contacts import csv_io  # noqa: E402
from chatdesk.core.clock import SystemClock  # noqa: E402
from chatdesk.core.db import Database  # noqa: E402
from chatdesk.core.migrate import upgrade_async  # noqa: E402


def write_file(path: Path, rows: int) -> None:
    """Dutch mobile numbers in mixed formats, an email on every third row, a label on some."""
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["name", "phone", "email", "labels", "language"])
        for i in range(rows):
            number = f"6{10_000_000 + i:08d}"
            phone = (f"+31{number}", f"0{number}", f"0031 {number[:1]} {number[1:]}")[i % 3]
            out.writerow([f"Customer {i}", phone, f"c{i}@example.com" if i % 3 == 0 else "",
                          "vip" if i % 10 == 0 else "", "nl"])


async def run_once(db: Database, ws: int, path: Path) -> tuple[csv_io.Report, float, int]:
    rejected: list[str] = []
    tracemalloc.start()
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as text:
        report = await csv_io.import_csv(db, ws, text, now=SystemClock().now(),
                                         reject=lambda line, why: rejected.append(f"{line}: {why}"))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if rejected:
        print(f"  first rejects: {rejected[:3]}")
    return report, elapsed, peak


async def main(rows: int, server_url: str | None) -> None:
    path = Path(tempfile.mkdtemp(prefix="chatdesk-contacts-")) / "contacts.csv"
    write_file(path, rows)
    print(f"{rows} rows, {path.stat().st_size / 1e6:.1f} MB")
    with scratch_database(server_url, "bench_contacts") as url:
        await upgrade_async(url)
        db = Database(url)
        try:
            async with db.session() as s:
                ws = await accounts.create_workspace(s, "Bench Shop", now=SystemClock().now())
                ws.default_region = "NL"
                ws_id = ws.id
            for label in ("first import", "second import (all match)"):
                report, elapsed, peak = await run_once(db, ws_id, path)
                print(f"{label}: {report.summary()}; {elapsed:.1f} s, {report.rows / elapsed:,.0f} rows/s, "
                      f"peak traced memory {peak / 1e6:.1f} MB")
            assert report.created == 0, "the second import added contacts"
        finally:
            await db.dispose()
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.database_url))
