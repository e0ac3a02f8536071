"""What a stranger's webhook costs us (issue 12, defect 4): a body is checked only against the
channels it names, never hashed against every channel; decrypted secrets are cached briefly for
the POST and the GET handshake, and forgotten when a channel changes; big bodies are hashed off
the event loop."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from chatdesk.channels import service as channels
from chatdesk.channels.meta import signature
from chatdesk.channels.models import InboundEvent
from tests.conftest import PHONE_ID, VERIFY_TOKEN, payload

ZEROS = "sha256=" + "0" * 64


class HashCounter:
    """Counts the HMACs the server computes (and on which threads), still computing them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.threads: list[int] = []
        real = signature.sign

        def counting(raw: bytes, secret: str) -> str:
            self.threads.append(threading.get_ident())
            return real(raw, secret)
        monkeypatch.setattr(signature, "sign", counting)

    @property
    def count(self) -> int:
        return len(self.threads)


async def more_channels(stack, n: int) -> None:
    async with stack.rt.db.session() as s:
        for i in range(n):
            await channels.add_channel(s, stack.rt.cipher, workspace_id=stack.workspace_id, kind="whatsapp",
                                       external_id=f"3000000000{i:05d}", display=f"+1{i}", config={},
                                       secrets={"app_secret": f"secret-{i}", "verify_token": f"v-{i}"},
                                       now=stack.clock.now())


async def stored(stack) -> int:
    async with stack.rt.db.reader() as s:
        return (await s.execute(select(func.count()).select_from(InboundEvent))).scalar_one()


async def test_large_junk_naming_no_channel_is_401_without_a_single_hash(bare, monkeypatch):
    await more_channels(bare, 20)
    hashes = HashCounter(monkeypatch)
    for body in (b"x" * 1_000_000, b'{"object": "page", "pad": "' + b"a" * 1_000_000 + b'"}'):
        resp = await bare.webhook(body, signature=ZEROS)
        assert resp.status_code == 401 and resp.json()["code"] == "invalid_signature"
    assert hashes.count == 0


async def test_junk_naming_our_number_costs_one_hash_not_one_per_channel(bare, monkeypatch):
    await more_channels(bare, 20)
    body = json.loads(payload("wa_inbound_text.json"))
    body["pad"] = "a" * 200_000
    hashes = HashCounter(monkeypatch)
    assert (await bare.webhook(json.dumps(body).encode(), signature=ZEROS)).status_code == 401
    assert hashes.count == 1


async def test_a_body_naming_a_hundred_numbers_is_refused_unhashed(bare, monkeypatch):
    body = json.loads(payload("wa_inbound_text.json"))
    entry = body["entry"][0]
    body["entry"] = [json.loads(json.dumps(entry)) for _ in range(101)]
    for i, e in enumerate(body["entry"]):
        e["changes"][0]["value"]["metadata"]["phone_number_id"] = PHONE_ID if i == 0 else f"4{i:014d}"
    raw = json.dumps(body).encode()
    hashes = HashCounter(monkeypatch)
    assert (await bare.webhook(raw)).status_code == 401  # signed with our secret: still too many names
    assert hashes.count == 0 and await stored(bare) == 0


async def test_a_big_signed_body_is_hashed_off_the_event_loop(bare, monkeypatch):
    body = json.loads(payload("wa_inbound_text.json"))
    body["pad"] = "a" * 200_000
    raw = json.dumps(body).encode()
    signed = signature.sign(raw, "test-app-secret")
    hashes = HashCounter(monkeypatch)
    assert (await bare.webhook(raw, signature=signed)).status_code == 200
    assert hashes.count == 1 and hashes.threads[0] != threading.get_ident()
    assert await stored(bare) == 1


async def test_the_handshake_decrypts_secrets_once_not_per_call(bare, monkeypatch):
    await more_channels(bare, 20)
    decrypted = []
    real = bare.rt.cipher.decrypt
    monkeypatch.setattr(bare.rt.cipher, "decrypt", lambda token: decrypted.append(1) or real(token))
    params = {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"}
    for _ in range(5):
        assert (await bare.api.get("/webhooks/whatsapp", params=params)).status_code == 403
    assert len(decrypted) == 21  # each channel once, for all five calls
    ok = await bare.api.get("/webhooks/whatsapp", params={**params, "hub.verify_token": VERIFY_TOKEN})
    assert (ok.status_code, ok.text) == (200, "1")

