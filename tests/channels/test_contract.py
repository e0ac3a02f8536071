"""The channel contract: what a kind declares (settings, webhook entry, explanations) and that
the shared code goes through it rather than through WhatsApp's specifics."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

import pytest
from sqlalchemy import func, select

from chatdesk.channels import service as channels
from chatdesk.channels.base import Capabilities, InvalidSettings, PermanentChannelError
from chatdesk.channels.meta.signature import sign
from chatdesk.channels.models import InboundEvent
from chatdesk.channels.registry import ADAPTERS, ChannelRegistry, adapter_class
from chatdesk.channels.setup import connect_forms, with_health
from chatdesk.inbox.catalog import DE, NL
from tests.conftest import APP_SECRET
from tests.conversations.test_ingest import text_webhook
from tests.fakes.channel import RecordingWhatsApp

WA = {"phone_number_id": "123", "display_phone_number": "+31 20 555 0100", "waba_id": "456",
      "access_token": "tok", "app_secret": "sec", "verify_token": "ver"}


@pytest.mark.parametrize("cls", ADAPTERS, ids=lambda c: c.kind)
def test_every_kind_declares_its_contract_on_the_class(cls):
    assert cls.kind and cls.title and isinstance(cls.capabilities, Capabilities)
    assert cls.capabilities.kind == cls.kind
    assert cls.capabilities.identity_scope in ("global", "channel")
    assert cls.webhook.signing_secret in cls.settings_model.model_fields
    assert all(f.title for f in cls.settings_model.model_fields.values()), "fields need a title (CLI, form)"
    assert isinstance(cls.explain(None, "Boom"), str)
    assert adapter_class(cls.kind) is cls


def test_whatsapp_settings_validate_before_any_network_call():
    wa = adapter_class("whatsapp")
    for bad, field, needle in ((dict(WA, phone_number_id="12a"), "phone_number_id", "digits"),
                               (dict(WA, waba_id=""), "waba_id", "digits"),
                               (dict(WA, app_secret="  "), "app_secret", "must not be empty"),
                               (dict(WA, graph_url="ftp://x"), "graph_url", "http"),
                               (dict(WA, rate_limit=0), "rate_limit", "above zero"),
                               ({k: v for k, v in WA.items() if k != "access_token"}, "access_token", "required")):
        with pytest.raises(InvalidSettings) as err:
            wa.validate(bad)
        assert err.value.field == field and needle in err.value.message


def test_whatsapp_settings_map_to_the_stored_row():
    row = adapter_class("whatsapp").validate(dict(WA, graph_url="http://sandbox.test/", rate_limit=20)).to_row()
    assert (row.external_id, row.display, row.rate_limit_mps) == ("123", "+31 20 555 0100", 20)
    assert row.config == {"waba_id": "456", "graph_url": "http://sandbox.test"}
    assert row.secrets == {"access_token": "tok", "app_secret": "sec", "verify_token": "ver"}


def test_the_browser_form_asks_what_the_browser_cannot_fill_in_itself():
    (form,) = [f for f in connect_forms(["whatsapp"])]
    fields = {f.name: f for f in form.fields}
    # the Graph API URL is the operator's (CHATDESK_GRAPH_URL, the CLI's --graph-url): not asked (issue 12)
    assert list(fields) == ["phone_number_id", "waba_id", "access_token", "app_secret"]
    assert fields["access_token"].input_type == fields["app_secret"].input_type == "password"
    assert fields["phone_number_id"].numeric
    # the verify token is generated, the display number comes from the health check
    settings = adapter_class("whatsapp").validate({k: WA[k] for k in ("phone_number_id", "waba_id", "access_token",
                                                                       "app_secret")})
    assert len(settings.verify_token) > 16
    checked = with_health(settings, {"status": "ok", "display_phone_number": "+1 555 000 2222"})
    assert checked.to_row().display == "+1 555 000 2222"


@pytest.mark.parametrize("cls", ADAPTERS, ids=lambda c: c.kind)
def test_connect_form_labels_are_translated(cls):
    (form,) = connect_forms([cls.kind])
    texts = {t for f in form.fields for t in (f.title, f.help) if t}
    assert not sorted(texts - NL.keys()), "missing Dutch"
    assert not sorted(texts - DE.keys()), "missing German"


# ------------------------------------------------------------------ a kind with its own webhook entry
class WidgetWebhook:
    """A web chat style entry: no handshake, an HMAC in its own header with its own secret."""

    signing_secret = "widget_secret"
    verify_secret = None

    def handshake(self, query: Mapping[str, str], tokens: list[str]) -> str | None:
        raise AssertionError("a kind without a handshake is never asked for one")

    def verify(self, raw: bytes, headers: Mapping[str, str], secret: str) -> bool:
        expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get("x-widget-signature", ""), expected)


class WidgetAdapter:
    kind = "widget"
    webhook = WidgetWebhook()

    def routing_ids(self, raw: bytes) -> list[str]:
        return [json.loads(raw)["site"]]


async def test_the_webhook_route_uses_the_kind_s_own_entry(bare):
    bare.rt.registry = ChannelRegistry([bare.rt.registry.get("whatsapp"), WidgetAdapter()])
    async with bare.rt.db.session() as session:
        await channels.add_channel(session, bare.rt.cipher, workspace_id=bare.workspace_id, kind="widget",
                                   external_id="site-1", display="shop.example", config={}, now=bare.clock.now(),
                                   secrets={"widget_secret": "w-secret"})
    raw = json.dumps({"site": "site-1", "text": "hi"}).encode()
    good = hmac.new(b"w-secret", raw, hashlib.sha256).hexdigest()
    assert (await bare.api.get("/webhooks/widget", params={"hub.mode": "subscribe"})).status_code == 403
    # Meta's header, signed with the app secret, means nothing to this kind
    hub_signed = await bare.api.post("/webhooks/widget", content=raw,
                                     headers={"X-Hub-Signature-256": sign(raw, APP_SECRET)})
    assert hub_signed.status_code == 401
    ok = await bare.api.post("/webhooks/widget", content=raw, headers={"X-Widget-Signature": good})
    assert ok.status_code == 200, ok.text
    async with bare.rt.db.reader() as session:
        kinds = (await session.execute(select(InboundEvent.kind, func.count()).group_by(InboundEvent.kind))).all()
    assert [tuple(k) for k in kinds] == [("widget", 1)]


# ------------------------------------------------------------------ explanations come from the kind
class RefusingWhatsApp(RecordingWhatsApp):
    explain = staticmethod(lambda code, title=None: f"explained by the adapter: {code}")

    async def send(self, conn, message):
        raise PermanentChannelError("Undeliverable", code=131026)


async def test_a_failed_send_is_explained_by_the_channel_s_adapter(bare):
    bare.rt.registry = ChannelRegistry([RefusingWhatsApp(bare.http, [])])
    ts = int(bare.clock.now().timestamp())
    await bare.webhook(text_webhook("31612000009", "Ilse", "wamid.I1", ts, "hoi"))
    await bare.drain()
    (conv,) = await bare.conversations()
    resp = await bare.api.post(f"/api/v1/conversations/{conv['id']}/messages", json={"type": "text", "text": "yo"})
    assert resp.status_code == 202
    await bare.drain()
    (out,) = [m for m in await bare.messages(conv["id"]) if m["direction"] == "out"]
    assert out["status"] == "failed"
    assert out["error"]["detail"] == "explained by the adapter: 131026"
