"""Settings → Channels cannot aim chatdesk at another host (issue 12, defect 3), and a channel
connected there is known to the webhook endpoint at once (defect 4: the secrets cache is
dropped when a channel changes)."""
from __future__ import annotations

from chatdesk.channels.models import Channel

WS = "/w/test-shop"
NUMBER = "555000111222"


async def sandbox_number(stack) -> None:
    await stack.sandbox.post("/_sandbox/numbers", json={"phone_number_id": NUMBER, "waba_id": "42",
                                                        "access_token": "tok-2", "display_phone_number": "15550003333"})


async def test_the_connect_form_has_no_graph_url_and_ignores_one_posted(stack, owner):
    await sandbox_number(stack)
    page = await owner.get(f"{WS}/settings/channels")
    assert 'name="graph_url"' not in page.text
    form = {"kind": "whatsapp", "phone_number_id": NUMBER, "waba_id": "42", "access_token": "tok-2",
            "app_secret": "s", "graph_url": "http://127.0.0.1:6379", "csrf_token": owner.csrf}
    # checked against the operator's Graph API (the sandbox here), not the address posted
    assert (await owner.post(f"{WS}/settings/channels", form, htmx=False)).status_code == 303
    async with stack.rt.db.reader() as s:
        channel = (await s.execute(Channel.__table__.select().where(Channel.external_id == NUMBER))).one()
    assert "graph_url" not in channel.config


async def test_a_channel_connected_in_the_inbox_is_verifiable_at_once(stack, owner):
    await sandbox_number(stack)
    params = {"hub.mode": "subscribe", "hub.verify_token": "not-yet", "hub.challenge": "7"}
    assert (await stack.api.get("/webhooks/whatsapp", params=params)).status_code == 403  # tokens now cached
    await owner.get(f"{WS}/settings/channels")
    form = {"kind": "whatsapp", "phone_number_id": NUMBER, "waba_id": "42", "access_token": "tok-2",
            "app_secret": "s", "csrf_token": owner.csrf}
    assert (await owner.post(f"{WS}/settings/channels", form, htmx=False)).status_code == 303
    async with stack.rt.db.reader() as s:
        ref = await stack.rt.channels.by_external(s, "whatsapp", NUMBER)
    verify = await stack.api.get("/webhooks/whatsapp",
                                 params={**params, "hub.verify_token": ref.secrets["verify_token"]})
    assert (verify.status_code, verify.text) == (200, "7")
