"""Identifiers shaped the way Meta shapes them: wamids, media ids, trace ids, conversation ids.

A real wamid is ``wamid.`` + base64 of a small binary record: ``1c 18 <len> <wa_id digits>
15 02 00 <11 outbound | 12 inbound> 18 14 <20 hex chars> 00``. For an 11-digit wa_id that base64
starts ``HBgL``; other lengths change the third character (``HBgM`` for 12 digits), as on Meta.
"""
from __future__ import annotations

import base64
import secrets
import string

_OUTBOUND = b"\x11"
_INBOUND = b"\x12"


def wamid(wa_id: str, *, outbound: bool) -> str:
    """A new message id for a message between the business and ``wa_id``."""
    # A customer without a phone number is addressed by BSUID, which the id embeds instead.
    who = wa_id if "." in wa_id else "".join(ch for ch in wa_id if ch.isdigit())
    digits = who.encode()[:255]
    inner = secrets.token_hex(10).upper().encode()
    raw = (
        b"\x1c\x18" + bytes([len(digits)]) + digits + b"\x15\x02\x00"
        + (_OUTBOUND if outbound else _INBOUND)
        + b"\x18" + bytes([len(inner)]) + inner + b"\x00"
    )
    return "wamid." + base64.b64encode(raw).decode()


def media_id() -> str:
    """Media ids are 16-digit numeric strings."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def fbtrace_id() -> str:
    """Graph error trace ids are ~21 url-safe characters starting with ``A``."""
    alphabet = string.ascii_letters + string.digits
    return "A" + "".join(secrets.choice(alphabet) for _ in range(20))


def conversation_id() -> str:
    return secrets.token_hex(16)


def normalize_wa_id(to: str) -> str:
    """Meta accepts ``+``, spaces, dashes and brackets in ``to`` and answers the bare digits."""
    return "".join(ch for ch in to if ch.isdigit())
