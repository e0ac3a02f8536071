"""The contact panel's merge tools over HTTP: the "Merge with…" picker finds the other contact,
the confirmation names both, the merge opens the conversation again with both identities (each
with "Split off"), the timeline shows the merge, and a split restores the other contact. A
suggestion can be dismissed; another workspace's contact is a 404."""
from __future__ import annotations

from sqlalchemy import select

from chatdesk.contacts.identities import IdentityChannel, Sender, resolve_identities
from chatdesk.contacts.models import ContactIdentity, MergeSuggestion
from tests.inbox.conftest import conversation_of, other_workspace

WS = "/w/test-shop"


async def _contact(stack, conv_id: int) -> int:
    return (await stack.api.get(f"/api/v1/conversations/{conv_id}")).json()["contact"]["id"]


async def test_merge_from_the_panel_then_split_off(stack, owner):
    noor_conv = await conversation_of(stack, "31600000301", "Hoi", name="Noor Panel")
    sam_conv = await conversation_of(stack, "31600000302", "Hallo", name="Sam Panel")
    noor, sam = await _contact(stack, noor_conv), await _contact(stack, sam_conv)
    page = await owner.get(f"{WS}/c/{noor_conv}")
    assert f'/contacts/{noor}/panel?c={noor_conv}' in page.text and "Split off" not in page.text
    picked = await owner.get(f"{WS}/contacts/{noor}/panel/merge", params={"q": "Sam Pan", "c": noor_conv})
    assert "Sam Panel" in picked.text and f'data-contact="{noor}"' not in picked.text
    confirm = await owner.get(f"{WS}/contacts/{noor}/panel/merge/{sam}", params={"c": noor_conv})
    assert "Merge Sam Panel into Noor Panel?" in confirm.text

    done = await owner.post(f"{WS}/contacts/{noor}/panel/merge/{sam}?c={noor_conv}")
    assert done.status_code == 204 and done.headers["HX-Redirect"] == f"{WS}/c/{noor_conv}"
    page = await owner.get(f"{WS}/c/{noor_conv}")
    # each customer's ids (a number and a user id) split off together: a button on every row
    assert "31600000302" in page.text and page.text.count("Split off</button>") == 4
    links = await owner.get(f"{WS}/contacts/{noor}/panel", params={"c": noor_conv})
    assert "Merged with Sam Panel" in links.text and f"#{sam_conv}" in links.text
    assert (await owner.get(f"{WS}/contacts/{sam}/panel")).status_code == 404

    async with stack.rt.db.reader() as s:
        ident = (await s.scalars(select(ContactIdentity.id).where(ContactIdentity.external_id == "31600000302"))).one()
    split = await owner.post(f"{WS}/contacts/{noor}/panel/identities/{ident}/unmerge?c={noor_conv}")
    assert split.status_code == 204
    assert await _contact(stack, sam_conv) == sam and await _contact(stack, noor_conv) == noor
    assert "Split off from contact" in (await owner.get(f"{WS}/contacts/{sam}/panel")).text


async def test_a_suggestion_is_shown_and_dismissed(stack, owner):
    conv = await conversation_of(stack, "31600000303", "Hoi", name="Vera Hint")
    vera = await _contact(stack, conv)
    async with stack.rt.db.session() as s:
        found = await resolve_identities(s, channel=IdentityChannel(stack.channel_id, stack.workspace_id, "webchat",
                                                                    "channel"),
                                         senders=[Sender("visitor-9", "Vera Hint", "+31600000303")],
                                         now=stack.clock.now())
        visitor = found["visitor-9"].id
    links = await owner.get(f"{WS}/contacts/{vera}/panel", params={"c": conv})
    assert "Possibly the same customer as Vera Hint" in links.text
    async with stack.rt.db.reader() as s:
        hint = (await s.scalars(select(MergeSuggestion.id).where(MergeSuggestion.contact_id == visitor))).one()
    after = await owner.post(f"{WS}/contacts/{vera}/panel/suggestions/{hint}/dismiss?c={conv}")
    assert after.status_code == 200 and "Possibly the same customer" not in after.text


async def test_another_workspaces_contact_is_not_found(stack, owner):
    conv = await conversation_of(stack, "31600000304", "Hoi", name="Own Customer")
    mine = await _contact(stack, conv)
    other = await other_workspace(stack)
    async with stack.rt.db.session() as s:
        found = await resolve_identities(s, channel=IdentityChannel(stack.channel_id, other, "webchat", "channel"),
                                         senders=[Sender("visitor-x", "Stranger", None)], now=stack.clock.now())
        stranger = found["visitor-x"].id
    assert (await owner.get(f"{WS}/contacts/{stranger}/panel")).status_code == 404
    assert (await owner.post(f"{WS}/contacts/{mine}/panel/merge/{stranger}")).status_code == 404
