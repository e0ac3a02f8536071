"""Phone numbers as people type them, made E.164 with ``phonenumbers`` and the workspace's
default region (for numbers written without a country code), or refused with the reason."""
from __future__ import annotations

import phonenumbers


class BadPhone(ValueError):
    """A number that cannot be read as a valid one; the message says why."""


def normalise(raw: str, region: str | None) -> str:
    """``raw`` as E.164 ("+31612000444"): "+31 6 1200 0444", "0031612000444" and (region NL)
    "06-12000444" all give the same. Never guesses: an invalid number raises ``BadPhone``."""
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise BadPhone(f"{raw!r} is not a phone number" + ("" if region else " (no country code and no default "
                                                                               "region)")) from None
    if not phonenumbers.is_valid_number(number):
        raise BadPhone(f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_region(region: str) -> bool:
    return region.upper() in phonenumbers.SUPPORTED_REGIONS
