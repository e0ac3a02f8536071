"""CSV import and export: normalised phones or rejected rows with line numbers, matching
instead of duplicating, batches, and a round trip through export."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from chatdesk.accounts.models import Workspace
from chatdesk.contacts import csv_io
from chatdesk.contacts.models import Contact

FILE = """name,phone,email,labels,language,tier
Robin Vale,06 1200 0444,robin@example.com,vip;newsletter,nl,gold
Ann,+44 20 7946 0958,,,en,
Bad Phone,12,,,,
,,,vip,en,
Bo,,BO@example.com,newsletter,,silver
Robin Again,+31612000444,,,,
Wrong Tier,,x@example.com,,,bronze
Bad Mail,,not-an-email,,,
"""


async def _setup(stack, region: str | None = "NL") -> None:
    async with stack.rt.db.session() as s:
        (await s.get(Workspace, stack.workspace_id)).default_region = region
    resp = await stack.api.post("/api/v1/contact-attributes", json={"key": "tier", "type": "choice",
                                                                    "choices": ["gold", "silver"]})
    assert resp.status_code == 201


async def _import(stack, text: str, batch: int = 500) -> tuple[csv_io.Report, list[tuple[int, str]], list[int]]:
    rejects: list[tuple[int, str]] = []
    seen: list[int] = []
    report = await csv_io.import_csv(stack.rt.db, stack.workspace_id, io.StringIO(text), now=stack.clock.now(),
                                     reject=lambda line, why: rejects.append((line, why)),
                                     progress=lambda r: seen.append(r.rows), batch=batch)
    return report, rejects, seen


async def _contacts(stack) -> list[Contact]:
    async with stack.rt.db.reader() as s:
        return list((await s.execute(select(Contact).where(Contact.workspace_id == stack.workspace_id)
                                     .order_by(Contact.id))).scalars())


async def test_import_normalises_matches_and_reports_every_rejected_row(bare):
    await _setup(bare)
    report, rejects, _ = await _import(bare, FILE)
    assert [line for line, _ in rejects] == [4, 5, 8, 9]
    assert "phone" in rejects[0][1] and "tier" in rejects[2][1] and "email" in rejects[3][1]
    # "Robin Again" is the same number in another format: it matches, it adds nobody
    assert (report.rows, report.created, report.matched, report.rejected) == (8, 3, 1, 4)
    robin, ann, bo = await _contacts(bare)
    assert (robin.name, robin.phone, robin.email, robin.language) == \
        ("Robin Again", "+31612000444", "robin@example.com", "nl")
    assert robin.attributes == {"tier": "gold"} and ann.phone == "+442079460958"
    assert bo.email == "bo@example.com"
    listed = (await bare.api.get("/api/v1/contacts", params={"label": "newsletter"})).json()["items"]
    assert sorted(i["name"] for i in listed) == ["Bo", "Robin Again"]


async def test_importing_the_same_file_twice_adds_nobody(bare):
    await _setup(bare)
    await _import(bare, FILE)
    before = [(c.id, c.name, c.phone, c.email) for c in await _contacts(bare)]
    report, _, _ = await _import(bare, FILE)
    assert report.created == 0 and report.matched == 4
    assert [(c.id, c.name, c.phone, c.email) for c in await _contacts(bare)] == before


async def test_an_existing_whatsapp_contact_is_matched_by_number(bare):
    await _setup(bare)
    async with bare.rt.db.session() as s:
        s.add(Contact(workspace_id=bare.workspace_id, name="From WhatsApp", phone="31612000444", attributes={},
                      created_at=bare.clock.now(), updated_at=bare.clock.now()))
    report, _, _ = await _import(bare, "name,phone\nRobin,0612000444\n")
    (only,) = await _contacts(bare)
    assert report.matched == 1 and only.phone == "31612000444" and only.name == "Robin"


async def test_without_a_region_a_national_number_is_rejected_not_guessed(bare):
    await _setup(bare, region=None)
    report, rejects, _ = await _import(bare, "name,phone\nRobin,0612000444\nAnn,+31612000555\n")
    assert report.created == 1 and [line for line, _ in rejects] == [2]


async def test_rows_are_written_in_batches_of_the_given_size(bare):
    await _setup(bare)
    rows = "".join(f"P{i},+3161200{i:04d},,,,\n" for i in range(7))
    report, _, seen = await _import(bare, "name,phone,email,labels,language,tier\n" + rows, batch=3)
    assert report.created == 7 and seen == [3, 6, 7]
    async with bare.rt.db.reader() as s:
        assert (await s.execute(select(func.count()).select_from(Contact))).scalar_one() == 7


@pytest.mark.parametrize(("text", "why"), [("", "empty"), ("foo,bar\n1,2\n", "no name, phone or email"),
                                           ("name,shoe\nA,1\n", "unknown column")])
async def test_a_file_that_is_no_contacts_csv_is_refused_whole(bare, text, why):
    await _setup(bare)
    with pytest.raises(csv_io.BadFile, match=why):
        await _import(bare, text)


async def test_export_round_trips(bare):
    await _setup(bare)
    await _import(bare, FILE)
    chunks = [c async for c, _ in csv_io.export_csv(bare.rt.db, bare.workspace_id, batch=2)]
    text = "".join(chunks)
    assert text.splitlines()[0] == "name,phone,email,labels,language,tier"
    assert "Robin Again,+31612000444,robin@example.com,newsletter;vip,nl,gold" in text
    assert len(chunks) == 3  # the header, then pages of two
    report, rejects, _ = await _import(bare, text)
    assert report.created == 0 and report.matched == 3 and rejects == []
