"""The inbox search answers a term the same way whichever plan it takes: collected from the
index for a term in few messages, checked conversation by conversation for one in many, whose
counts then stop at a cap and say so ("2+")."""
from __future__ import annotations

import re

import pytest

from chatdesk.conversations import inbox_search
from tests.inbox.conftest import conversation_of

WS = "/w/test-shop"
CUSTOMERS = [("31600000101", "Waar blijft mijn bestelling?", "Anna Eén"),
             ("31600000102", "Mijn BESTELLING is beschadigd", "Bram Twee"),
             ("31600000103", "De béstelling klopt niet", "Cees Drie"),
             ("31600000104", "bestelling 4471 graag annuleren", "Dirk Vier"),
             ("31600000105", "Hallo, een vraag over de factuur", "Els Vijf")]


def _count(html: str, view: str) -> str:
    found = re.search(rf'id="count-{view}">([^<]*)<', html)
    assert found, f"no count for {view}"
    return found.group(1)


@pytest.fixture
async def customers(stack):
    for wa_id, text, name in CUSTOMERS:
        await conversation_of(stack, wa_id, text, name=name)


async def test_a_term_in_few_messages_is_listed_and_counted_exactly(stack, owner, customers):
    html = (await owner.get(f"{WS}/", params={"q": "bestelling"})).text
    assert all(name in html for _, _, name in CUSTOMERS[:4]) and "Els Vijf" not in html
    assert _count(html, "all") == "4" and _count(html, "unassigned") == "4" and _count(html, "mine") == "0"


async def test_a_term_in_many_messages_lists_every_match_and_caps_its_counts(stack, owner, customers, monkeypatch):
    monkeypatch.setattr(inbox_search, "LISTED", 2)  # "many" = more than 2 messages, here
    monkeypatch.setattr(inbox_search, "COUNT_CAP", 2)
    html = (await owner.get(f"{WS}/", params={"q": "bestelling"})).text
    assert all(name in html for _, _, name in CUSTOMERS[:4]) and "Els Vijf" not in html
    assert _count(html, "all") == "2+" and _count(html, "unassigned") == "2+" and _count(html, "mine") == "0+"
    html = (await owner.get(f"{WS}/", params={"q": "klopt"})).text  # still few: exact
    assert "Cees Drie" in html and "Anna Eén" not in html and _count(html, "all") == "1"


async def test_terms_too_short_for_the_index_still_find_their_matches(stack, owner, customers):
    html = (await owner.get(f"{WS}/", params={"q": "ée"})).text  # folded: "ee", in a name and a text
    assert all(n in html for n in ("Anna Eén", "Bram Twee", "Cees Drie", "Els Vijf")) and "Dirk Vier" not in html


@pytest.mark.parametrize("window", [2000, 1])
async def test_a_term_in_many_messages_finds_old_messages_and_names_too(stack, owner, customers, monkeypatch,
                                                                        window):
    """SQLite lists the index's hits for the newest conversations' messages only (``WINDOW``);
    older messages, and a contact's name, still find their conversations."""
    monkeypatch.setattr(inbox_search, "LISTED", 2)
    monkeypatch.setattr(inbox_search, "WINDOW", window)
    await conversation_of(stack, "31600000106", "Goedemiddag", name="Fam. Bestelling")
    await conversation_of(stack, "31600000107", "Tot ziens", name="Gijs Zeven")
    html = (await owner.get(f"{WS}/", params={"q": "bestelling"})).text
    assert all(n in html for n in ("Anna Eén", "Bram Twee", "Cees Drie", "Dirk Vier", "Fam. Bestelling"))
    assert "Els Vijf" not in html and "Gijs Zeven" not in html
    assert _count(html, "all") == "5"


@pytest.mark.parametrize("sort", ["newest", "oldest", "waiting"])
async def test_a_search_answered_by_ids_pages_through_every_match(stack, sort):
    """A name that 115 customers share: the ids plan (their contacts' conversations), paged
    50 at a time by keyset, gives every match once, in the list's order, and nothing else."""
    from chatdesk.conversations import inbox_queries
    from chatdesk.conversations.paging import Sort, cursor_of
    from tests.queues.seed import seed_conversations

    matching = await seed_conversations(stack, 115, prefix="Customer", waiting_every=10)
    await seed_conversations(stack, 5, prefix="Other")
    f = inbox_queries.InboxFilter(view="all", status="all", q="customer", sort=sort).normalised()
    seen, cursor = [], None
    for _ in range(5):
        async with stack.rt.db.reader() as session:
            assert (await inbox_search.plan(session, stack.workspace_id, "customer")).by_ids
            rows = await inbox_queries.inbox_rows(session, stack.workspace_id, f, user_id=0,
                                                  now=stack.clock.now(), limit=50, cursor=cursor)
        seen += [r.conv.id for r in rows]
        if len(rows) < 50:
            break
        cursor = cursor_of(Sort(sort), rows[-1].conv)
    assert sorted(seen) == sorted(matching) and len(seen) == len(set(seen))
    if sort == "newest":
        assert seen == matching[::-1]
    elif sort == "oldest":
        assert seen == matching
    else:
        assert seen[:12] == matching[::10]  # the waiting ones first, longest waiting first


async def test_the_walk_sets_the_planner_for_its_statements_only(stack):
    """PostgreSQL: a dense term's walk must not be planned as "hash every hit first" nor split
    among parallel workers; the settings it changes come back to what they were for the rest of
    the transaction, an operator's own included (one round trip each way)."""
    from sqlalchemy import text

    from tests.pg import is_postgres

    if not is_postgres(stack.settings.db_url):
        pytest.skip("PostgreSQL only: SQLite has no planner settings")

    async def shown(session) -> tuple[str, str, str]:
        return tuple([(await session.execute(text(f"SHOW {name}"))).scalar_one()
                      for name in ("enable_seqscan", "enable_bitmapscan", "max_parallel_workers_per_gather")])

    async with stack.rt.db.reader() as session:
        await session.execute(text("SET LOCAL max_parallel_workers_per_gather = 3"))
        async with inbox_search.planner(session, inbox_search.WALK):
            assert await shown(session) == ("off", "off", "0")
        assert await shown(session) == ("on", "on", "3")
        async with inbox_search.planner(session):
            assert await shown(session) == ("on", "on", "3")
