"""Who a customer is on the wire since April 2026: business-scoped user ids (BSUIDs), parent
BSUIDs, usernames, and whether the phone number is shared (SPEC §1.1, §1.2, §1.4, §2.1).

A BSUID is ``CC.`` + digits, ``CC`` the ISO country of the user's phone number. The sandbox
derives it from a stable seed (the phone number, or the username of a customer without one), so
a restarted sandbox gives the same customer the same id. Real BSUIDs are unique per business
portfolio; the sandbox hosts one portfolio, so one BSUID per customer is the same thing here.
"""
from __future__ import annotations

import hashlib
import re

# Calling-code prefixes of the countries the personas and common test numbers come from; longest
# prefix wins. Numbers from elsewhere get "ZZ" (an ISO user-assigned code), which clients accept.
COUNTRY_PREFIXES = {
    "1": "US", "7": "RU", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES",
    "36": "HU", "39": "IT", "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE",
    "47": "NO", "48": "PL", "49": "DE", "52": "MX", "54": "AR", "55": "BR", "61": "AU", "62": "ID",
    "64": "NZ", "81": "JP", "82": "KR", "86": "CN", "90": "TR", "91": "IN", "234": "NG",
    "254": "KE", "351": "PT", "352": "LU", "353": "IE", "358": "FI", "420": "CZ", "971": "AE",
    "972": "IL",
}
UNKNOWN_COUNTRY = "ZZ"
# ``CC.`` + up to 128 alphanumerics; a parent BSUID is ``CC.ENT.`` + the same (SPEC §1.1).
BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,128}")
PARENT_BSUID = re.compile(r"[A-Z]{2}\.ENT\.[A-Za-z0-9]{1,128}")


def country_of(wa_id: str) -> str:
    for length in (3, 2, 1):
        country = COUNTRY_PREFIXES.get(wa_id[:length])
        if country:
            return country
    return UNKNOWN_COUNTRY


def _digits(seed: str) -> str:
    """19 stable digits (the length of Meta's examples) from a seed."""
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return str(10**18 + value % (9 * 10**18))


def user_id_for(seed: str, country: str) -> str:
    return f"{country}.{_digits('user:' + seed)}"


def parent_user_id_for(seed: str, country: str) -> str:
    return f"{country}.ENT.{_digits('parent:' + seed)}"


def phone_user_id(wa_id: str) -> str:
    """The BSUID of a customer known by phone number (personas and ad-hoc customers alike)."""
    return user_id_for(wa_id, country_of(wa_id))


def parent_of(user_id: str) -> str:
    """The parent BSUID that goes with a BSUID (same country, derived from it)."""
    return parent_user_id_for(user_id, user_id.split(".", 1)[0])


def is_bsuid(value: str) -> bool:
    return bool(BSUID.fullmatch(value) or PARENT_BSUID.fullmatch(value))
