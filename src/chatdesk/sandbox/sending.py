"""The send pipeline behind ``POST /{version}/{phone_number_id}/messages``.

Checks run in Meta's documented order (SPEC §5): bearer auth (190) → payload schema (100 /
131008 / 131009) → recipient (131021) → 24 h window (131047, non-template only) → template
existence (132001) and parameters (132000 / 132012) → throughput (130429) → pair rate (131056).
Only a send that passes every check consumes rate-limit tokens and is recorded as accepted.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from chatdesk.channels.whatsapp.payloads import (
    SendRequest,
    SendResponse,
    SendResponseContact,
    SendResponseMessage,
)

from . import ids
from .catalog import Template
from .checks import check_mark_read, check_message, parse_send
from .config import SandboxNumber
from .errors import RE_ENGAGEMENT_DETAILS, GraphAPIError
from .state import Outbound

if TYPE_CHECKING:
    from .runtime import Sandbox


class DroppedConnection(Exception):
    """An injected fault: the sandbox hangs up without answering."""


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def apply_fault(sb: Sandbox, phone_number_id: str) -> None:
    fault = sb.state.take_fault(phone_number_id)
    if fault is None:
        return
    if fault.drop:
        raise DroppedConnection(phone_number_id)
    raise GraphAPIError(fault.error_code or 131000, "Injected fault (sandbox control API)",
                        http_status=fault.http_status)


def handle_messages(sb: Sandbox, phone_number_id: str, authorization: str | None,
                    raw: bytes) -> dict[str, Any]:
    """One call of the messages endpoint; returns the JSON answer or raises GraphAPIError."""
    number = sb.state.authenticate(phone_number_id, bearer_token(authorization))
    apply_fault(sb, phone_number_id)
    req = parse_send(raw)
    if req.status is not None:
        sb.state.mark_read(phone_number_id, check_mark_read(req))
        return {"success": True}
    kind, wa_id = check_message(req, lambda mid: sb.media.owned_by(mid, phone_number_id))
    if wa_id == ids.normalize_wa_id(number.display_phone_number):
        raise GraphAPIError(131021, "Recipient phone number cannot be the same as the sender.")
    template = _check_policy(sb, number, req, kind, wa_id)
    if not sb.limiter.throughput_ok(phone_number_id, number.rate_limit_mps):
        raise GraphAPIError(130429, "Cloud API message throughput has been reached.")
    if not sb.limiter.pair_ok(phone_number_id, wa_id):
        raise GraphAPIError(131056, "Message failed to send because there were too many "
                                    "messages sent from this phone number to the same phone "
                                    "number in a short period of time.")
    sb.limiter.consume(phone_number_id, number.rate_limit_mps, wa_id)
    record = _accept(sb, number, req, kind, wa_id, template)
    message = SendResponseMessage(id=record.wamid,
                                  message_status="accepted" if template else None)
    return SendResponse(contacts=[SendResponseContact(input=req.to or wa_id, wa_id=wa_id)],
                        messages=[message]).wire()


def _check_policy(sb: Sandbox, number: SandboxNumber, req: SendRequest, kind: str,
                  wa_id: str) -> Template | None:
    """Window for free-form messages; template approval and parameters for templates."""
    if kind != "template":
        # None = the sandbox never saw this customer write in: treated as inside the window.
        if sb.state.window_open(number.phone_number_id, wa_id, sb.clock()) is False:
            raise GraphAPIError(131047, RE_ENGAGEMENT_DETAILS)
        return None
    return sb.catalog.check(req.template or {})


def _accept(sb: Sandbox, number: SandboxNumber, req: SendRequest, kind: str, wa_id: str,
            template: Template | None) -> Outbound:
    now = sb.clock()
    category, pricing_type = "service", "free_customer_service"
    if template is not None:
        category = template.category.lower()
        in_window = sb.state.window_open(number.phone_number_id, wa_id, now) is True
        free = category == "utility" and in_window
        pricing_type = "free_customer_service" if free else "regular"
    sb.state.customer(wa_id)   # recipients become (ad-hoc) customers with an inbox
    record = Outbound(seq=sb.state.next_seq(), wamid=ids.wamid(wa_id, outbound=True),
                      phone_number_id=number.phone_number_id, to=req.to or wa_id, wa_id=wa_id,
                      type=kind, request=req.wire(), accepted_at=now,
                      accepted_monotonic=time.monotonic(), category=category,
                      pricing_type=pricing_type)
    sb.state.add_outbound(record)
    sb.statuses.schedule(record)
    sb.simulator.on_business_message(record, template)
    return record
