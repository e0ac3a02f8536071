"""GET /api/v1/channels: the token's workspace's channels with their health, never another
workspace's, never a secret."""
from __future__ import annotations

from chatdesk.accounts import service as accounts
from chatdesk.channels import service as channels
from chatdesk.channels.setup import save_health
from tests.conftest import ACCESS_TOKEN, APP_SECRET, DISPLAY, VERIFY_TOKEN


async def test_lists_the_workspace_s_channels_with_their_health(bare):
    now = bare.clock.now()
    async with bare.rt.db.session() as session:
        await save_health(session, bare.workspace_id, bare.channel_id,
                          {"status": "ok", "checked_at": now.isoformat(), "verified_name": "Test Shop"})
        other = await accounts.create_workspace(session, "Other Shop", now=now)
        await channels.add_channel(session, bare.rt.cipher, workspace_id=other.id, kind="whatsapp",
                                   external_id="999999", display="15559999999", config={}, now=now, name="Theirs",
                                   secrets={"access_token": "their-token", "app_secret": "their-secret"})
    resp = await bare.api.get("/api/v1/channels")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 25, 1)
    (item,) = body["items"]
    assert item["id"] == bare.channel_id and item["kind"] == "whatsapp"
    assert item["name"] == item["display"] == DISPLAY
    assert item["health"] == {"status": "ok", "checked_at": now.isoformat(), "verified_name": "Test Shop"}
    for secret in (ACCESS_TOKEN, APP_SECRET, VERIFY_TOKEN, "their-token", "their-secret"):
        assert secret not in resp.text


async def test_a_channel_never_checked_is_unknown_and_pages_are_bounded(bare):
    (item,) = (await bare.api.get("/api/v1/channels")).json()["items"]
    assert item["health"] == {"status": "unknown", "checked_at": None}
    assert (await bare.api.get("/api/v1/channels", params={"page": 2})).json()["items"] == []
    assert (await bare.api.get("/api/v1/channels", params={"per_page": 1000})).status_code == 422


async def test_needs_a_token(bare):
    resp = await bare.api.get("/api/v1/channels", headers={"Authorization": ""})
    assert resp.status_code == 401
