"""A verified visitor's phone and email, normalised before they go on a contact (E.164 with
``phonenumbers``; anything that does not parse is dropped, never stored half-right)."""
from __future__ import annotations

import re

import phonenumbers

_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,255}\.[^@\s<>]{2,}$")


def phone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email(value: str | None) -> str | None:
    value = (value or "").strip()
    return value.lower() if value and len(value) <= 320 and _EMAIL.match(value) else None
