"""One customer across channels: a verified identity joins its contact, weaker matches are
suggested, merge moves everything and unmerge restores it, and the timeline pages through
conversations and events. The web chat side is driven at the identity level (a channel whose ids
are scoped to it, with a visitor whose site vouched for their phone): the rule is channel-agnostic."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from chatdesk.contacts import consent
from chatdesk.contacts.identities import IdentityChannel, Sender, resolve_identities
from chatdesk.contacts.models import Contact, ContactIdentity
from chatdesk.conversations import service as conversations
from chatdesk.conversations.models import Conversation
from chatdesk.core.events import latest_id, read_after
from tests.contacts.test_identities import second_number
from tests.conversations.test_ingest import text_webhook
from tests.inbox.conftest import other_workspace

NOOR, SAM = "31612000001", "31612000002"


async def _writes(stack, wa_id: str, name: str, wamid: str, text: str = "hoi") -> None:
    await stack.webhook(text_webhook(wa_id, name, wamid, int(stack.clock.now().timestamp()), text))
    await stack.drain()


async def _contact_of(stack, wa_id: str) -> int:
    return next(c["contact"]["id"] for c in await stack.conversations() if c["contact"]["phone"] == f"+{wa_id}")


async def _visitor_writes(stack, channel_id: int, visitor: Sender) -> tuple[int, int]:
    """A web chat visitor starts a conversation: (contact id, conversation id)."""
    async with stack.rt.db.session() as s:
        found = await resolve_identities(s, channel=IdentityChannel(channel_id, stack.workspace_id, "webchat",
                                                                    "channel"),
                                         senders=[visitor], now=stack.clock.now())
        contact = found[visitor.external_id]
        conv = await conversations.current_conversation(s, workspace_id=stack.workspace_id, channel_id=channel_id,
                                                        contact_id=contact.id, now=stack.clock.now())
        return contact.id, conv.id


async def _timeline(stack, contact_id: int, **params) -> dict:
    resp = await stack.api.get(f"/api/v1/contacts/{contact_id}/timeline", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _status(stack, conv_id: int) -> str:
    async with stack.rt.db.reader() as s:
        return (await s.get(Conversation, conv_id)).status


async def _convs_of(stack, contact_id: int) -> set[int]:
    async with stack.rt.db.reader() as s:
        return set((await s.scalars(select(Conversation.id).where(Conversation.contact_id == contact_id))).all())


async def test_a_whatsapp_customer_on_a_verified_web_chat_is_one_contact_on_one_timeline(bare):
    await _writes(bare, NOOR, "Noor", "wamid.J1")
    noor = await _contact_of(bare, NOOR)
    web = await second_number(bare)
    bare.clock.advance(minutes=5)
    contact, web_conv = await _visitor_writes(bare, web, Sender("visitor-1", "Noor J", "+31 6 1200 0001",
                                                                email="Noor@Example.com", verified=True))
    assert contact == noor
    shown = (await bare.api.get(f"/api/v1/contacts/{noor}")).json()
    assert [(i["channel"], i["external_id"], i["verified"]) for i in shown["identities"]] == \
        [("whatsapp", NOOR, True), ("webchat", "visitor-1", True)]
    assert {"id", "channel_id", "display", "created_at"} <= set(shown["identities"][1])
    items = (await _timeline(bare, noor))["items"]
    assert [(i["type"], i["kind"]) for i in items] == [("conversation", "conversation"), ("event", "identity_joined"),
                                                       ("conversation", "conversation")]
    assert items[0]["id"] == web_conv and items[2]["data"]["preview"] == "hoi"
    assert len(await bare.conversations()) == 2


async def test_an_unverified_visitor_with_the_same_phone_is_only_a_suggestion(bare):
    await _writes(bare, NOOR, "Noor", "wamid.S1")
    noor = await _contact_of(bare, NOOR)
    web = await second_number(bare)
    visitor, _ = await _visitor_writes(bare, web, Sender("visitor-2", "Noor", "+31612000001"))
    assert visitor != noor
    for mine, theirs in ((visitor, noor), (noor, visitor)):
        found = (await bare.api.get(f"/api/v1/contacts/{mine}/suggestions")).json()
        assert [(s["contact_id"], s["reason"]) for s in found] == [(theirs, "phone")]
    resp = await bare.api.post(f"/api/v1/contacts/{noor}/suggestions/{found[0]['id']}/dismiss")
    assert resp.status_code == 204
    assert (await bare.api.get(f"/api/v1/contacts/{visitor}/suggestions")).json() == []


async def test_a_verified_phone_never_joins_a_contact_of_another_workspace(bare):
    await _writes(bare, NOOR, "Noor", "wamid.W1")
    other_ws = await other_workspace(bare)
    async with bare.rt.db.session() as s:
        found = await resolve_identities(
            s, channel=IdentityChannel(bare.channel_id, other_ws, "webchat", "channel"),
            senders=[Sender("visitor-3", "Noor", f"+{NOOR}", verified=True)], now=bare.clock.now())
        assert found["visitor-3"].workspace_id == other_ws
        assert found["visitor-3"].id != await _contact_of(bare, NOOR)


async def test_merge_then_unmerge_restores_both_contacts_conversations(bare):
    await _writes(bare, NOOR, "Noor", "wamid.M1")
    await _writes(bare, SAM, "Sam", "wamid.M2")
    noor, sam = await _contact_of(bare, NOOR), await _contact_of(bare, SAM)
    noor_convs, sam_convs = await _convs_of(bare, noor), await _convs_of(bare, sam)
    async with bare.rt.db.session() as s:
        (await s.get(Contact, noor)).attributes = {"tier": "gold"}
        (await s.get(Contact, sam)).attributes = {"tier": "silver", "city": "Utrecht"}
        (await s.get(Contact, sam)).email = "sam@example.com"
        await consent.record(s, workspace_id=bare.workspace_id, contact_id=sam, channel_id=bare.channel_id,
                             entry=consent.Record("marketing", "opted_in", "api"), now=bare.clock.now())
    async with bare.rt.db.reader() as s:
        cursor = await latest_id(s, bare.workspace_id)

    resp = await bare.api.post(f"/api/v1/contacts/{noor}/merge", json={"contact_id": sam})
    assert resp.status_code == 200, resp.text
    kept = resp.json()
    assert [i["external_id"] for i in kept["identities"]] == [NOOR, SAM]
    assert kept["attributes"] == {"tier": "gold", "city": "Utrecht"} and kept["email"] == "sam@example.com"
    assert await _convs_of(bare, noor) == noor_convs | sam_convs and await _convs_of(bare, sam) == set()
    assert [e["channel_id"] for e in (await bare.api.get(f"/api/v1/contacts/{noor}/consents")).json()["items"]] \
        == [bare.channel_id]
    gone = await bare.api.get(f"/api/v1/contacts/{sam}")
    assert gone.status_code == 404 and gone.json()["code"] == "contact_merged" and gone.json()["merged_into_id"] == noor
    assert sam not in [c["id"] for c in (await bare.api.get("/api/v1/contacts")).json()["items"]]
    merged = next(i for i in (await _timeline(bare, noor))["items"] if i["kind"] == "merged")
    assert merged["data"]["attributes_kept_from_other"] == {"tier": "silver"} and merged["actor"] == "api"
    # one open conversation per contact and channel: the moved one was resolved, and says so
    (sam_conv,) = sam_convs
    assert await _status(bare, sam_conv) == "resolved" and merged["data"]["resolved_conversation_ids"] == [sam_conv]
    async with bare.rt.db.reader() as s:
        told = await read_after(s, bare.workspace_id, cursor, 1000)
    assert {(e["type"], e.get("conversation_id"), e.get("contact_id")) for e in told} >= {
        ("conversation.updated", next(iter(sam_convs)), noor), ("contact.updated", None, noor),
        ("contact.updated", None, sam)}

    sam_ident = next(i["id"] for i in kept["identities"] if i["external_id"] == SAM)
    resp = await bare.api.post(f"/api/v1/contacts/{noor}/unmerge", json={"identity_id": sam_ident})
    assert resp.status_code == 200, resp.text
    assert resp.json()["split"]["id"] == sam and resp.json()["contact"]["id"] == noor
    assert await _convs_of(bare, noor) == noor_convs and await _convs_of(bare, sam) == sam_convs
    assert await _status(bare, sam_conv) == "open"  # reopened as the merge found it
    assert (await bare.api.get(f"/api/v1/contacts/{sam}")).status_code == 200
    assert "unmerged" in [i["kind"] for i in (await _timeline(bare, noor))["items"]]
    assert "unmerged_from" in [i["kind"] for i in (await _timeline(bare, sam))["items"]]


async def test_bad_merges_and_unmerges_are_problems(bare):
    await _writes(bare, NOOR, "Noor", "wamid.P1")
    noor = await _contact_of(bare, NOOR)
    same = await bare.api.post(f"/api/v1/contacts/{noor}/merge", json={"contact_id": noor})
    assert (same.status_code, same.json()["code"]) == (422, "merge_same_contact")
    other_ws = await other_workspace(bare)
    async with bare.rt.db.session() as s:
        stranger = Contact(workspace_id=other_ws, name="X", attributes={}, created_at=bare.clock.now(),
                           updated_at=bare.clock.now())
        s.add(stranger)
        await s.flush()
        stranger_id = stranger.id
        ident = (await s.scalars(select(ContactIdentity.id).where(ContactIdentity.contact_id == noor))).one()
    assert (await bare.api.post(f"/api/v1/contacts/{noor}/merge", json={"contact_id": stranger_id})).status_code == 404
    assert (await bare.api.post(f"/api/v1/contacts/{stranger_id}/merge", json={"contact_id": noor})).status_code == 404
    assert (await bare.api.post(f"/api/v1/contacts/{noor}/unmerge", json={"identity_id": 999_999})).status_code == 404
    only = await bare.api.post(f"/api/v1/contacts/{noor}/unmerge", json={"identity_id": ident})
    assert (only.status_code, only.json()["code"]) == (422, "last_identity")
    bad = await bare.api.get(f"/api/v1/contacts/{noor}/timeline", params={"cursor": "nonsense"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")


async def test_the_timeline_pages_newest_first_without_gaps_or_repeats(bare):
    from chatdesk.contacts.timeline import record_contact_event

    await _writes(bare, NOOR, "Noor", "wamid.T1")
    noor = await _contact_of(bare, NOOR)
    async with bare.rt.db.session() as s:
        for n in range(5):
            await record_contact_event(s, noor, "attribute_changed", {"n": n}, "user:1",
                                       at=bare.clock.now() + timedelta(minutes=n))
        # two more on the same instant as the first and the conversation's start: ties are ordered too
        for n in (5, 6):
            await record_contact_event(s, noor, "attribute_changed", {"n": n}, None, at=bare.clock.now())
    seen, cursor = [], None
    while True:
        got = await _timeline(bare, noor, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [(i["type"], i["id"], i["at"]) for i in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 8
    assert [at for _, _, at in seen] == sorted((at for _, _, at in seen), reverse=True)
    # on the same instant: the conversation above the events, those newest first
    assert [t for t, _, _ in seen[-4:]] == ["conversation", "event", "event", "event"]
    assert [i for _, i, _ in seen[-3:]] == sorted((i for _, i, _ in seen[-3:]), reverse=True)
    everything = (await _timeline(bare, noor, limit=100))["items"]
    assert [(i["type"], i["id"], i["at"]) for i in everything] == seen
