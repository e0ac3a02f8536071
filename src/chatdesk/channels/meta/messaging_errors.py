"""Send API errors of Messenger and Instagram (SPEC §4.2): what to tell an agent, keyed by code,
or by subcode where Meta uses one code for several errors (code 10 / subcode 2018278 is the
closed window; code 100 / 2018001 an unknown user). Whether to retry is the Graph client's
call (``errors.is_retriable``: throttling codes 4, 32, 613 and Meta's ``is_transient``)."""
from __future__ import annotations

from .errors import EXPLANATIONS as GRAPH

# subcodes that name the error better than its code does: the adapter reports them as the code
SUBCODES = frozenset({2018278, 2018001, 2018034, 2018108, 1545041})
WINDOW_CLOSED = 2018278


def explanations(platform: str) -> dict[int, str]:
    """Sentences for ``platform`` (its name as agents read it)."""
    return {
        190: GRAPH[190],
        10: f"This channel's app lacks the permission to send on {platform}. Check the app's permissions in Meta.",
        100: f"{platform} rejected the message as invalid (a parameter is wrong or missing).",
        4: f"{platform} is throttling this app; chatdesk will retry.",
        32: f"{platform} is throttling this page; chatdesk will retry.",
        613: f"{platform} is throttling this app; chatdesk will retry.",
        551: "This person isn't available right now: they may have blocked the page or deleted their account.",
        1545041: "This person isn't available right now: they may have blocked the page or deleted their account.",
        WINDOW_CLOSED: f"{platform} refused the message: it is outside the allowed reply window "
                       "(more than 7 days since the customer last wrote, or 24 hours without the human agent tag).",
        2018001: f"{platform} does not know this customer (no matching user): they may have deleted their account.",
        2018034: f"{platform} refused an empty message.",
        2018108: f"{platform} refused the message: this customer cannot be reached from this page.",
    }


def explain_with(table: dict[int, str], code: int | None, title: str | None) -> str:
    if code is not None and code in table:
        return table[code]
    return f"The message could not be sent: {title or 'unknown error'}" + (f" (code {code})." if code else ".")
