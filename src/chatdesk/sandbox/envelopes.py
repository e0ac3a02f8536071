"""Building webhook bodies with the shared wire models, exactly in Meta's documented envelope:
``object: whatsapp_business_account`` → ``entry[{id: waba_id, changes[{field: "messages",
value{messaging_product, metadata, contacts, messages | statuses}}]}]``.

Contacts carry the 2026 identity fields (SPEC §1.1): ``user_id`` (BSUID) always, ``wa_id`` only
while the phone number is shared, ``profile.username`` for users who adopted one (never on a
``sent`` status), ``parent_user_id`` when the sandbox is configured with parent BSUIDs.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from chatdesk.channels.whatsapp.payloads import (
    Change,
    ChangeValue,
    Entry,
    InboundMessage,
    Metadata,
    Profile,
    Status,
    WebhookContact,
    WebhookEnvelope,
)

from .config import SandboxNumber
from .state import Customer


def contact(customer: Customer, *, username: bool = True,
            parent: bool = False) -> WebhookContact:
    """The ``contacts[]`` item for a customer (``username=False`` on ``sent`` statuses)."""
    profile: dict[str, str] = {"name": customer.name}
    if username and customer.username:
        profile["username"] = customer.username
    extra = {"parent_user_id": customer.parent_user_id} if parent else {}
    return WebhookContact(wa_id=customer.phone, user_id=customer.user_id,
                          profile=Profile(**profile), **extra)


def change(number: SandboxNumber, *, contacts: list[WebhookContact] | None = None,
           messages: list[InboundMessage] | None = None,
           statuses: list[Status] | None = None) -> Change:
    value = ChangeValue(
        messaging_product="whatsapp",
        metadata=Metadata(display_phone_number=number.display_phone_number,
                          phone_number_id=number.phone_number_id),
        contacts=contacts or None,
        messages=messages or None,
        statuses=statuses or None,
    )
    return Change(field="messages", value=value)


def envelope(changes: Iterable[tuple[SandboxNumber, Change]]) -> WebhookEnvelope:
    """One POST body; changes for numbers of the same WABA share one ``entry``."""
    entries: dict[str, Entry] = {}
    for number, item in changes:
        entries.setdefault(number.waba_id, Entry(id=number.waba_id, changes=[]))
        entries[number.waba_id].changes.append(item)
    return WebhookEnvelope(object="whatsapp_business_account", entry=list(entries.values()))


def messages_change(number: SandboxNumber,
                    items: list[tuple[WebhookContact, InboundMessage]]) -> Change:
    """Messages from one or more customers batched in a single ``value`` (one contact each)."""
    contacts: dict[str | None, WebhookContact] = {}
    for who, _ in items:
        contacts.setdefault(who.user_id, who)
    return change(number, contacts=list(contacts.values()), messages=[m for _, m in items])


def encode(body: WebhookEnvelope) -> bytes:
    """The exact bytes that are signed and sent (unknown/None fields omitted, wire names)."""
    return encode_json(body.wire())


def encode_json(data: Any) -> bytes:
    """JSON as Meta serialises webhooks before signing: compact and ASCII-only (non-ASCII text
    and emoji as ``\\uXXXX`` escapes), so a receiver must verify the raw bytes it got."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")
