"""WhatsApp webhook bodies → channel-neutral inbound events.

Every documented message type keeps its typed content; a type we do not know is kept as
``unsupported`` with its raw payload, never dropped.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from ...core.clock import from_epoch
from .. import content as typed
from ..base import (
    ID_PHONE,
    ID_USER,
    InboundEvent,
    InboundMessageEvent,
    InboundStatusEvent,
    InboundTemplateEvent,
    NumberStatusEvent,
    PartyId,
    PayloadError,
    UnreadableItem,
)
from . import payloads as wa

MEDIA = set(wa.MEDIA_TYPES)
QUALITY_FIELD = "phone_number_quality_update"
# the quality rating an event reports (Meta's earlier reference: FLAGGED when it dropped to low,
# UNFLAGGED when it was restored); other events change only the tier
QUALITY_OF_EVENT = {"FLAGGED": "RED", "UNFLAGGED": "GREEN"}
E = TypeVar("E", wa.WebhookEnvelope, wa.RoutingEnvelope, wa.LooseEnvelope)
M = TypeVar("M", wa.InboundMessage, wa.Status, wa.WebhookContact, wa.QualityUpdate)


def parse_envelope(raw: bytes) -> wa.WebhookEnvelope:
    return _envelope(wa.WebhookEnvelope, raw)


def routing_ids(raw: bytes) -> list[str]:
    """The business numbers a delivery is addressed to (see ``wa.RoutingEnvelope``)."""
    return _envelope(wa.RoutingEnvelope, raw).phone_number_ids()


def _envelope(model: type[E], raw: bytes) -> E:
    """``raw`` read as ``model``, refused unless it is a WhatsApp Business webhook."""
    try:
        envelope = model.model_validate_json(raw)
    except ValidationError as exc:
        raise PayloadError(f"not a WhatsApp webhook: {exc.error_count()} problem(s)") from exc
    if envelope.object != "whatsapp_business_account":
        raise PayloadError(f"unexpected object {envelope.object!r}")
    return envelope


def _template(waba_id: str, field: str, value: Any) -> list[InboundEvent]:
    """A template status (APPROVED, PENDING, REJECTED with its reason, PAUSED, DISABLED...) or
    quality webhook; one without the template's id or name is unreadable."""
    if not waba_id or not (value.message_template_id or value.message_template_name):
        return [UnreadableItem(waba_id, f"{field}: names no template")]
    quality = field == "message_template_quality_update"
    return [InboundTemplateEvent(
        wa.account_route(waba_id), str(value.message_template_id) if value.message_template_id else None,
        value.message_template_name, value.message_template_language,
        status=None if quality else value.event, reason=None if quality else value.reason,
        quality=value.new_quality_score if quality else None)]


def parse_events(raw: bytes) -> list[InboundEvent]:
    """All messages and statuses of a delivery, across every entry and change, in order.

    Each item is read on its own: a message we cannot read is kept as ``unsupported`` with its
    raw payload (if it has an id and a sender to store it under), a status we cannot read is
    reported as an ``UnreadableItem``; neither costs the other items of the delivery.
    """
    events: list[InboundEvent] = []
    for entry in _envelope(wa.LooseEnvelope, raw).entry:
        for change in entry.changes:
            value = change.value
            if change.field in wa.TEMPLATE_FIELDS:
                events.extend(_template(str(entry.id or ""), change.field, value))
            if change.field == QUALITY_FIELD:
                events.append(_quality(str(entry.id) if entry.id else None, entry.time, value.model_dump()))
                continue
            number = (value.metadata or {}).get("phone_number_id")
            if change.field != "messages" or not isinstance(number, str) or not number:
                continue
            people = _contacts(value.contacts or [])
            for item in value.messages or []:
                message = _read(wa.InboundMessage, item)
                events.append(_unreadable_message(number, item, people, message) if isinstance(message, str)
                              else _message(number, message, _person(people, message.from_, message.from_user_id)))
            for item in value.statuses or []:
                status = _read(wa.Status, item)
                if not isinstance(status, str) and _when(status.timestamp) is None:
                    status = f"timestamp: not epoch seconds: {status.timestamp[:40]!r}"
                events.append(UnreadableItem(number, f"status: {status}") if isinstance(status, str)
                              else _status(number, status, _person(people, status.recipient_id,
                                                                   status.recipient_user_id)))
    return events


People = dict[str | None, wa.WebhookContact]


def _contacts(items: list[Any]) -> People:
    """A change's contacts by wa_id and by business-scoped user id (a username adopter may have
    only the latter); under ``None`` a change's only contact when it has no wa_id."""
    contacts = [c for c in (_read(wa.WebhookContact, item) for item in items) if not isinstance(c, str)]
    people: People = {key: c for c in contacts for key in (c.wa_id, c.user_id) if key}
    if len(contacts) == 1 and not contacts[0].wa_id:
        people[None] = contacts[0]
    return people


def _person(people: People, phone: str | None, user_id: str | None) -> wa.WebhookContact | None:
    """The contact entry about the sender (or a receipt's recipient)."""
    for key in (phone, user_id, None):
        if key in people:
            return people[key]
    return None


def _ids(user_id: str | None, phone: str | None, person: wa.WebhookContact | None,
         changed_to: list[PartyId] | None = None) -> tuple[PartyId, ...]:
    """Someone's ids, the business-scoped user id first (Meta: key users on it, not on the
    number), then an id they just changed to, then the phone number; each once. The change's
    contact entry fills in an id the item itself leaves out."""
    user_id = user_id or (person.user_id if person else None)
    phone = phone or (person.wa_id if person else None)
    found = [PartyId(user_id, ID_USER)] if user_id else []
    found += [*(changed_to or []), *([PartyId(phone, ID_PHONE)] if phone else [])]
    once: dict[str, PartyId] = {}
    for party in found:
        once.setdefault(party.value, party)
    return tuple(once.values())


def _changed_to(m: wa.InboundMessage) -> list[PartyId]:
    """The new id a ``user_changed_number`` / ``user_changed_user_id`` system message reports: the
    same person, so it joins their ids (the old ones stay)."""
    system = m.system or {}
    key, id_type = _CHANGES.get(str(system.get("type")), (None, None))
    value = _text(system.get(key)) if key else None
    return [PartyId(value, id_type)] if value and id_type else []


# system message type -> (its field with the new id, that id's type)
_CHANGES = {"user_changed_number": ("wa_id", ID_PHONE), "user_changed_user_id": ("user_id", ID_USER)}


def _when(timestamp: Any) -> datetime | None:
    """Epoch seconds as a time, or None when they are not a plausible one ("abc", "nan", 1e20)."""
    try:
        when = from_epoch(timestamp)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return when if 2000 <= when.year < 2200 else None


def _read(model: type[M], item: Any) -> M | str:
    """``item`` as ``model``, or why it is not one (a short sentence)."""
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        return _reason(exc)


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "item"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _unreadable_message(number: str, item: Any, people: People, reason: str) -> InboundEvent:
    """A message whose body we cannot read: stored as ``unsupported`` with what arrived, if it
    says who sent it and under which id; else reported (the stored delivery keeps it)."""
    fields = item if isinstance(item, dict) else {}
    wamid = fields.get("id")
    phone, user_id = (_text(fields.get(key)) for key in ("from", "from_user_id"))
    if not (isinstance(wamid, str) and wamid and (phone or user_id)):
        return UnreadableItem(number, f"message: {reason}")
    original = fields.get("type")
    content = typed.Unsupported(original_type=original if isinstance(original, str) else None, raw=fields,
                                error=typed.ContentError(title="Message could not be read", details=reason))
    person = _person(people, phone, user_id)
    return _event(number, wamid, _ids(user_id, phone, person), person, _text(fields.get("from_parent_user_id")),
                  sent_at=_when(fields.get("timestamp")), type="unsupported", text=None, content=content,
                  raw=fields)


def _text(value: Any) -> str | None:
    value = wa.number_as_text(value)
    return value if isinstance(value, str) and value else None


def _event(number: str, wamid: str, ids: tuple[PartyId, ...], person: wa.WebhookContact | None,
           parent: str | None, **rest: Any) -> InboundMessageEvent:
    """A message event from its sender's ids (primary first) and the change's entry about them."""
    profile = person.profile if person else None
    return InboundMessageEvent(
        channel_external_id=number, provider_message_id=wamid, sender_id=ids[0].value,
        sender_id_type=ids[0].type, sender_alt_ids=ids[1:], sender_name=profile.name if profile else None,
        sender_username=profile.username if profile else None,
        sender_parent_id=parent or (person.parent_user_id if person else None), **rest)


def _message(number: str, m: wa.InboundMessage, person: wa.WebhookContact | None) -> InboundMessageEvent:
    try:
        kind, text, content = _typed(m)
    except ValidationError as exc:  # a body WhatsApp accepted but our content refuses (latitude 200)
        kind, text, content = "unsupported", None, _unsupported(m, _reason(exc))
    extra: dict[str, Any] = {}
    if m.context and (m.context.forwarded or m.context.frequently_forwarded or m.context.referred_product):
        extra["context"] = typed.MessageContext(forwarded=m.context.forwarded,
                                                frequently_forwarded=m.context.frequently_forwarded,
                                                referred_product=m.context.referred_product)
    if m.referral:
        extra["referral"] = typed.Referral.model_validate(m.referral.wire())
    if extra:
        content = content.model_copy(update=extra)
    return _event(number, m.id, _ids(m.from_user_id, m.from_, person, _changed_to(m)), person,
                  m.from_parent_user_id, sent_at=_when(m.timestamp), type=kind, text=text, content=content,
                  raw=m.wire(), reply_to_provider_id=m.context.id if m.context and m.context.id else None)


def _typed(m: wa.InboundMessage) -> tuple[str, str | None, typed.Content]:
    """(chatdesk type, searchable text, typed content) for one message."""
    body = getattr(m, m.type, None) if m.type in MEDIA or m.type in _SIMPLE else None
    if m.type == "text" and m.text:
        return "text", m.text.body, typed.Text(body=m.text.body)
    if m.type in MEDIA and isinstance(body, wa.Media):
        return m.type, body.caption, typed.Media(
            type=m.type, provider_media_id=body.id, mime_type=body.mime_type, sha256=body.sha256,
            filename=body.filename, caption=body.caption, voice=body.voice, animated=body.animated)
    if m.type == "location" and m.location:
        loc = m.location
        return "location", " ".join(filter(None, [loc.name, loc.address])) or None, typed.Location(
            latitude=loc.latitude, longitude=loc.longitude, name=loc.name, address=loc.address, url=loc.url)
    if m.type == "contacts" and m.contacts:
        names = [card.name.formatted_name for card in m.contacts if card.name and card.name.formatted_name]
        return "contacts", ", ".join(names) or None, typed.Contacts(
            contacts=[typed.ContactCard.model_validate(card.wire()) for card in m.contacts])
    if m.type == "interactive" and m.interactive:
        return _interactive(m)
    if m.type == "button" and m.button:
        return "quick_reply", m.button.text, typed.Button(payload=m.button.payload, text=m.button.text)
    if m.type == "reaction" and m.reaction:
        return "reaction", m.reaction.emoji or None, typed.Reaction(message_id=m.reaction.message_id,
                                                                    emoji=m.reaction.emoji)
    if m.type == "order" and m.order:
        return "order", m.order.text or None, typed.Order(
            catalog_id=m.order.catalog_id, text=m.order.text,
            product_items=[typed.OrderItem(product_retailer_id=i.product_retailer_id, quantity=i.quantity,
                                           item_price=i.item_price, currency=i.currency)
                           for i in m.order.product_items])
    if m.type == "system" and m.system:
        rest = {k: v for k, v in m.system.items() if k not in ("body", "type")}
        return "system", m.system.get("body"), typed.System.model_validate(
            {**rest, "body": m.system.get("body"), "event": m.system.get("type")})
    return "unsupported", None, _unsupported(m)


_SIMPLE = {"text", "location", "interactive", "button", "reaction", "order"}


def _interactive(m: wa.InboundMessage) -> tuple[str, str | None, typed.Content]:
    i = m.interactive
    assert i is not None
    reply = i.list_reply if i.type == "list_reply" else i.button_reply if i.type == "button_reply" else None
    if reply is not None:
        choice = typed.Choice(id=reply.id, title=reply.title, description=reply.description)
        kind: typed.InteractiveKind = "list_reply" if i.type == "list_reply" else "button_reply"
        return kind, reply.title, typed.Interactive(kind=kind, reply=choice)
    if i.type == "nfm_reply" and i.nfm_reply:
        flow = typed.Interactive(kind="flow_reply", response=dict(i.nfm_reply))
        return "flow_reply", i.nfm_reply.get("body"), flow
    return "unsupported", None, _unsupported(m)


def _unsupported(m: wa.InboundMessage, reason: str | None = None) -> typed.Unsupported:
    error = None
    if reason is not None:
        error = typed.ContentError(title="Message could not be read", details=reason)
    elif m.errors:
        first = m.errors[0]
        error = typed.ContentError(code=first.code, title=first.title,
                                   details=first.error_data.details if first.error_data else None)
    return typed.Unsupported(original_type=m.type, raw=m.wire(), error=error)


def _status(number: str, s: wa.Status, person: wa.WebhookContact | None) -> InboundStatusEvent:
    error = s.errors[0] if s.errors else None
    profile = person.profile if person else None
    return InboundStatusEvent(
        channel_external_id=number, provider_message_id=s.id, status=s.status,
        occurred_at=_when(s.timestamp) or from_epoch(0), recipient_id=s.recipient_id,
        error_code=error.code if error else None,
        error_title=(error.title or error.message) if error else None,
        error_detail=error.error_data.details if error and error.error_data else None,
        pricing=s.pricing.wire() if s.pricing else None, tracking=s.biz_opaque_callback_data,
        recipient_ids=_ids(s.recipient_user_id, s.recipient_id, person),
        recipient_username=profile.username if profile else None,
        recipient_parent_id=s.recipient_parent_user_id or (person.parent_user_id if person else None))


def _quality(account_id: str | None, at: Any, value: dict[str, Any]) -> InboundEvent:
    """A number's new tier and/or quality rating, or why it could not be read."""
    update = _read(wa.QualityUpdate, value)
    if isinstance(update, str):
        return UnreadableItem("", f"{QUALITY_FIELD}: {update}")
    tier = update.tier if update.tier and update.tier.startswith("TIER_") else None
    return NumberStatusEvent("", update.display_phone_number, account_id, update.event, tier,
                             QUALITY_OF_EVENT.get(update.event or ""), _when(at))
