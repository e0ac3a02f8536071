"""Two workspaces with data: the victim ("Test Shop", the stack's own, with a WhatsApp customer,
a picture, a label, a team, a canned reply and an agent) and the attacker ("Other Shop", an owner,
an agent and an API token of its own). Every victim string carries a marker the attacker's
responses must never contain."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tests.conftest import Stack, settle
from tests.inbox.conftest import Browser, add_member

VICTIM_SLUG, ATTACKER_SLUG = "test-shop", "other-shop"
SECRETS = ("Zebulon Victimson", "VICTIM-ORDER-4711", "VICTIM-PHOTO", "victimlabel", "victimteam",
           "VICTIM-CANNED", "victim.agent@test.shop", "Vera Victimagent", "VICTIM-TEMPLATE", "victim_template")


@dataclass
class Tenants:
    stack: Stack
    ids: dict[str, int] = field(default_factory=dict)       # the victim's ids, by path parameter name
    victim_owner: Browser | None = None
    victim_agent: Browser | None = None
    attacker: Browser | None = None                           # an owner of the other workspace
    attacker_token: str = ""

    def leaks(self, body: str) -> list[str]:
        return [s for s in SECRETS if s.lower() in body.lower()]


async def seed_victim(t: Tenants) -> None:
    stack = t.stack
    await stack.sandbox.post("/_sandbox/customers", json={"wa_id": "31600004711", "name": "Zebulon Victimson"})
    await stack.customer_says("31600004711", type="text", text="VICTIM-ORDER-4711")
    await stack.customer_says("31600004711", type="image", caption="VICTIM-PHOTO")

    async def media_ready():
        convs = await stack.conversations()
        if not convs:
            return None
        msgs = await stack.messages(convs[0]["id"])
        pics = [m for m in msgs if m.get("media_url")]
        return (convs[0], pics[0]) if len(msgs) == 2 and pics else None
    conv, pic = await settle(media_ready)
    t.ids.update(conversation_id=conv["id"], contact_id=conv["contact"]["id"], message_id=pic["id"],
                 channel_id=stack.channel_id)
    t.ids["user_id"] = await add_member(stack, stack.workspace_id, "victim.agent@test.shop", "agent",
                                        "Vera Victimagent")
    await add_member(stack, stack.workspace_id, "victim.owner@test.shop", "owner", "Victim Owner")
    t.victim_owner, t.victim_agent = await _signed_in(stack, "victim.owner@test.shop", VICTIM_SLUG), \
        await _signed_in(stack, "victim.agent@test.shop", VICTIM_SLUG)
    base = f"/w/{VICTIM_SLUG}/settings"
    for path, data in (("labels", {"name": "victimlabel"}), ("teams", {"name": "victimteam"}),
                       ("canned", {"shortcut": "victim", "text": "VICTIM-CANNED"})):
        assert (await t.victim_owner.post(f"{base}/{path}", data)).status_code < 400, path
    t.ids.update(await _settings_ids(stack))
    t.ids["template_id"] = await _victim_template(stack)
    t.ids.update(await _victim_records(stack, t.ids))


async def _victim_template(stack: Stack) -> int:
    """An approved template of the victim's channel (the template picker's routes name it)."""
    from chatdesk.channels.templates import service as templates

    async with stack.rt.db.reader() as s:
        ref = await stack.rt.channels.by_id(s, stack.channel_id)
    assert ref is not None
    item = {"name": "victim_template", "language": "en_US", "status": "APPROVED", "category": "UTILITY",
            "id": "4711000000000001", "components": [{"type": "BODY", "text": "VICTIM-TEMPLATE {{1}} here"}]}
    async with stack.rt.db.session() as s:
        await templates.store(s, ref, [item], stack.clock.now(), complete=False)
        return (await templates.list_templates(s, stack.workspace_id))[0].id


async def _victim_records(stack: Stack, ids: dict[str, int]) -> dict[str, int]:
    """One of everything else a path names (attribute, saved view, import, suggestion, notification,
    identity, a second contact), each the victim's."""
    from chatdesk.contacts.models import AttributeDef, Contact, ContactIdentity, ContactImport, MergeSuggestion
    from chatdesk.conversations.models import SavedView
    from chatdesk.notifications.models import Notification

    now, ws = stack.clock.now(), stack.workspace_id
    async with stack.rt.db.session() as s:
        other = Contact(workspace_id=ws, name="Victim Twin", created_at=now, updated_at=now)
        rows = [AttributeDef(workspace_id=ws, key="victim", label="Victim", type="text", choices=[], created_at=now),
                SavedView(workspace_id=ws, user_id=None, name="victim view", filters={}, created_at=now,
                          updated_at=now),
                ContactImport(workspace_id=ws, filename="victim.csv", path="victim.csv", status="done",
                              created_at=now),
                Notification(workspace_id=ws, user_id=ids["user_id"], kind="assigned",
                             conversation_id=ids["conversation_id"], event_id=1, at=now), other]
        s.add_all(rows)
        await s.flush()
        suggestion = MergeSuggestion(workspace_id=ws, contact_id=other.id, other_id=ids["contact_id"],
                                     reason="phone", status="open", created_at=now)
        s.add(suggestion)
        await s.flush()
        identity = (await s.scalars(select(ContactIdentity.id).where(
            ContactIdentity.contact_id == ids["contact_id"]))).first()
        assert identity is not None
        return {"def_id": rows[0].id, "view_id": rows[1].id, "import_id": rows[2].id,
                "notification_id": rows[3].id, "other_id": other.id, "suggestion_id": suggestion.id,
                "identity_id": identity}


async def _settings_ids(stack: Stack) -> dict[str, int]:
    from chatdesk.conversations.models import CannedResponse, Label
    from chatdesk.teams.models import Team

    async with stack.rt.db.session() as s:
        return {"label_id": (await s.scalars(select(Label.id).where(Label.name == "victimlabel"))).one(),
                "team_id": (await s.scalars(select(Team.id).where(Team.name == "victimteam"))).one(),
                "canned_id": (await s.scalars(select(CannedResponse.id))).one()}


async def _seed_attacker(t: Tenants) -> None:
    from chatdesk.accounts import service as accounts

    stack = t.stack
    async with stack.rt.db.session() as s:
        ws = await accounts.create_workspace(s, "Other Shop", now=stack.clock.now())
        t.attacker_token = await accounts.create_token(s, ws, now=stack.clock.now())
        assert ws.slug == ATTACKER_SLUG
    await add_member(stack, ws.id, "intruder@other.shop", "owner", "Ivan Intruder")
    t.attacker = await _signed_in(stack, "intruder@other.shop", ATTACKER_SLUG)


async def _signed_in(stack: Stack, email: str, slug: str) -> Browser:
    browser = Browser(stack)
    assert (await browser.login(email)).status_code == 303
    await browser.get(f"/w/{slug}/")  # picks up the CSRF token
    return browser


@pytest.fixture
async def tenants(stack: Stack) -> AsyncIterator[Tenants]:
    t = Tenants(stack)
    await seed_victim(t)
    await _seed_attacker(t)
    try:
        yield t
    finally:
        for b in (t.victim_owner, t.victim_agent, t.attacker):
            if b:
                await b.aclose()


async def attacker_conversation(t: Tenants) -> int:
    """A channel and a customer conversation of the attacker's own, to aim body ids from."""
    import json

    from chatdesk.accounts.models import Workspace
    from chatdesk.channels import service as channels
    from tests.conftest import payload

    stack, number = t.stack, "109876543218888"
    async with stack.rt.db.session() as s:
        ws_id = (await s.scalars(select(Workspace.id).where(Workspace.slug == ATTACKER_SLUG))).one()
        await channels.add_channel(
            s, stack.rt.cipher, workspace_id=ws_id, kind="whatsapp", external_id=number, display="15550008888",
            config={"waba_id": "209876543218888", "graph_url": "http://sandbox.test"},
            secrets={"access_token": "t", "app_secret": "attacker-secret", "verify_token": "v"},
            now=stack.clock.now())
    body = json.loads(payload("wa_inbound_text.json"))
    body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = number
    assert (await stack.webhook(json.dumps(body).encode(), secret="attacker-secret")).status_code == 200
    api = {"Authorization": f"Bearer {t.attacker_token}"}

    async def found():
        items = (await stack.api.get("/api/v1/conversations", headers=api)).json()["items"]
        return items[0]["id"] if items else None
    return int(await settle(found))
