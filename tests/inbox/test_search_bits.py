"""PostgreSQL's conversation trigram bits (migration 0026): the search walk reads the messages of
only the conversations whose bits hold all of the term's, so a conversation that has the term
must always have them, whichever way its message came in, and whatever the text."""
from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import text

from chatdesk.conversations import inbox_search
from chatdesk.core.folding import fold
from tests.inbox.conftest import conversation_of
from tests.pg import is_postgres

WS = "/w/test-shop"


@pytest.fixture(autouse=True)
def _postgres_only(stack):
    if not is_postgres(stack.settings.db_url):
        pytest.skip("PostgreSQL only: SQLite's walk tests its FTS5 index's hits instead")


def _texts(rng: random.Random, n: int) -> list[str]:
    """Texts of the kinds customers write: several scripts, accents (composed and combining),
    emoji, digits, punctuation, runs of spaces."""
    alphabet = ("abcdefghijklmnopqrstuvwxyz ÄÖÜäöüßéèçñışğ  0123456789#?!.,-'\"%_ "
                "абвгдежзийклмн αβγδε 日本語のテキスト مرحبا 😀🛒📦 e\u0301o\u0308")
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 120))) for _ in range(n)]


async def test_every_piece_of_a_text_has_its_bits_in_the_texts(stack):
    """No false negatives: for any text and any part of it of three or more characters, the
    part's bits are a subset of the text's."""
    rng = random.Random(16)
    keys = [key for key in map(fold, _texts(rng, 400)) if len(key) >= 3]
    parts = []
    for key in keys:
        start = rng.randrange(0, len(key) - 2)
        parts.append(key[start:start + rng.randint(3, min(12, len(key) - start))])
    async with stack.rt.db.reader() as session:
        missing = (await session.execute(text(
            "SELECT t, p FROM unnest(CAST(:texts AS text[]), CAST(:parts AS text[])) AS x(t, p) "
            "WHERE (chatdesk_trigram_bits(t) & chatdesk_trigram_bits(p)) <> chatdesk_trigram_bits(p)"),
            {"texts": keys, "parts": parts})).all()
        absent = (await session.execute(text(
            "SELECT count(*) FROM unnest(CAST(:texts AS text[])) AS t WHERE "
            "(chatdesk_trigram_bits(t) & chatdesk_trigram_bits('xylophone')) = chatdesk_trigram_bits('xylophone')"),
            {"texts": keys})).scalar_one()
    assert missing == []
    assert absent < 10  # and they do tell: few of 400 random texts could hold "xylophone"'s pieces


async def _bits_hold_every_text(stack, conversation_id: int) -> bool:
    async with stack.rt.db.reader() as session:
        return (await session.execute(text(
            "SELECT bool_and((c.search_bits & chatdesk_trigram_bits(m.text_key)) = chatdesk_trigram_bits(m.text_key)) "
            "FROM conversations c JOIN messages m ON m.conversation_id = c.id "
            "WHERE c.id = :c AND m.text_key IS NOT NULL"), {"c": conversation_id})).scalar_one()


async def test_customer_messages_agent_replies_and_notes_all_set_their_bits(stack, owner, monkeypatch):
    cid = await conversation_of(stack, "31600000301", "Waar blijft mijn pakket?", name="Pim Jansen")
    for mode, words in (("reply", "Uw zending is onderweg"), ("note", "Klant belt morgen terug")):
        sent = await owner.post(f"{WS}/c/{cid}/messages", {"text": words, "mode": mode})
        assert sent.status_code == 200, sent.text
    await conversation_of(stack, "31600000302", "Ander onderwerp", name="Ria Bakker")
    assert await _bits_hold_every_text(stack, cid)

    monkeypatch.setattr(inbox_search, "LISTED", 0)  # every term with hits is walked, bits first
    for term in ("pakket", "zending is", "morgen", "ONDERWEG"):
        async with stack.rt.db.reader() as session:
            assert (await inbox_search.plan(session, stack.workspace_id, term)).capped
        html = (await owner.get(f"{WS}/", params={"q": term})).text
        assert "Pim Jansen" in html and "Ria Bakker" not in html, term


async def test_an_edited_text_and_a_moved_message_set_the_bits_of_their_conversation(stack):
    first = await conversation_of(stack, "31600000311", "Eerste bericht", name="Eva Een")
    second = await conversation_of(stack, "31600000312", "Tweede bericht", name="Tom Twee")
    async with stack.rt.db.session() as session:
        await session.execute(text("UPDATE messages SET text = 'gewijzigd: retourlabel', "
                                   "text_key = 'gewijzigd: retourlabel' WHERE conversation_id = :c"), {"c": first})
        await session.execute(text("UPDATE messages SET conversation_id = :to WHERE conversation_id = :c"),
                              {"c": second, "to": first})
    assert await _bits_hold_every_text(stack, first)
    async with stack.rt.db.reader() as session:
        holds = (await session.execute(text(
            "SELECT (search_bits & chatdesk_trigram_bits(:t)) = chatdesk_trigram_bits(:t) FROM conversations "
            "WHERE id = :c"), {"c": first, "t": "retourlabel"})).scalar_one()
    assert holds


async def test_the_walk_skips_conversations_whose_bits_cannot_match(stack, owner, monkeypatch):
    """The plan of a dense term on PostgreSQL filters by the bits before reading messages: a
    conversation whose bits were cleared by hand is no longer read, so not found (the filter is
    in the statement, not decoration)."""
    cid = await conversation_of(stack, "31600000321", "Mijn factuur klopt niet", name="Fien de Vries")
    monkeypatch.setattr(inbox_search, "LISTED", 0)
    assert "Fien de Vries" in (await owner.get(f"{WS}/", params={"q": "factuur"})).text
    async with stack.rt.db.session() as session:
        await session.execute(text("UPDATE conversations SET search_bits = repeat('0', 1024)::bit(1024) "
                                   "WHERE id = :c"), {"c": cid})
    html = (await owner.get(f"{WS}/", params={"q": "factuur"})).text
    assert "Fien de Vries" not in html and re.search(r'id="count-all">0<', html)
    async with stack.rt.db.session() as session:
        await session.execute(text("SELECT chatdesk_rebuild_search_bits(CAST(:ids AS bigint[]))"), {"ids": [cid]})
    assert "Fien de Vries" in (await owner.get(f"{WS}/", params={"q": "factuur"})).text
