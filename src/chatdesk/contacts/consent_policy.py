"""Pure consent policy: the ledger's vocabulary, opt-out / opt-in keywords (English, Dutch,
German) and their confirmations, the current state from the history, and whether a template
may go to a contact. No I/O: functions of data."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from ..core.errors import Problem

MARKETING, UTILITY = "marketing", "utility"
OPTED_IN, OPTED_OUT = "opted_in", "opted_out"
PURPOSES = (MARKETING, UTILITY)
STATUSES = (OPTED_IN, OPTED_OUT)
SOURCES = ("keyword", "widget", "api", "import", "agent")
MARKETING_CATEGORY = "MARKETING"

# The whole message, in any case and spacing, is the keyword (a sentence containing "stop" is not).
OPT_OUT_WORDS = frozenset({"stop", "stopp", "stoppen", "unsubscribe", "opt out", "optout", "afmelden",
                           "uitschrijven", "abmelden", "abbestellen"})
OPT_IN_WORDS = frozenset({"start", "subscribe", "opt in", "optin", "aanmelden", "anmelden"})
# What a keyword is answered with, by the contact's language; English when it has none we know.
CONFIRMATIONS = {
    OPTED_OUT: {
        "en": "You will no longer receive marketing messages from us. Reply START to subscribe again.",
        "nl": "U ontvangt geen marketingberichten meer van ons. Stuur AANMELDEN om u weer aan te melden.",
        "de": "Sie erhalten keine Marketingnachrichten mehr von uns. Antworten Sie ANMELDEN, um sich wieder "
              "anzumelden.",
    },
    OPTED_IN: {
        "en": "You are subscribed to our marketing messages again. Reply STOP to unsubscribe.",
        "nl": "U bent weer aangemeld voor onze marketingberichten. Stuur STOP om u af te melden.",
        "de": "Sie erhalten wieder unsere Marketingnachrichten. Antworten Sie STOPP, um sich abzumelden.",
    },
}


def keyword_status(text: str | None) -> str | None:
    """``opted_out`` / ``opted_in`` when the whole message is an opt-out / opt-in keyword, else None."""
    said = " ".join((text or "").casefold().split()).strip(".!")
    if said in OPT_OUT_WORDS:
        return OPTED_OUT
    if said in OPT_IN_WORDS:
        return OPTED_IN
    return None


def confirmation(status: str, language: str | None) -> str:
    """The answer to a keyword in the contact's language ("nl", "de_DE", "en-GB" ...)."""
    texts = CONFIRMATIONS[status]
    return texts.get((language or "")[:2].lower(), texts["en"])


class Entry(Protocol):
    @property
    def channel_id(self) -> int: ...
    @property
    def purpose(self) -> str: ...
    @property
    def status(self) -> str: ...


E = TypeVar("E", bound=Entry)


def current(history: Iterable[E]) -> dict[tuple[int, str], E]:
    """The current entry per (channel, purpose) of a history given newest first."""
    found: dict[tuple[int, str], E] = {}
    for entry in history:
        found.setdefault((entry.channel_id, entry.purpose), entry)
    return found


def needs_marketing_opt_in(category: str | None) -> bool:
    return (category or "").upper() == MARKETING_CATEGORY


def check_marketing(status: str | None) -> Problem | None:
    """A marketing template goes only to a contact whose current marketing consent on the
    channel is an opt-in (``status``: the latest entry's, None when there is none)."""
    if status == OPTED_IN:
        return None
    why = "opted out of" if status == OPTED_OUT else "not opted in to"
    return Problem(422, "consent_required", "The contact has not opted in to marketing messages",
                   f"The contact has {why} marketing messages on this channel; a marketing template needs "
                   "their opt-in.")
