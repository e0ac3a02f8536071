"""Latency of the inbox's read queries on a large workspace (seeded by bench/seed_inbox.py).

Each case calls the real function (REST ``queries``, the inbox's ``inbox_queries``,
``contacts.directory.search_contacts``) in its own ``Database.reader()`` session, ``--runs``
times with varying parameters (pages, conversations, search terms), after a short warm-up,
and prints p50 / p95 / max beside the p95 target.

    .venv/bin/python bench/seed_inbox.py --data-dir /tmp/inbox
    .venv/bin/python bench/inbox_queries.py --database-url sqlite+aiosqlite:////tmp/inbox/chatdesk.db
    .venv/bin/python bench/inbox_queries.py --database-url postgresql+asyncpg://u:p@host/db --explain

``--explain`` also prints, once per case, the plan of every statement the case ran
(SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN (ANALYZE, BUFFERS)). Asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.common import percentile
from bench.seed_inbox import NOW
from chatdesk.channels.registry import ChannelRegistry
from chatdesk.channels.whatsapp.adapter import WhatsAppAdapter
from chatdesk.contacts.directory import search_contacts
from chatdesk.conversations import inbox_queries, paging, queries
from chatdesk.conversations.models import Conversation
from chatdesk.core.db import Database
from chatdesk.inbox.pages import LIST_PAGE  # what the inbox asks for per page (it scrolls for more)

WS = 1  # the big workspace
AGENT = 1
TARGET_MS = 30.0
Call = Callable[[AsyncSession, int], Awaitable[Any]]


@dataclass
class Case:
    name: str
    call: Call


@dataclass
class Params:
    """Parameters drawn from the seeded data, so every run asks for something real."""

    conversations: list[int]
    long_conversations: list[tuple[int, int]]  # (id, message count), the longest timelines
    phones: list[str]
    names: list[str]
    words: list[str]


async def load_params(db: Database, rng: random.Random) -> Params:
    async with db.reader() as s:
        max_id = (await s.execute(text("SELECT max(id) FROM conversations WHERE workspace_id = :w"),
                                  {"w": WS})).scalar_one()
        convs = list((await s.execute(text(
            "SELECT id FROM conversations WHERE workspace_id = :w AND id IN ({})".format(",".join(str(rng.randrange(1, max_id + 1)) for _ in range(600)))), {"w": WS})).scalars())
        longest = [tuple(r) for r in (await s.execute(text(
            "SELECT conversation_id, count(*) FROM messages WHERE workspace_id = :w "
            "GROUP BY conversation_id ORDER BY count(*) DESC LIMIT 20"), {"w": WS})).all()]
        contacts = (await s.execute(text(
            "SELECT name, phone FROM contacts WHERE workspace_id = :w AND id IN ({})".format(",".join(str(rng.randrange(1, max_id + 1)) for _ in range(600)))), {"w": WS})).all()
        codes = list((await s.execute(text(
            "SELECT text FROM messages WHERE id IN ({}) AND text LIKE '%#%'".format(",".join(str(rng.randrange(1, 1_000_000)) for _ in range(3000)))))).scalars())
    phones = []
    for _, phone in contacts:
        if phone:
            digits = phone.lstrip("+")
            # how agents type a number: national without the 0, with the 0, international
            phones.append(rng.choice([digits[-9:], "0" + digits[-9:], phone, digits[:8]]))
    names = [name[:rng.choice([2, 3, 4, 6])] for name, _ in contacts]
    found_codes = [t[t.index("#"):t.index("#") + 7] for t in codes if "#" in t]
    # order numbers (rare), words of one language (a few % of messages), common words, no match,
    # and terms typed without their accents ("siparis" finds "siparişim", "muller" "Müller")
    words = found_codes[:40] + ["bestelling", "refund", "Rechnung", "pedido", "xylophone", "beschadigd",
                                "siparis", "donde", "muller", "vollstandig"] * 4
    return Params(convs, longest, phones, names, words)


def cases(registry: ChannelRegistry, p: Params) -> list[Case]:
    def pick(seq: list[Any], i: int) -> Any:
        return seq[i % len(seq)]

    async def conv(s: AsyncSession, cid: int) -> Conversation:
        return await s.get(Conversation, cid)

    async def rest_newest(s: AsyncSession, i: int) -> Any:
        return await queries.list_conversations(s, registry, WS, status=None, channel=None,
                                                page=1 + i % 10, per_page=25)

    async def rest_status(s: AsyncSession, i: int) -> Any:
        return await queries.list_conversations(s, registry, WS, status=pick(["open", "pending", "resolved"], i),
                                                channel=None, page=1 + i % 4, per_page=25)

    async def rest_keyset(s: AsyncSession, i: int) -> Any:
        # a page deep in the list, after a conversation drawn at random: keyset, no OFFSET
        sort = pick([paging.Sort.NEWEST, paging.Sort.OLDEST, paging.Sort.WAITING], i)
        after = paging.cursor_of(sort, await conv(s, pick(p.conversations, i)))
        return await queries.list_conversations(s, registry, WS, status=None, channel=None, page=1, per_page=25,
                                                sort=sort, cursor=after)

    async def inbox_keyset(s: AsyncSession, i: int) -> Any:
        sort = pick([paging.Sort.NEWEST, paging.Sort.WAITING], i)
        f = inbox_queries.InboxFilter(view="all", sort=sort).normalised()
        after = paging.cursor_of(sort, await conv(s, pick(p.conversations, i)))
        return await inbox_queries.inbox_rows(s, WS, f, user_id=AGENT, now=NOW, limit=50, cursor=after)

    def inbox(view: str, **kw: Any) -> Call:
        async def run(s: AsyncSession, i: int) -> Any:
            f = inbox_queries.InboxFilter(view=view, **kw).normalised()
            return await inbox_queries.inbox_rows(s, WS, f, user_id=AGENT + i % 20, now=NOW, limit=LIST_PAGE)
        return run

    async def counts(s: AsyncSession, i: int) -> Any:
        return await inbox_queries.view_counts(s, WS, inbox_queries.InboxFilter().normalised(),
                                               user_id=AGENT + i % 20, now=NOW)

    async def messages_first(s: AsyncSession, i: int) -> Any:
        return await queries.list_messages(s, await conv(s, pick(p.conversations, i)), page=1, per_page=50)

    async def messages_deep(s: AsyncSession, i: int) -> Any:
        cid, n = pick(p.long_conversations, i)
        return await queries.list_messages(s, await conv(s, cid), page=max(1, (n - 1) // 50 + 1 - i % 3),
                                           per_page=50)

    async def contacts_phone(s: AsyncSession, i: int) -> Any:
        return await search_contacts(s, WS, q=pick(p.phones, i), page=1, per_page=25)

    async def contacts_name(s: AsyncSession, i: int) -> Any:
        return await search_contacts(s, WS, q=pick(p.names, i), page=1, per_page=25)

    async def inbox_search(s: AsyncSession, i: int) -> Any:
        f = inbox_queries.InboxFilter(view="all", status="all", q=pick(p.words, i)).normalised()
        return await inbox_queries.inbox_rows(s, WS, f, user_id=AGENT, now=NOW, limit=LIST_PAGE)

    async def inbox_search_counts(s: AsyncSession, i: int) -> Any:
        f = inbox_queries.InboxFilter(view="all", status="all", q=pick(p.words, i)).normalised()
        return await inbox_queries.view_counts(s, WS, f, user_id=AGENT, now=NOW)

    return [
        Case("REST conversations, newest (p1-10)", rest_newest),
        Case("REST conversations, by status", rest_status),
        Case("inbox list, view all (open)", inbox("all")),
        Case("inbox list, view unassigned", inbox("unassigned")),
        Case("inbox list, view mine", inbox("mine")),
        Case("inbox list, waiting longest", inbox("all", sort="waiting")),
        Case("inbox list, a deep page (keyset)", inbox_keyset),
        Case("REST conversations, a deep page (keyset, 3 sorts)", rest_keyset),
        Case("inbox view counts", counts),
        Case("REST messages, first page", messages_first),
        Case("REST messages, deep page", messages_deep),
        Case("contacts search, phone", contacts_phone),
        Case("contacts search, name prefix", contacts_name),
        Case("inbox search, message text", inbox_search),
        Case("inbox search, view counts", inbox_search_counts),
    ]


async def timed(db: Database, case: Case, runs: int, warmup: int) -> list[float]:
    out = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        async with db.reader() as s:
            await case.call(s, i)
        if i >= warmup:
            out.append((time.perf_counter() - start) * 1000)
    return out


async def explain(db: Database, case: Case) -> None:
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not statement.lstrip().upper().startswith(("EXPLAIN", "BEGIN")):
            captured.append((statement, parameters))
    sync_engine = db.read_engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", capture)
    try:
        async with db.reader() as s:
            await case.call(s, 1)
    finally:
        event.remove(sync_engine, "before_cursor_execute", capture)
    print(f"\n### {case.name}")
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    async with db.reader() as s:
        conn = await s.connection()
        for statement, params in captured:
            print("\n" + " ".join(statement.split()))
            print(f"  -- params: {params}")
            rows = (await conn.exec_driver_sql(prefix + statement, tuple(params or ()))).all()
            if db.is_sqlite:
                depth: dict[int, int] = {0: 0}
                for node, parent, _, detail in rows:
                    depth[node] = depth.get(parent, 0) + 1
                    print("  " + "  " * (depth[node] - 1) + detail)
            else:
                for (line,) in rows:
                    print("  " + line)


async def run(args: argparse.Namespace) -> None:
    db = Database(args.database_url)
    http = httpx.AsyncClient()
    registry = ChannelRegistry([WhatsAppAdapter(http, graph_url="http://unused.invalid", graph_version="v21.0")])
    try:
        params = await load_params(db, random.Random(args.seed))
        all_cases = [c for c in cases(registry, params) if not args.only or any(o in c.name for o in args.only)]
        async with db.reader() as s:
            n_conv, n_msg = (await s.execute(text(
                "SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages)"))).one()
        print(f"chatdesk inbox query bench: {db.dialect}, {n_conv:,} conversations, {n_msg:,} messages "
              f"(all workspaces), {args.runs} runs per case, {os.cpu_count()} CPUs")
        if args.explain:
            for case in all_cases:
                await explain(db, case)
            print()
        print(f"\n{'query':38s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'target p95':>11s}")
        for case in all_cases:
            lat = await timed(db, case, args.runs, args.warmup)
            p95 = percentile(lat, 95)
            verdict = "ok" if p95 < args.target else "MISS"
            print(f"{case.name:38s} {percentile(lat, 50):8.1f} {p95:8.1f} {max(lat):8.1f} "
                  f"{f'< {args.target:.0f} ms':>11s}  {verdict}", flush=True)
    finally:
        await http.aclose()
        await db.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", required=True, help="a database seeded by bench/seed_inbox.py")
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--target", type=float, default=TARGET_MS, help="p95 target in ms")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--only", nargs="*", help="run only cases whose name contains one of these")
    p.add_argument("--explain", action="store_true", help="print each case's query plans first")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
