"""Consent rules, table-driven: keywords, confirmations, the current state, marketing needs an opt-in."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from chatdesk.contacts import consent_policy as cp


@pytest.mark.parametrize("text,expected", [
    ("STOP", cp.OPTED_OUT), ("stop", cp.OPTED_OUT), ("  Stop \n", cp.OPTED_OUT), ("STOP!", cp.OPTED_OUT),
    ("STOPP", cp.OPTED_OUT), ("Unsubscribe", cp.OPTED_OUT), ("afmelden", cp.OPTED_OUT),
    ("UITSCHRIJVEN", cp.OPTED_OUT), ("Abmelden", cp.OPTED_OUT), ("opt   out", cp.OPTED_OUT),
    ("START", cp.OPTED_IN), ("aanmelden", cp.OPTED_IN), ("ANMELDEN", cp.OPTED_IN),
    ("please stop", None), ("stop sending me this", None), ("STOPPED", None), ("", None), (None, None),
    ("Waar blijft mijn bestelling?", None),
])
def test_the_whole_message_is_the_keyword(text, expected):
    assert cp.keyword_status(text) == expected


@pytest.mark.parametrize("status,language,starts", [
    (cp.OPTED_OUT, "nl", "U ontvangt geen"), (cp.OPTED_OUT, "de_DE", "Sie erhalten keine"),
    (cp.OPTED_OUT, "en", "You will no longer"), (cp.OPTED_OUT, None, "You will no longer"),
    (cp.OPTED_OUT, "fr", "You will no longer"), (cp.OPTED_IN, "NL-be", "U bent weer"),
    (cp.OPTED_IN, "de", "Sie erhalten wieder"), (cp.OPTED_IN, "", "You are subscribed"),
])
def test_confirmation_in_the_contacts_language(status, language, starts):
    assert cp.confirmation(status, language).startswith(starts)


@dataclass
class E:
    channel_id: int
    purpose: str
    status: str


def test_current_state_is_the_latest_entry_per_channel_and_purpose():
    newest_first = [E(1, "marketing", "opted_out"), E(2, "marketing", "opted_in"), E(1, "marketing", "opted_in"),
                    E(1, "utility", "opted_in")]
    now = cp.current(newest_first)
    assert {k: v.status for k, v in now.items()} == {
        (1, "marketing"): "opted_out", (2, "marketing"): "opted_in", (1, "utility"): "opted_in"}


@pytest.mark.parametrize("category,status,refused", [
    ("MARKETING", None, True), ("MARKETING", "opted_out", True), ("MARKETING", "opted_in", False),
    ("marketing", "opted_out", True), ("UTILITY", None, False), ("AUTHENTICATION", "opted_out", False),
    (None, "opted_out", False),
])
def test_marketing_templates_need_a_current_opt_in(category, status, refused):
    problem = cp.check_marketing(status) if cp.needs_marketing_opt_in(category) else None
    assert (problem is not None) is refused
    if problem is not None:
        assert problem.status == 422 and problem.code == "consent_required"
