"""Seed a large inbox for the query benchmarks (bench/inbox_queries.py).

One big workspace (``--conversations`` conversations, ``--messages`` messages, one contact
with a channel identity per conversation) and a small second workspace (2% of the size), so
every tenancy filter has rows to skip. Ids grow with time across both workspaces, as they do
in life (messages of one conversation are not stored next to each other).

    .venv/bin/python bench/seed_inbox.py                          # SQLite file in a temp dir
    .venv/bin/python bench/seed_inbox.py --data-dir /tmp/inbox     # ... in /tmp/inbox/chatdesk.db
    .venv/bin/python bench/seed_inbox.py --database-url postgresql+asyncpg://u:p@host/dbname

The schema is laid down by the Alembic migrations first (``chatdesk.core.migrate.upgrade``);
rows go in with Core ``executemany`` in large batches. Deterministic (``--seed``). Prints the
database URL and how long seeding took.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from chatdesk.contacts.models import name_key, phone_key
from chatdesk.core.migrate import refresh_statistics, upgrade
from chatdesk.models import Base

BATCH = 20_000
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAYS = 180
SMALL_SHARE = 0.02  # the second workspace's size relative to the first
MAX_PER_CONVERSATION = 5000

FIRST = {
    "nl": ["Daan", "Sem", "Lucas", "Emma", "Julia", "Sanne", "Thijs", "Fleur", "Bram", "Noor", "Jeroen", "Anouk"],
    "de": ["Lukas", "Jürgen", "Sophie", "Maximilian", "Lea", "Günther", "Jörg", "Anna", "Felix", "Hannah"],
    "es": ["José", "María", "Lucía", "Javier", "Sofía", "Andrés", "Martín", "Carmen", "Íñigo", "Paula"],
    "tr": ["Mehmet", "Ayşe", "Emre", "Zeynep", "Burak", "Elif", "Çağla", "Öykü", "Mustafa", "Şule"],
    "ar": ["Mohammed", "Fatima", "Youssef", "Amina", "Omar", "Khadija", "Ahmed", "Salma", "Karim", "Nadia"],
    "pl": ["Łukasz", "Agnieszka", "Paweł", "Małgorzata", "Piotr", "Zofia", "Krzysztof", "Ewa"],
    "en": ["James", "Olivia", "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Mia"],
}
LAST = {
    "nl": ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder"],
    "de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann"],
    "es": ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"],
    "tr": ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir"],
    "ar": ["El Amrani", "Benali", "Haddad", "Mansour", "Khalil", "Saleh", "Bakr", "Nasser"],
    "pl": ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski"],
    "en": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts"],
}
LANG_WEIGHTS = {"nl": 40, "de": 15, "es": 10, "tr": 10, "ar": 10, "pl": 5, "en": 10}
PHRASES = {
    "nl": ["Hoi, waar blijft mijn bestelling?", "Dank je wel!", "Kan ik mijn bestelling nog wijzigen?",
           "Het pakket is beschadigd aangekomen.", "Ik wil graag retourneren.", "Wanneer gaan jullie open?",
           "Mijn factuur klopt niet, er staat twee keer verzendkosten op.", "Oké", "Top, bedankt voor de hulp"],
    "de": ["Hallo, wo ist meine Bestellung?", "Danke!", "Ich möchte die Rechnung noch einmal bekommen.",
           "Die Lieferung ist leider nicht vollständig.", "Kann ich umtauschen?", "Alles klar, schönen Tag noch"],
    "es": ["Hola, ¿dónde está mi pedido?", "¡Gracias!", "Quiero devolver el producto, ¿cómo lo hago?",
           "La factura tiene un error.", "¿Tienen la talla M en azul?"],
    "tr": ["Merhaba, siparişim nerede?", "Teşekkürler!", "Ürünü iade etmek istiyorum.", "Fatura yanlış geldi."],
    "en": ["Hi, where is my order?", "Thanks!", "Can I change the delivery address?",
           "The parcel arrived damaged, can you send a replacement?", "I'd like a refund please.",
           "Do you ship to Belgium?", "What are your opening hours?", "ok", "👍"],
}
AGENT_REPLIES = [
    "Hi {name}, thanks for your message! Let me check that for you.",
    "Your order {code} has shipped and should arrive tomorrow.",
    "I've sent you the invoice again by email.",
    "Hoi {name}, je bestelling {code} is onderweg. Track & trace volgt per mail.",
    "Hallo {name}, Ihre Bestellung {code} wurde heute versendet.",
    "Sorry to hear that! Could you send a photo of the damage?",
    "The refund for {code} has been processed; it takes 3-5 working days to appear on your account.",
    "Is there anything else I can help you with?",
]


def args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=None, help="default: SQLite chatdesk.db in --data-dir")
    p.add_argument("--data-dir", type=Path, default=None, help="default: a new temp dir")
    p.add_argument("--conversations", type=int, default=100_000)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=42)
    return p


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return args.database_url
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="chatdesk-inbox-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{data_dir / 'chatdesk.db'}"


class Data:
    """Generates every row, deterministically from one random seed."""

    def __init__(self, conversations: int, messages: int, seed: int):
        self.rng = random.Random(seed)
        self.sizes = {1: conversations, 2: max(10, int(conversations * SMALL_SHARE))}
        self.msg_targets = {1: messages, 2: max(self.sizes[2], int(messages * SMALL_SHARE))}
        self.users = {1: list(range(1, 21)), 2: list(range(21, 26))}
        self.teams = {1: [1, 2, 3], 2: [4]}
        self.labels = {1: list(range(1, 9)), 2: [9, 10]}
        self.channels = {1: [1, 2], 2: [3]}
        self.contacts: list[dict[str, Any]] = []
        self.convs: list[dict[str, Any]] = []

    # -- small tables ---------------------------------------------------------------------------
    def fixed(self) -> dict[str, list[dict[str, Any]]]:
        t0 = NOW - timedelta(days=DAYS + 30)
        ws = [{"id": 1, "slug": "acme", "name": "Acme Retail", "timezone": "Europe/Amsterdam", "created_at": t0},
              {"id": 2, "slug": "tiny", "name": "Tiny Shop", "timezone": "Europe/Berlin", "created_at": t0}]
        users = [{"id": u, "email": f"agent{u}@example.com", "name": f"Agent {u}", "password_hash": None, "created_at": t0}
                 for u in range(1, 26)]
        members = [{"id": u, "workspace_id": w, "user_id": u, "role": "owner" if u in (1, 21) else "agent", "created_at": t0}
                   for w, us in self.users.items() for u in us]
        teams = [{"id": t, "workspace_id": w, "name": f"Team {t}", "created_at": t0}
                 for w, ts in self.teams.items() for t in ts]
        labels = [{"id": lab, "workspace_id": w, "name": n, "color": "blue", "created_at": t0}
                  for w, ls in self.labels.items()
                  for lab, n in zip(ls, ["vip", "refund", "complaint", "b2b", "shipping", "invoice", "lead", "spam"])]
        channels = [{"id": c, "workspace_id": w, "kind": "whatsapp", "name": f"WhatsApp {c}", "external_id": f"10000000000{c}",
                         "display": f"+3120000000{c}", "config": {}, "secrets": "", "rate_limit_mps": 80.0, "health": {},
                         "created_at": t0} for w, cs in self.channels.items() for c in cs]
        return {"workspaces": ws, "users": users, "memberships": members, "teams": teams, "labels": labels,
                "channels": channels}

    # -- contacts -----------------------------------------------------------------------------------
    def make_contacts(self) -> None:
        langs, weights = zip(*LANG_WEIGHTS.items())
        phones: set[str] = set()
        cid = 0
        for ws, n in self.sizes.items():
            for _ in range(n):
                cid += 1
                lang = self.rng.choices(langs, weights)[0]
                name = f"{self.rng.choice(FIRST[lang])} {self.rng.choice(LAST[lang])}"
                if self.rng.random() < 0.05:
                    name = name.split()[0]  # profile names are often a first name only
                phone = None
                if self.rng.random() < 0.97:
                    while True:
                        phone = (f"+316{self.rng.randrange(10**8):08d}" if ws == 1 or self.rng.random() < 0.5
                                 else f"+4915{self.rng.randrange(10**9):09d}")
                        if phone not in phones:
                            phones.add(phone)
                            break
                created = NOW - timedelta(days=DAYS * self.rng.random() ** 0.7)
                self.contacts.append({
                    "id": cid, "workspace_id": ws, "name": name, "phone": phone, "language": lang, "created_at": created,
                    "email": f"{name.split()[0].lower()}{cid}@example.org" if self.rng.random() < 0.2 else None})

    def contact_rows(self) -> Iterator[dict[str, Any]]:
        for c in self.contacts:
            yield dict(c, attributes={}, updated_at=c["created_at"], name_key=name_key(c["name"]),
                       phone_key=phone_key(c["phone"]))  # what the model derives (Core skips @validates)

    def identity_rows(self) -> Iterator[dict[str, Any]]:
        for c in self.contacts:
            kind, ext = ("whatsapp", c["phone"][1:]) if c["phone"] else ("messenger", f"{7 * 10**15 + c['id']}")
            yield {"id": c["id"], "workspace_id": c["workspace_id"], "contact_id": c["id"], "kind": kind, "external_id": ext,
                   "channel_id": self.channels[c["workspace_id"]][0], "profile_name": c["name"],
                   "created_at": c["created_at"]}

    # -- conversations and the shape of their timelines ------------------------------------------------
    def make_conversations(self) -> None:
        by_ws: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for c in self.contacts:
            by_ws[c["workspace_id"]].append(c)
        convs = []
        for ws, n in self.sizes.items():
            for i in range(n):
                contact = by_ws[ws][i % len(by_ws[ws])]
                start = NOW - timedelta(days=DAYS * self.rng.random() ** 0.6)
                convs.append({"workspace_id": ws, "contact_id": contact["id"], "start": start,
                                  "channel_id": self.rng.choice(self.channels[ws])})
        convs.sort(key=lambda c: c["start"])
        for i, c in enumerate(convs):
            c["id"] = i + 1
        for ws, target in self.msg_targets.items():
            self._spread(target, [c for c in convs if c["workspace_id"] == ws])
        self.convs = convs

    def _spread(self, target: int, convs: list[dict[str, Any]]) -> None:
        """Heavy-tailed message counts (most conversations short, a few thousands long) summing to ``target``."""
        weights = [self.rng.paretovariate(1.2) for _ in convs]
        scale = target / sum(weights)
        for c, w in zip(convs, weights):
            c["n"] = max(1, min(MAX_PER_CONVERSATION, round(w * scale)))
        deficit = target - sum(c["n"] for c in convs)
        while deficit:
            c = self.rng.choice(convs)
            step = 1 if deficit > 0 else -1
            if 1 <= c["n"] + step <= MAX_PER_CONVERSATION:
                c["n"] += step
                deficit -= step

    def message_schedule(self) -> list[tuple[datetime, int, bool]]:
        """(time, conversation index, inbound?) of every message, oldest first; sets each
        conversation's last message and last inbound times."""
        sched: list[tuple[datetime, int, bool]] = []
        for idx, c in enumerate(self.convs):
            span = timedelta(days=60 if c["n"] > 200 else 3) * self.rng.random()
            span = min(span, NOW - c["start"])
            offsets = sorted(self.rng.random() for _ in range(c["n"]))
            offsets[0] = 0.0  # a conversation starts with the customer writing in
            times = [c["start"] + span * o for o in offsets]
            inbound = [i == 0 or self.rng.random() < 0.55 for i in range(len(times))]
            c["last"] = times[-1]
            c["last_in"] = max(t for t, i in zip(times, inbound) if i)
            sched.extend(zip(times, [idx] * len(times), inbound))
        sched.sort()
        return sched

    def conversation_rows(self) -> Iterator[dict[str, Any]]:
        unresolved: set[tuple[int, int]] = set()
        r = self.rng
        for c in self.convs:
            status = r.choices(["resolved", "open", "pending", "snoozed"], [55, 28, 10, 7])[0]
            if c["last"] < NOW - timedelta(days=30) and r.random() < 0.8:
                status = "resolved"
            key = (c["channel_id"], c["contact_id"])
            if status != "resolved":
                if key in unresolved:
                    status = "resolved"
                else:
                    unresolved.add(key)
            snoozed = NOW + timedelta(hours=r.uniform(-48, 48)) if status == "snoozed" else None
            ws = c["workspace_id"]
            yield {"id": c["id"], "workspace_id": ws, "channel_id": c["channel_id"], "contact_id": c["contact_id"],
                       "status": status, "assignee_id": r.choice(self.users[ws]) if r.random() < 0.6 else None,
                       "priority": r.choices(["none", "low", "high", "urgent"], [85, 5, 8, 2])[0],
                       "last_inbound_at": c.get("last_in"), "last_message_at": c["last"],
                       "unread_count": r.randrange(4) if status == "open" else 0, "snoozed_until": snoozed,
                       "created_at": c["start"], "updated_at": c["last"],
                       "team_id": r.choice(self.teams[ws]) if r.random() < 0.5 else None}

    def label_rows(self) -> Iterator[dict[str, Any]]:
        lid = 0
        for c in self.convs:
            if self.rng.random() < 0.2:
                for label in self.rng.sample(self.labels[c["workspace_id"]], self.rng.choice([1, 1, 2])):
                    lid += 1
                    yield {"id": lid, "conversation_id": c["id"], "label_id": label}

    def message_rows(self, sched: list[tuple[datetime, int, bool]]) -> Iterator[dict[str, Any]]:
        r = self.rng
        names = {c["id"]: c["name"].split()[0] for c in self.contacts}
        langs = {c["id"]: c["language"] for c in self.contacts}
        for mid, (at, idx, inbound) in enumerate(sched, start=1):
            c = self.convs[idx]
            kind = r.choices(["text", "image", "note", "template", "location"], [86, 8, 3, 2, 1])[0]
            if inbound and kind in ("note", "template"):
                kind = "text"
            body = self._text(r, inbound, kind, names[c["contact_id"]], langs[c["contact_id"]])
            out_status = r.choices(["read", "delivered", "sent", "failed"], [70, 20, 8, 2])[0]
            status = "received" if inbound else ("note" if kind == "note" else out_status)
            yield {
                "id": mid, "workspace_id": c["workspace_id"], "conversation_id": c["id"], "channel_id": c["channel_id"],
                "direction": "in" if inbound else "out",
                "author_type": "contact" if inbound else r.choices(["agent", "bot"], [85, 15])[0],
                "author_id": None if inbound else r.choice(self.users[c["workspace_id"]]),
                "type": kind, "text": body, "content": self._content(kind, body),
                "provider_message_id": None if kind == "note" else f"wamid.HBgL{mid:012x}{r.getrandbits(32):08x}",
                "reply_to_id": None, "status": status,
                "error_code": 131026 if status == "failed" else None,
                "error_title": "Message undeliverable" if status == "failed" else None, "error_detail": None,
                "cost_category": None if inbound or kind == "note" else "service",
                "sent_at": None if inbound or kind == "note" else at, "created_at": at, "updated_at": at}

    @staticmethod
    def _text(r: random.Random, inbound: bool, kind: str, name: str, lang: str) -> str | None:
        code = f"#{r.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{r.randrange(10**5):05d}"
        if kind == "location":
            return None
        if kind == "image":
            return r.choice([None, None, "see photo", "zie foto", "Foto vom Paket"])
        if kind == "note":
            return r.choice(["Customer is a VIP, be nice", f"Escalated {code} to logistics",
                             "Called them, no answer", "Refund approved by finance"])
        if not inbound:
            return r.choice(AGENT_REPLIES).format(name=name, code=code)
        pool = PHRASES.get(lang, PHRASES["en"])
        parts = [r.choice(pool) for _ in range(r.choice([1, 1, 1, 2, 3]))]
        if r.random() < 0.15:
            parts.append(f"Order number {code}")
        if r.random() < 0.05:  # the occasional long message
            parts.extend(r.choice(pool) for _ in range(8))
        return " ".join(parts)

    @staticmethod
    def _content(kind: str, body: str | None) -> dict[str, Any]:
        """The typed content (channels/content.py) the column holds for this kind of message."""
        if kind == "image":
            return {"type": "image", "provider_media_id": "media-1", "mime_type": "image/jpeg", "caption": body}
        if kind == "location":
            return {"type": "location", "latitude": 52.37, "longitude": 4.89, "name": "Amsterdam"}
        if kind == "template":
            return {"type": "template", "name": "order_update", "language": "en"}
        if kind == "note":
            return {"type": "note"}
        return {"type": "text", "body": body}


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def insert(conn: AsyncConnection, table: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> int:
    t = Base.metadata.tables[table]
    columns = set(t.c.keys())
    n = 0
    for batch in batches(iter(rows)):
        extra = set(batch[0]) - columns
        if extra:
            raise KeyError(f"{table}: no such columns {extra}")
        await conn.execute(t.insert(), batch)
        n += len(batch)
    return n


async def _without_search_triggers(conn: AsyncConnection) -> list[str]:
    """Turn off the triggers that feed the search row by row: a bulk load indexes everything
    at once afterwards, many times faster. SQLite: the FTS5 index's (migration 0025), dropped
    and made again; PostgreSQL: the conversations' trigram bits (0026), disabled (each message
    would update its conversation's row once more)."""
    if conn.dialect.name != "sqlite":
        await conn.execute(text("ALTER TABLE messages DISABLE TRIGGER messages_search_bits"))
        return []
    rows = (await conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages'"))).all()
    for name, _ in rows:
        await conn.execute(text(f"DROP TRIGGER {name}"))
    return [sql for _, sql in rows]


async def _rebuild_search_index(conn: AsyncConnection, triggers: list[str]) -> None:
    if conn.dialect.name != "sqlite":
        await conn.execute(text("SELECT chatdesk_rebuild_search_bits()"))
        await conn.execute(text("ALTER TABLE messages ENABLE TRIGGER messages_search_bits"))
        return
    await conn.execute(text("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')"))
    for sql in triggers:
        await conn.execute(text(sql))


async def seed(url: str, data: Data) -> dict[str, int]:
    engine = create_async_engine(url)
    if url.startswith("sqlite"):
        @event.listens_for(engine.sync_engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-262144"):
                dbapi_conn.execute(f"PRAGMA {pragma}")
    counts: dict[str, int] = {}
    try:
        async with engine.begin() as conn:
            for table, rows in data.fixed().items():
                counts[table] = await insert(conn, table, rows)
            data.make_contacts()
            counts["contacts"] = await insert(conn, "contacts", data.contact_rows())
            counts["contact_identities"] = await insert(conn, "contact_identities", data.identity_rows())
            data.make_conversations()
            sched = data.message_schedule()
            counts["conversations"] = await insert(conn, "conversations", data.conversation_rows())
            counts["conversation_labels"] = await insert(conn, "conversation_labels", data.label_rows())
            triggers = await _without_search_triggers(conn)
            counts["messages"] = await insert(conn, "messages", data.message_rows(sched))
            await _rebuild_search_index(conn, triggers)
            if engine.dialect.name == "postgresql":
                for table in counts:
                    await conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        if engine.dialect.name == "postgresql":
            # planner statistics and the visibility map, as autovacuum keeps them on a live server
            # (chatdesk never runs ANALYZE on SQLite, so SQLite plans without sqlite_stat1)
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return counts


def main() -> None:
    args = args_parser().parse_args()
    url = database_url(args)
    print(f"seeding {url}")
    start = time.perf_counter()
    upgrade(url)
    migrated = time.perf_counter()
    counts = asyncio.run(seed(url, Data(args.conversations, args.messages, args.seed)))
    refresh_statistics(url)  # what the next `chatdesk serve` start does (SQLite's ANALYZE)
    done = time.perf_counter()
    print("  " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    print(f"  migrations {migrated - start:.1f} s, rows {done - migrated:.1f} s, total {done - start:.1f} s")
    print(f"database: {url}")


if __name__ == "__main__":
    main()
