"""The contacts page over HTTP: search in any phone format, attribute filter, bulk label,
inline attribute edit, settings page, and an upload imported by the job with its report."""
from __future__ import annotations

from chatdesk.accounts.models import Workspace
from chatdesk.contacts.models import Contact
from tests.conftest import settle
from tests.contacts.test_attributes_api import make_contact as _contact

WS = "/w/test-shop"


async def _attribute(owner, **form) -> None:
    await owner.get(f"{WS}/settings/attributes")
    resp = await owner.post(f"{WS}/settings/attributes", {**form, "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code == 303, resp.text


async def test_search_filter_and_bulk_label(stack, owner):
    await owner.get(f"{WS}/settings/attributes")
    assert (await owner.post(f"{WS}/settings/region", {"region": "nl", "csrf_token": owner.csrf},
                             htmx=False)).status_code == 303
    await _attribute(owner, key="city", label="City", type="text")
    robin = await _contact(stack, "Robin Vale", "31612000444", city="Utrecht")
    ann = await _contact(stack, "Ann Other", "31612000555", city="Delft")
    page = await owner.get(f"{WS}/contacts", params={"q": "06 12 00 04 44"})
    assert "Robin Vale" in page.text and "Ann Other" not in page.text
    page = await owner.get(f"{WS}/contacts", params={"attr.city": "Delft"})
    assert "Ann Other" in page.text and "Robin Vale" not in page.text
    resp = await owner.post(f"{WS}/contacts/bulk-label", {"label": "vip", "contact": [str(robin), str(ann)],
                                                          "csrf_token": owner.csrf, "back": f"{WS}/contacts"},
                            htmx=False)
    assert resp.status_code == 303
    page = await owner.get(f"{WS}/contacts", params={"label": "vip"})
    assert "Robin Vale" in page.text and "Ann Other" in page.text
    bad = await owner.get(f"{WS}/contacts", params={"attr.shoe": "1"})
    assert bad.status_code == 422 and "no such attribute" in bad.text


async def test_attributes_are_edited_inline_and_a_bad_value_is_named(stack, owner):
    await _attribute(owner, key="orders", label="Orders", type="number")
    cid = await _contact(stack, "Robin")
    page = await owner.get(f"{WS}/contacts/{cid}")
    assert 'name="attr.orders"' in page.text
    ok = await owner.post(f"{WS}/contacts/{cid}/attributes", {"attr.orders": "7", "csrf_token": owner.csrf},
                          htmx=False)
    assert ok.status_code == 303
    async with stack.rt.db.reader() as s:
        assert (await s.get(Contact, cid)).attributes == {"orders": 7}
    bad = await owner.post(f"{WS}/contacts/{cid}/attributes", {"attr.orders": "many", "csrf_token": owner.csrf},
                           htmx=False)
    assert bad.status_code == 422 and "orders" in bad.text


async def test_an_uploaded_file_is_imported_by_the_job_with_a_report(stack, owner):
    async with stack.rt.db.session() as s:
        (await s.get(Workspace, stack.workspace_id)).default_region = "NL"
    await owner.get(f"{WS}/contacts")
    csv_text = "name,phone\nRobin,0612000444\nBad,12\n"
    resp = await owner.post(f"{WS}/contacts/import", {"csrf_token": owner.csrf},
                            files={"file": ("people.csv", csv_text.encode(), "text/csv")}, htmx=False)
    assert resp.status_code == 303
    status_url = resp.headers["location"]

    async def finished():
        page = await owner.get(status_url)
        return page if 'data-status="done"' in page.text else None
    page = await settle(finished)
    assert 'id="import-created">1<' in page.text and 'id="import-rejected">1<' in page.text
    report = await owner.get(status_url + "/report.csv")
    assert report.text.splitlines()[0] == "line,reason" and report.text.splitlines()[1].startswith("3,")
    export = await owner.get(f"{WS}/contacts/export.csv")
    assert "Robin,+31612000444" in export.text


async def test_a_reply_from_the_contact_page_goes_out_on_the_channel_last_used(stack, owner):
    from tests.conversations.test_outbound import CUSTOMER, open_conversation

    conv = await open_conversation(stack)
    cid = conv["contact"]["id"]
    page = await owner.get(f"{WS}/contacts/{cid}")
    assert "last used" in page.text
    resp = await owner.post(f"{WS}/contacts/{cid}/reply", {"text": "Sent from the contact page",
                                                           "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code == 303 and resp.headers["location"] == f"{WS}/c/{conv['id']}"

    async def delivered():
        return [m for m in await stack.inbox_of(CUSTOMER)
                if m["type"] == "text" and m["request"]["text"]["body"] == "Sent from the contact page"]
    assert await settle(delivered)
    lonely = await _contact(stack, "Nobody Anywhere")
    refused = await owner.post(f"{WS}/contacts/{lonely}/reply", {"text": "hi", "csrf_token": owner.csrf},
                               htmx=False)
    assert refused.status_code == 422


async def test_the_contact_page_shows_notes_from_every_conversation_and_the_timeline(stack, owner):
    from tests.conversations.test_outbound import open_conversation

    conv = await open_conversation(stack)
    cid = conv["contact"]["id"]
    empty = await owner.get(f"{WS}/contacts/{cid}")
    assert "No notes yet" in empty.text
    note = await owner.post(f"{WS}/c/{conv['id']}/messages", {"text": "Prefers a call after 17:00", "mode": "note"})
    assert note.status_code == 200
    page = await owner.get(f"{WS}/contacts/{cid}")
    notes = page.text.split('id="contact-notes"', 1)[1].split('id="contact-timeline"', 1)[0]
    assert "Prefers a call after 17:00" in notes and f"/c/{conv['id']}" in notes
    timeline = page.text.split('id="contact-timeline"', 1)[1]
    assert f"#{conv['id']}" in timeline  # the conversation is on the timeline
