"""The control API under ``/_sandbox``: make customers write in, look at what they received,
inspect accepted / rejected sends and webhook deliveries, and steer the emulator (numbers,
templates, forced statuses, injected faults, reset). Meant for tests and the phone page.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import AwareDatetime, BaseModel, Field

from . import catalog, envelopes, identity, inbound
from .config import SandboxNumber
from .errors import http_status_of
from .faults import FaultModes
from .personas import by_wa_id
from .social import control as social_control
from .state import Customer, Fault, provisioned_number

if TYPE_CHECKING:
    from .runtime import Sandbox

router = APIRouter(prefix="/_sandbox")


def sb_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


class CustomerIn(BaseModel):
    """A customer by phone number, optionally with a username; or by username only (no
    ``wa_id``), who then gets a BSUID from ``country`` and the username."""

    wa_id: str | None = None
    name: str
    language: str = "en"
    read_receipts: bool = True
    username: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9._]{3,35}$")
    country: str = Field(default="NL", pattern="^[A-Z]{2}$")


class BatchItem(inbound.InboundSpec):
    wa_id: str


class BatchIn(BaseModel):
    messages: list[BatchItem] = Field(min_length=1)


class RawIn(BaseModel):
    phone_number_id: str | None = None
    body: Any


class NumberIn(BaseModel):
    phone_number_id: str
    display_phone_number: str | None = None
    waba_id: str | None = None
    access_token: str | None = None
    rate_limit_mps: float | None = None
    token_expires_at: AwareDatetime | None = None


class StatusIn(BaseModel):
    wamid: str
    status: str = Field(pattern="^(failed|sent|delivered|read)$")
    error_code: int | None = None


class FaultIn(BaseModel):
    phone_number_id: str | None = None
    count: int = Field(default=1, ge=1)
    http_status: int | None = Field(default=None, ge=400, le=599)
    error_code: int | None = None
    drop: bool = False


class FaultModesIn(BaseModel):
    """Standing fault modes (faults.py); fields left out keep their current value."""

    error_rate: float | None = Field(default=None, ge=0, le=1)
    error_code: int | None = None
    http_status: int | None = Field(default=None, ge=400, le=599)
    latency: float | None = Field(default=None, ge=0, le=120)
    media_latency: float | None = Field(default=None, ge=0, le=120)
    timeout_rate: float | None = Field(default=None, ge=0, le=1)
    hang_seconds: float | None = Field(default=None, ge=0, le=600)
    webhook_unreachable: bool | None = None
    off: bool = False   # everything back off first


class TemplateIn(BaseModel):
    name: str
    language: str
    category: str = Field(default="UTILITY", pattern="(?i)^(marketing|utility|authentication)$")
    body_params: int = Field(default=0, ge=0)
    header_format: str | None = Field(default=None,
                                      pattern="^(TEXT|IMAGE|VIDEO|DOCUMENT|LOCATION)$")
    header_params: int = Field(default=0, ge=0)
    buttons: list[str] = Field(default_factory=list)
    body_text: str = ""


class WebhookIn(BaseModel):
    url: str | None = None
    verify_token: str | None = None


class ScenarioIn(BaseModel):
    scenario: str | None = None


# --------------------------------------------------------------------------- customers


def _customer_json(sb: Sandbox, customer: Customer) -> dict[str, Any]:
    data = customer.to_json()
    data["active"] = customer.wa_id in sb.simulator.active   # the key, phone or BSUID
    persona = by_wa_id().get(customer.wa_id)
    data["scenarios"] = [s.key for s in persona.scenarios] if persona else []
    data["platform_user_id"] = next((u.id for u in sb.social.users.values()
                                     if u.customer_key == customer.wa_id
                                     and u.platform == customer.platform), None)
    return data


@router.get("/customers")
async def list_customers(request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    return {"customers": [_customer_json(sb, c) for c in sb.state.customers.values()]}


@router.post("/customers", status_code=201)
async def add_customer(body: CustomerIn, request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    username = "@" + body.username.lstrip("@") if body.username else None
    if body.wa_id is None:
        if username is None:
            raise HTTPException(400, "give a wa_id, a username, or both")
        key, has_phone = identity.user_id_for(username, body.country), False
    else:
        key, has_phone = "".join(ch for ch in body.wa_id if ch.isdigit()), True
        if not 5 <= len(key) <= 15:
            raise HTTPException(400, "wa_id must be 5 to 15 digits")
    existing = sb.state.customers.get(key)
    customer = Customer(wa_id=key, name=body.name, language=body.language,
                        read_receipts=body.read_receipts,
                        persona=bool(existing and existing.persona), username=username,
                        has_phone=has_phone)
    sb.state.customers[key] = customer
    return _customer_json(sb, customer)


@router.post("/customers/{wa_id}/messages")
async def customer_message(wa_id: str, spec: inbound.InboundSpec,
                           request: Request) -> dict[str, Any]:
    try:
        ids, webhook = inbound.send(sb_of(request), [(wa_id, spec)])
    except inbound.SpecError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"id": ids[0], "webhook": webhook}


@router.post("/customers/{wa_id}/scenario")
async def start_scenario(wa_id: str, body: ScenarioIn, request: Request) -> dict[str, Any]:
    """Make a persona open one of its scenarios now (active or not)."""
    sb = sb_of(request)
    persona = by_wa_id().get(wa_id)
    if persona is None:
        raise HTTPException(404, f"{wa_id} is not a persona")
    chosen = [s for s in persona.scenarios if body.scenario in (None, s.key)]
    if not chosen:
        raise HTTPException(404, f"unknown scenario {body.scenario!r}")
    await sb.simulator.begin(persona, chosen[0])
    return {"wa_id": wa_id, "scenario": chosen[0].key}


@router.get("/customers/{wa_id}/inbox")
async def inbox(wa_id: str, request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    customer = sb.state.customers.get(wa_id)
    if customer is None:
        raise HTTPException(404, f"unknown customer {wa_id}")
    received = [_received_json(sb, r.to_json()) for r in sb.state.outbound if r.wa_id == wa_id]
    sent = [r.to_json() for r in sb.state.inbound if r.wa_id == wa_id]
    return {"customer": _customer_json(sb, customer), "received": received, "sent": sent,
            "all_read_by_business": all(r["read_by_business"] for r in sent)}


def _received_json(sb: Sandbox, data: dict[str, Any]) -> dict[str, Any]:
    """An outbound record plus what the phone shows: latest status and a template's text."""
    statuses = [s["status"] for s in data["statuses"]]
    data["status"] = statuses[-1] if statuses else "accepted"
    template_body = data["request"].get("template") if data["type"] == "template" else None
    if template_body:
        language = (template_body.get("language") or {}).get("code", "")
        template = sb.catalog.get(template_body.get("name", ""), language)
        if template:
            data["template_text"] = catalog.render(template, template_body)
            data["template_buttons"] = [
                {"title": label, "payload": payload}
                for label, payload in catalog.quick_reply_payloads(template, template_body)]
    return data


# --------------------------------------------------------------------------- webhooks


@router.post("/webhooks/raw")
async def raw_webhook(body: RawIn, request: Request) -> dict[str, Any]:
    """Sign and POST an arbitrary body (a JSON string is sent verbatim, anything else dumped)."""
    raw = body.body.encode() if isinstance(body.body, str) else envelopes.encode_json(body.body)
    kind = f"raw:{body.phone_number_id}" if body.phone_number_id else "raw"
    delivery = sb_of(request).webhooks.send(raw, kind=kind)
    return {"delivery_id": delivery.id}


@router.post("/webhooks/batch")
async def batch_webhook(body: BatchIn, request: Request) -> dict[str, Any]:
    """Several customer messages in ONE POST: one change per number, one entry per WABA."""
    items = [(item.wa_id, inbound.InboundSpec(**item.model_dump(exclude={"wa_id"})))
             for item in body.messages]
    try:
        ids, webhook = inbound.send(sb_of(request), items)
    except inbound.SpecError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"ids": ids, "webhook": webhook}


@router.get("/webhook")
async def webhook_target(request: Request) -> dict[str, Any]:
    """Where webhooks go and the result of the verify handshake against it."""
    return sb_of(request).target.to_json()


@router.post("/webhook")
async def configure_webhook(body: WebhookIn, request: Request) -> dict[str, Any]:
    """(Re)configure the target; the handshake runs again and its result is the answer."""
    sb = sb_of(request)
    changes = body.model_dump(exclude_unset=True)
    await sb.configure_webhook(changes.get("url") or sb.target.url,
                               changes.get("verify_token", sb.target.verify_token))
    return sb.target.to_json()


@router.get("/deliveries")
async def deliveries(request: Request, platform: str = "whatsapp") -> dict[str, Any]:
    sb = sb_of(request)
    hooks = sb.webhooks if platform == "whatsapp" else sb.social.hooks.get(platform)
    if hooks is None:
        raise HTTPException(404, f"unknown platform {platform}")
    return {"deliveries": [d.to_json() for d in hooks.log]}


# --------------------------------------------------------------------------- sends


@router.get("/sent")
async def sent(request: Request, phone_number_id: str | None = None,
               platform: str = "whatsapp") -> dict[str, Any]:
    """What the business sent: WhatsApp by default, ``?platform=messenger|instagram`` else."""
    if platform != "whatsapp":
        return {"sent": social_control.sent_records(sb_of(request), platform)}
    records = sb_of(request).state.outbound
    return {"sent": [r.to_json() for r in records
                     if phone_number_id in (None, r.phone_number_id)]}


@router.get("/rejected")
async def rejected(request: Request) -> dict[str, Any]:
    return {"rejected": sb_of(request).state.rejected}


@router.post("/statuses")
async def force_status(body: StatusIn, request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    record = sb.state.outbound_by_id.get(body.wamid)
    if record is None:
        raise HTTPException(404, f"unknown wamid {body.wamid}")
    return {"status": sb.statuses.force(record, body.status, body.error_code).wire()}


@router.post("/faults")
async def add_fault(body: FaultIn, request: Request) -> dict[str, Any]:
    """The next ``count`` sends answer this fault (default 131000, HTTP 500); the HTTP status
    defaults to the one Meta uses for the code (400 for most, SPEC §3.3)."""
    if body.error_code is None:
        code = 131009 if body.http_status is not None and body.http_status < 500 else 131000
    else:
        code = body.error_code
    status = body.http_status or http_status_of(code)
    sb_of(request).state.faults.append(Fault(body.phone_number_id, body.count, status, code,
                                             body.drop))
    return {"queued": body.count}


@router.get("/fault-modes")
async def get_fault_modes(request: Request) -> dict[str, Any]:
    return sb_of(request).faults.to_json()


@router.post("/fault-modes")
async def set_fault_modes(body: FaultModesIn, request: Request) -> dict[str, Any]:
    """Switch standing fault modes on or off (``{"off": true}``: all off)."""
    sb = sb_of(request)
    if body.off:
        sb.faults = FaultModes(seed=sb.faults.seed)
    for key, value in body.model_dump(exclude={"off"}, exclude_none=True).items():
        setattr(sb.faults, key, value)
    return sb.faults.to_json()


# --------------------------------------------------------------------------- configuration


def _number_json(number: SandboxNumber) -> dict[str, Any]:
    return {"phone_number_id": number.phone_number_id,
            "display_phone_number": number.display_phone_number, "waba_id": number.waba_id,
            "token_bound": number.access_token is not None,
            "rate_limit_mps": number.rate_limit_mps}


@router.get("/numbers")
async def list_numbers(request: Request) -> dict[str, Any]:
    return {"numbers": [_number_json(n) for n in sb_of(request).state.numbers.values()]}


@router.post("/numbers")
async def upsert_number(body: NumberIn, request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    current = sb.state.numbers.get(body.phone_number_id)
    changes = body.model_dump(exclude_unset=True)
    if current is None:
        current = provisioned_number(body.phone_number_id)
    for key, value in changes.items():
        if value is not None or key in ("access_token", "token_expires_at"):
            setattr(current, key, value)
    return _number_json(sb.state.upsert_number(current))


@router.get("/templates")
async def list_templates(request: Request) -> dict[str, Any]:
    return {"templates": [t.to_json() for t in sb_of(request).catalog.all()]}


@router.post("/templates", status_code=201)
async def add_template(body: TemplateIn, request: Request) -> dict[str, Any]:
    template = catalog.Template(**body.model_dump())
    template.category = template.category.upper()
    sb_of(request).catalog.add(template)
    return template.to_json()


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    await sb_of(request).reset()
    return {"reset": True}
