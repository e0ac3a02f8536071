"""Schema checks of ``POST /{phone_number_id}/messages`` bodies (codes 100, 131008, 131009, 131051).

The body is parsed with the shared ``SendRequest`` wire model so the sandbox accepts exactly what
chatdesk's models can produce; pydantic "missing" errors become 131008, other structural errors
100, and value/limit violations 131009 with a details sentence naming the field.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from chatdesk.channels.whatsapp.payloads import MEDIA_TYPES, SendMedia, SendRequest

from .errors import GraphAPIError
from .identity import is_bsuid
from .ids import normalize_wa_id
from .interactive import check_interactive

TEXT_MAX = 4096
CAPTION_MAX = 1024
OPAQUE_MAX = 512
SEND_TYPES = ("text", *MEDIA_TYPES, "location", "contacts", "interactive", "template", "reaction")
CAPTIONED = ("image", "video", "document")
# Top-level keys of a send body (SPEC §2.1); anything else is refused with 100 (SPEC §2.4).
SEND_FIELDS = frozenset(SendRequest.model_fields) | {"recipient"}

MediaLookup = Callable[[str], bool]


def _loc(loc: tuple[Any, ...]) -> str:
    """Pydantic's error location in Meta's ``text['body']`` notation."""
    head, *rest = [str(part) for part in loc] or ["body"]
    return head + "".join(f"['{part}']" for part in rest)


def parse_send(raw: bytes) -> SendRequest:
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise GraphAPIError(100, "Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise GraphAPIError(100, "Request body must be a JSON object.")
    if "messaging_product" not in data:
        raise GraphAPIError(131008, "The parameter messaging_product is required.")
    if data["messaging_product"] != "whatsapp":
        raise GraphAPIError(131009, "Param messaging_product must be whatsapp.")
    unknown = sorted(set(data) - SEND_FIELDS)
    if unknown:
        raise GraphAPIError(100, f'Unexpected key "{unknown[0]}" on param.')
    try:
        return SendRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _loc(first["loc"])
        if first["type"] == "missing":
            raise GraphAPIError(131008, f"The parameter {field} is required.") from None
        raise GraphAPIError(100, f"Param {field} is not valid: {first['msg']}.") from None


def check_mark_read(req: SendRequest) -> str:
    """Mark-as-read: ``{"status": "read", "message_id": ...}``; returns the message id."""
    if req.status != "read":
        raise GraphAPIError(131009, "Param status must be read.")
    if not req.message_id:
        raise GraphAPIError(131008, "The parameter message_id is required.")
    return req.message_id


def addressee(req: SendRequest) -> tuple[str, str]:
    """How the send is addressed: ``("to", wa_id)`` or ``("recipient", BSUID)``. ``to`` wins
    when both are given (SPEC §2.1)."""
    if req.to:
        wa_id = normalize_wa_id(req.to)
        if not 5 <= len(wa_id) <= 15 or any(ch.isalpha() for ch in req.to):
            raise GraphAPIError(131009,
                                f"Param to is not a valid WhatsApp phone number: {req.to}")
        return "to", wa_id
    # ``recipient`` is read as an extra field so this works whether or not the wire model
    # declares it.
    recipient = getattr(req, "recipient", None)
    if recipient is None:
        raise GraphAPIError(131008, "The parameter to is required.")
    if not isinstance(recipient, str) or not is_bsuid(recipient):
        raise GraphAPIError(131009, "Param recipient is not a valid business-scoped user ID: "
                                    f"{recipient}")
    return "recipient", recipient


def check_message(req: SendRequest, media_exists: MediaLookup) -> tuple[str, str, str]:
    """Validate a message send; returns (type, how it is addressed, wa_id or BSUID)."""
    how, who = addressee(req)
    if req.recipient_type not in (None, "individual"):
        raise GraphAPIError(131009, "Param recipient_type must be individual.")
    kind = req.type or "text"
    if kind not in SEND_TYPES:
        raise GraphAPIError(131051, f"Unsupported message type: {kind}")
    if getattr(req, kind) is None:
        raise GraphAPIError(131008, f"The parameter {kind} is required.")
    if req.biz_opaque_callback_data and len(req.biz_opaque_callback_data) > OPAQUE_MAX:
        raise GraphAPIError(131009, "biz_opaque_callback_data is too long. "
                                    f"Max length is {OPAQUE_MAX}")
    _check_body(req, kind, media_exists)
    return kind, how, who


def _check_body(req: SendRequest, kind: str, media_exists: MediaLookup) -> None:
    # check_message made sure the field named by ``kind`` is there; the ``is not None`` tests
    # below only tell the type checker so.
    if kind == "text":
        _check_text(req.text.body if req.text else "")
    elif kind in MEDIA_TYPES:
        check_media(kind, getattr(req, kind), media_exists)
    elif kind == "location" and req.location is not None:
        _check_location(req.location.latitude, req.location.longitude)
    elif kind == "reaction" and req.reaction is not None and not req.reaction.message_id:
        raise GraphAPIError(131008, "The parameter reaction['message_id'] is required.")
    elif kind == "contacts":
        _check_contacts(req.contacts or [])
    elif kind == "interactive" and req.interactive is not None:
        check_interactive(req.interactive,
                          lambda k, m: check_media(k, _as_media(k, m), media_exists))
    elif kind == "template" and req.template is not None:
        _check_template(req.template)


def _check_text(body: str) -> None:
    if not body:
        raise GraphAPIError(131008, "The parameter text['body'] is required.")
    if len(body) > TEXT_MAX:
        raise GraphAPIError(131009, f"Text body is too long. Max length is {TEXT_MAX}")


def _as_media(kind: str, media: dict[str, Any]) -> SendMedia:
    try:
        return SendMedia.model_validate(media)
    except ValidationError:
        raise GraphAPIError(100, f"Param {kind} must be a media object.") from None


def check_media(kind: str, media: SendMedia, media_exists: MediaLookup) -> None:
    """By uploaded ``id`` or by http(s) ``link`` (never both); caption/filename where allowed."""
    if not media.id and not media.link:
        raise GraphAPIError(131008, f"The parameter {kind}['id'] or {kind}['link'] is required.")
    if media.id and media.link:
        raise GraphAPIError(100, f"Param {kind} must have either id or link, not both.")
    if media.link and not media.link.startswith(("http://", "https://")):
        raise GraphAPIError(131009, f"Param {kind}['link'] is not a valid http(s) URL.")
    if media.id and not media_exists(media.id):
        raise GraphAPIError(131009, f"Param {kind}['id'] is not a valid media id: {media.id}")
    if media.caption is not None and kind not in CAPTIONED:
        raise GraphAPIError(100, f"Param {kind}['caption'] is not a valid parameter.")
    if media.caption and len(media.caption) > CAPTION_MAX:
        raise GraphAPIError(131009, f"Caption is too long. Max length is {CAPTION_MAX}")
    if media.filename is not None and kind != "document":
        raise GraphAPIError(100, f"Param {kind}['filename'] is not a valid parameter.")


def _check_location(latitude: float, longitude: float) -> None:
    if not -90 <= latitude <= 90:
        raise GraphAPIError(131009, "Param location['latitude'] must be between -90 and 90.")
    if not -180 <= longitude <= 180:
        raise GraphAPIError(131009, "Param location['longitude'] must be between -180 and 180.")


def _check_contacts(cards: list[dict[str, Any]]) -> None:
    if not cards:
        raise GraphAPIError(131008, "The parameter contacts is required.")
    for card in cards:
        name = card.get("name") if isinstance(card, dict) else None
        if not isinstance(name, dict) or not name.get("formatted_name"):
            raise GraphAPIError(131008, "The parameter contacts[]['name']['formatted_name'] "
                                        "is required.")


def _check_template(template: dict[str, Any]) -> None:
    if not template.get("name"):
        raise GraphAPIError(131008, "The parameter template['name'] is required.")
    language = template.get("language")
    if not isinstance(language, dict) or not language.get("code"):
        raise GraphAPIError(131008, "The parameter template['language']['code'] is required.")
    components = template.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise GraphAPIError(100, "Param template['components'] must be a list of objects.")
