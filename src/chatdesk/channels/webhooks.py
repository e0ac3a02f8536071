"""Webhook endpoints: each kind's handshake and its signed POSTs, checked by the kind's
``webhook`` entry (Meta's ``hub.*`` handshake and ``X-Hub-Signature-256``: ``channels/meta/webhook.py``).

A POST is answered 200 only after its raw body is durably stored with the job that will
process it (``InboundWriter``, group commit); a replayed body (same bytes) is acknowledged
and changes nothing. Processing happens in the ``inbound.process`` job, never in the request.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.routing import Route

from ..core.errors import Problem
from ..core.runtime import Runtime, use_runtime
from .base import PayloadError, WebhookEntry
from .inbound_store import PROCESS_JOB
from .registry import UnknownChannelKind

log = logging.getLogger("chatdesk.webhooks")
router = APIRouter(tags=["webhooks"])
__all__ = ["PROCESS_JOB", "router"]
MAX_BODY = 4 * 1024 * 1024  # Meta's batched deliveries are far smaller; this only stops abuse
MAX_ROUTED = 100  # distinct business ids one delivery may name (Meta names one; a business has a few)
HASH_INLINE_MAX = 64 * 1024  # larger bodies are HMAC'd in a thread, off the event loop
PROBE_BUDGET = 64 * 1024  # bytes HMAC'd, all secrets together, to classify a body naming no channel


def _adapter(rt: Runtime, kind: str):
    try:
        return rt.registry.get(kind)
    except UnknownChannelKind:
        raise Problem(404, "unknown_channel_kind", f"No channel kind {kind!r}") from None


@router.get("/webhooks/{kind}", response_class=PlainTextResponse)
async def verify(kind: str, request: Request, rt: Runtime = Depends(use_runtime)) -> Response:
    """The kind's handshake (Meta: ``hub.mode=subscribe`` with a known verify token echoes
    ``hub.challenge``); anything else is 403."""
    hook = _adapter(rt, kind).webhook
    answer = None
    if hook.verify_secret is not None:
        # cached briefly: anyone may call this, and each miss decrypts every channel's secrets
        async with rt.db.reader() as session:
            tokens = await rt.channels.secrets_of(session, kind, hook.verify_secret)
        answer = hook.handshake(request.query_params, tokens)
    if answer is None:
        return PlainTextResponse("Forbidden", status_code=403)
    return PlainTextResponse(answer)


class WebhookReceiver:
    """``POST /webhooks/{kind}`` as a bare ASGI endpoint (a Starlette ``Route``, not a FastAPI
    one): it is the one endpoint the platforms call at volume, and FastAPI's request object,
    dependency solving and response classes were a third of its cost (bench/ingest.py).
    Errors are still ``Problem`` exceptions, answered as problem+json by the app's handlers.
    """

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        scope["route"] = WEBHOOK_ROUTE  # what FastAPI's routes record, for the latency metric
        app = scope["app"]
        rt: Runtime = app.state.runtime
        kind = scope["path_params"]["kind"]
        adapter = _adapter(rt, kind)
        hook = adapter.webhook
        raw = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            numbers = adapter.routing_ids(raw)
        except PayloadError as exc:
            if not await _signed_by_any_channel(rt, hook, kind, raw, headers):
                _reject(app, kind)
            app.state.metrics.webhook_rejected(kind)
            raise Problem(400, "invalid_payload", "The body is not a webhook of this channel", str(exc)) from None
        if not numbers and await _signed_by_any_channel(rt, hook, kind, raw, headers):
            # account-level webhooks (a number's tier and quality rating) name no number id:
            # stored unrouted; the inbound job finds the number by what the body says
            await app.state.inbound_writer.store(kind, None, raw)
            app.state.metrics.webhook_received(kind)
            await _ok(send)
            return
        if len(numbers) > MAX_ROUTED:  # no delivery of Meta's names this many: not worth a lookup
            _reject(app, kind)
        refs = [r for r in (rt.channels.cached(kind, n) for n in numbers) if r]
        if len(refs) < len(numbers):
            async with rt.db.reader() as session:
                refs = await rt.channels.by_externals(session, kind, numbers)
        if not refs:
            log.warning("webhook for unknown %s number(s) %s acknowledged and dropped", kind, numbers[:5])
            await _ok(send)
            return
        # Every channel the body speaks for must have signed it: one app secret must not let its
        # holder write into another workspace's channel by naming it beside its own. Only the
        # channels it names are tried, and the first that did not sign it ends the check.
        if not await _signed_by_all(hook, raw, headers, [r.secrets.get(hook.signing_secret, "") for r in refs]):
            _reject(app, kind)
        await app.state.inbound_writer.store(kind, refs[0].id, raw)
        app.state.metrics.webhook_received(kind)
        await _ok(send)


def _reject(app: Any, kind: str) -> None:
    app.state.metrics.webhook_rejected(kind)
    raise Problem(401, "invalid_signature", "The webhook signature does not match the body")


async def _signed_by_all(hook: WebhookEntry, raw: bytes, headers: dict[str, str], secrets: list[str]) -> bool:
    def check() -> bool:
        return all(hook.verify(raw, headers, secret) for secret in secrets)
    # hashlib lets go of the GIL on large inputs: a big body is hashed beside the event loop
    return await asyncio.to_thread(check) if len(raw) > HASH_INLINE_MAX else check()


async def _signed_by_any_channel(rt: Runtime, hook: WebhookEntry, kind: str, raw: bytes,
                                 headers: dict[str, str]) -> bool:
    """For a body that names no channel: was it signed by one of ours? (A stranger's junk is
    401, like any unsigned request; only a body one of our apps signed earns the 400.) Such a
    body can come from anyone at any rate, so it is tried against every channel's secret only
    while that is cheap (a short body); beyond the budget it is 401 unhashed."""
    if len(raw) > PROBE_BUDGET:
        return False
    async with rt.db.reader() as session:
        secrets = await rt.channels.secrets_of(session, kind, hook.signing_secret)
    if len(secrets) * (len(raw) + 64) > PROBE_BUDGET:  # 64: the HMAC's own blocks, per secret
        return False
    return any(hook.verify(raw, headers, secret) for secret in secrets)


async def _read_body(receive: Any) -> bytes:
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Problem(400, "client_disconnected", "The client went away before sending the body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Problem(413, "payload_too_large", f"A webhook body is at most {MAX_BODY} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _ok(send: Any) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"OK"})


WEBHOOK_ROUTE = Route("/webhooks/{kind}", WebhookReceiver(), methods=["POST"], name="webhook")
router.routes.append(WEBHOOK_ROUTE)
