"""The join rule, table-driven: a verified phone or email joins a contact that has it on a
verified identity (or that the business entered itself); anything weaker is a suggestion."""
from __future__ import annotations

import pytest

from chatdesk.contacts.join import Candidate, Claim, Verdict, decide, e164, email_key

PHONE = "+31612000444"


@pytest.mark.parametrize(("raw", "region", "want"), [
    ("31612000444", None, PHONE), ("+31 6 1200 0444", None, PHONE), ("06 1200 0444", "NL", PHONE),
    ("12", None, None), ("not a number", None, None), ("", None, None), (None, None, None),
])
def test_phone_numbers_compare_in_e164(raw, region, want):
    assert e164(raw, region) == want


def test_emails_compare_case_folded():
    assert email_key("  Noor@Example.COM ") == "noor@example.com"
    assert email_key("nobody") is None and email_key("@") is None


VOUCHED = Candidate(7, "Noor", PHONE, None, frozenset({PHONE}))
TYPED = Candidate(8, "Noor", PHONE, None, frozenset(), has_identities=True)  # an anonymous visitor's typed number
ENTERED = Candidate(9, "Noor Jansen", "+31 6 1200 0444", "noor@example.com", frozenset(), has_identities=False)
MAILED = Candidate(10, "Noor", None, "NOOR@example.com", frozenset())


@pytest.mark.parametrize(("claim", "candidates", "want"), [
    # verified phone: joins the contact whose verified identity carries it
    (Claim(PHONE, None, "Noor", True), [VOUCHED], Verdict(7)),
    # ... and only suggests one where it was merely typed
    (Claim(PHONE, None, "Noor", True), [TYPED], Verdict(None, ((8, "phone"),))),
    (Claim(PHONE, None, "Noor", True), [TYPED, VOUCHED], Verdict(7, ((8, "phone"),))),
    # a contact the business entered (no identities) is joined by a verified phone or email
    (Claim(PHONE, None, None, True), [ENTERED], Verdict(9)),
    (Claim(None, "noor@example.com", None, True), [ENTERED], Verdict(9)),
    # unverified: never joined, only suggested
    (Claim(PHONE, None, "Noor", False), [VOUCHED], Verdict(None, ((7, "phone"),))),
    (Claim(None, "noor@example.com", "Noor", False), [MAILED], Verdict(None, ((10, "name_email"),))),
    (Claim(None, "noor@example.com", "Sam", False), [MAILED], Verdict(None, ((10, "email"),))),
    # the same name and the same last digits
    (Claim("+31687650444", None, "noor", False), [VOUCHED], Verdict(None, ((7, "name_phone_end"),))),
    (Claim("+31687650444", None, "Sam", False), [VOUCHED], Verdict(None)),
    # the oldest of several sure matches
    (Claim(PHONE, None, None, True), [Candidate(12, "A", None, None, frozenset({PHONE})), VOUCHED],
     Verdict(7, ((12, "phone"),))),
])
def test_decide(claim, candidates, want):
    assert decide(claim, candidates) == want
