"""The send pipeline behind ``POST /{version}/{phone_number_id}/messages``.

Checks run in Meta's documented order (SPEC §5.5): bearer auth (190) → payload schema (100 /
131008 / 131009) → ``to``/``recipient`` resolution (``to`` wins; 131062 for authentication
templates to a BSUID) → recipient (131021) → template existence (132001) and parameters
(132000 / 132012) → throughput (130429) → pair rate (131056). Only a send that passes every
check consumes rate-limit tokens and is recorded as accepted. The 24 h window is not checked
here: a free-form message outside it is accepted and then fails asynchronously (131047).
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from chatdesk.channels.whatsapp.payloads import SendRequest, SendResponseMessage

from . import ids
from .catalog import Template
from .checks import check_mark_read, check_message, parse_send
from .config import SandboxNumber
from .errors import GraphAPIError
from .pricing import DEFAULT_RULES, price
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
        if sb.faults.roll_error():
            raise GraphAPIError(sb.faults.error_code, "Injected fault (sandbox fault mode)",
                                http_status=sb.faults.status())
        return
    if fault.drop:
        raise DroppedConnection(phone_number_id)
    raise GraphAPIError(fault.error_code or 131000, "Injected fault (sandbox control API)",
                        http_status=fault.http_status)


def handle_messages(sb: Sandbox, phone_number_id: str, authorization: str | None,
                    raw: bytes, version: str = "v23.0") -> dict[str, Any]:
    """One call of the messages endpoint; returns the JSON answer or raises GraphAPIError."""
    number = sb.state.authenticate(phone_number_id, bearer_token(authorization))
    apply_fault(sb, phone_number_id)
    req = parse_send(raw)
    if req.status is not None:
        sb.state.mark_read(phone_number_id, check_mark_read(req))
        return {"success": True}
    kind, how, who = check_message(req, lambda mid: sb.media.owned_by(mid, phone_number_id))
    key = _resolve(sb, req, kind, how, who)
    if key == ids.normalize_wa_id(number.display_phone_number):
        raise GraphAPIError(131021, "Recipient phone number cannot be the same as the sender.")
    template = sb.catalog.check(req.template or {}) if kind == "template" else None
    if not sb.limiter.throughput_ok(phone_number_id, number.rate_limit_mps):
        raise GraphAPIError(130429, "Cloud API message throughput has been reached.")
    if not sb.limiter.pair_ok(phone_number_id, key):
        raise GraphAPIError(131056, "Message failed to send because there were too many "
                                    "messages sent from this phone number to the same phone "
                                    "number in a short period of time.")
    sb.limiter.consume(phone_number_id, number.rate_limit_mps, key)
    record = _accept(sb, number, req, kind, key, template, how, major_version(version))
    message = SendResponseMessage(id=record.wamid,
                                  message_status="accepted" if template else None)
    # Phone sends echo the normalised number, BSUID sends the user id and no wa_id (SPEC §2.2).
    contact = ({"input": req.to, "wa_id": key} if how == "to"
               else {"input": who, "user_id": sb.state.customer(key).user_id})
    return {"messaging_product": "whatsapp", "contacts": [contact],
            "messages": [message.wire()]}


def major_version(version: str) -> int:
    """``v24.0`` → 24 (the path was checked against ``v\\d+.\\d+`` before)."""
    return int(version.lstrip("v").split(".")[0])


def _resolve(sb: Sandbox, req: SendRequest, kind: str, how: str, who: str) -> str:
    """The key of the customer addressed. A BSUID (or parent BSUID) the sandbox does not know
    becomes a customer without a phone number; authentication templates cannot go to a BSUID
    (131062; on Meta every authentication template has a one-tap, zero-tap or copy-code
    button)."""
    if how == "to":
        return who
    if kind == "template":
        body = req.template or {}
        template = sb.catalog.get(body.get("name", ""), (body.get("language") or {}).get("code", ""))
        if template is not None and template.category.upper() == "AUTHENTICATION":
            raise GraphAPIError(131062, "You can only send authentication messages to "
                                        "recipients' phone numbers, not their business-scoped "
                                        "user IDs.")
    known = sb.state.by_user_id(who)
    return known.wa_id if known else who


def _in_window(sb: Sandbox, number: SandboxNumber, key: str) -> bool:
    """Whether the customer service window is open; a customer the sandbox never saw write in
    is outside it, as on Meta (unless the ``unknown_recipients_in_window`` leniency is on)."""
    open_ = sb.state.window_open(number.phone_number_id, key, sb.clock())
    return sb.config.unknown_recipients_in_window if open_ is None else open_


def _accept(sb: Sandbox, number: SandboxNumber, req: SendRequest, kind: str, key: str,
            template: Template | None, how: str, version: int) -> Outbound:
    """Record an accepted send and schedule its statuses. A free-form message outside the
    window is accepted too and then fails with 131047 in a ``failed`` status (SPEC §3.1)."""
    now = sb.clock()
    category = template.category.lower() if template is not None else "service"
    failure = None if template is not None or _in_window(sb, number, key) else 131047
    # Pricing looks at the real window, whatever the leniency says.
    in_window = sb.state.window_open(number.phone_number_id, key, now) is True
    pricing = price(sb.config.pricing_rules or DEFAULT_RULES, category, in_window, now.date())
    sb.state.customer(key)   # recipients become (ad-hoc) customers with an inbox
    record = Outbound(seq=sb.state.next_seq(), wamid=ids.wamid(key, outbound=True),
                      phone_number_id=number.phone_number_id, to=req.to or key, wa_id=key,
                      type=kind, request=req.wire(), accepted_at=now,
                      accepted_monotonic=time.monotonic(), category=category,
                      pricing_type=pricing.type or "regular", failure=failure,
                      addressed_by=how, api_version=version)
    sb.state.add_outbound(record)
    sb.statuses.schedule(record)
    if failure is None:
        sb.simulator.on_business_message(record, template)
    return record
