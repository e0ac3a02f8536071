"""Webhook endpoints: Meta's verification handshake and the signed POSTs.

A POST is answered 200 only after its raw body is durably stored with the job that will
process it (``InboundWriter``, group commit); a replayed body (same bytes) is acknowledged
and changes nothing. Processing happens in the ``inbound.process`` job, never in the request.
"""
from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response

from ..core.errors import Problem
from ..core.runtime import Runtime, use_runtime
from .base import PayloadError
from .inbound_store import PROCESS_JOB
from .registry import UnknownChannelKind
from .service import verify_tokens

log = logging.getLogger("chatdesk.webhooks")
router = APIRouter(tags=["webhooks"])
__all__ = ["PROCESS_JOB", "router"]


def _adapter(rt: Runtime, kind: str):
    try:
        return rt.registry.get(kind)
    except UnknownChannelKind:
        raise Problem(404, "unknown_channel_kind", f"No channel kind {kind!r}") from None


@router.get("/webhooks/{kind}", response_class=PlainTextResponse)
async def verify(kind: str, request: Request, rt: Runtime = Depends(use_runtime)) -> Response:
    """``hub.mode=subscribe`` with a known verify token echoes ``hub.challenge``; else 403."""
    _adapter(rt, kind)
    q = request.query_params
    async with rt.db.reader() as session:
        tokens = await verify_tokens(session, rt.cipher, kind)
    if q.get("hub.mode") == "subscribe" and q.get("hub.verify_token") in tokens:
        return PlainTextResponse(q.get("hub.challenge", ""))
    return PlainTextResponse("Forbidden", status_code=403)


@router.post("/webhooks/{kind}")
async def receive(kind: str, request: Request, rt: Runtime = Depends(use_runtime)) -> Response:
    adapter = _adapter(rt, kind)
    raw = await request.body()
    try:
        numbers = adapter.routing_ids(raw)
    except PayloadError as exc:
        raise Problem(400, "invalid_payload", "The body is not a webhook of this channel", str(exc)) from None
    refs = [r for r in (rt.channels.cached(kind, n) for n in numbers) if r]
    if len(refs) < len(numbers):
        async with rt.db.reader() as session:
            refs = [r for r in [await rt.channels.by_external(session, kind, n) for n in numbers] if r]
    if not refs:
        log.warning("webhook for unknown %s number(s) %s acknowledged and dropped", kind, numbers)
        return Response(status_code=200)
    headers = {k.lower(): v for k, v in request.headers.items()}
    if not any(adapter.verify_signature(raw, headers, r.secrets.get("app_secret", "")) for r in refs):
        request.app.state.metrics.webhook_rejected(kind)
        raise Problem(401, "invalid_signature", "X-Hub-Signature-256 does not match the body")
    await request.app.state.inbound_writer.store(kind, refs[0].id, raw)
    request.app.state.metrics.webhook_received(kind)
    return Response(status_code=200)
