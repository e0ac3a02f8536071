"""Graph API error codes: which are worth retrying, and what to tell an agent about each."""
from __future__ import annotations

# Codes Meta documents as transient: throttling, internal errors, maintenance.
RETRIABLE_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131000, 131016, 131056, 131057, 133004})

# Sentences an agent understands, keyed by code (titles come from Meta and are terse).
EXPLANATIONS: dict[int, str] = {
    0: "WhatsApp could not authenticate this channel. Check the access token in the channel settings.",
    4: "WhatsApp is throttling this app; chatdesk will retry.",
    10: "This channel's app lacks the permission to send messages. Check the app's permissions in Meta.",
    100: "WhatsApp rejected the message as invalid (a parameter is wrong or missing).",
    190: "The channel's access token has expired or is invalid. Reconnect the channel with a new token.",
    200: "This channel's app lacks the permission to send messages.",
    368: "The WhatsApp number is temporarily blocked for policy violations.",
    80007: "The WhatsApp Business Account has hit its rate limit; chatdesk will retry.",
    130429: "The number is sending faster than WhatsApp allows; chatdesk will retry.",
    130472: "WhatsApp held this message back because the customer is part of an experiment.",
    131000: "WhatsApp had an internal error; chatdesk will retry.",
    131005: "Access denied: this channel's app lacks the needed permission.",
    131008: "WhatsApp rejected the message: a required parameter is missing.",
    131009: "WhatsApp rejected the message: a parameter value is not valid.",
    131016: "WhatsApp is temporarily unavailable; chatdesk will retry.",
    131021: "The recipient is this channel's own number.",
    131026: "The message could not be delivered: the customer may not use WhatsApp, may have blocked "
            "this number, or uses an outdated app.",
    131030: "The customer's number is not in the test number's allowed list.",
    131031: "The WhatsApp Business Account is locked.",
    131042: "There is a payment problem with the WhatsApp Business Account.",
    131047: "More than 24 hours have passed since the customer last wrote. Only an approved template "
            "can be sent until they write again.",
    131048: "The number is restricted because customers blocked or reported it (spam rate limit).",
    131049: "WhatsApp did not deliver this marketing message to keep engagement healthy; try again "
            "in a day or more.",
    131050: "The customer has stopped marketing messages from this business.",
    131051: "WhatsApp does not support this message type.",
    131052: "The customer's media could not be downloaded.",
    131053: "The media could not be uploaded; check its type and size.",
    131056: "Too many messages to this customer in a short time; chatdesk will retry.",
    131057: "The WhatsApp Business Account is in maintenance; chatdesk will retry.",
    132000: "The template's number of parameters does not match.",
    132001: "The template does not exist in this language or is not approved.",
    132005: "The template text is too long once filled in.",
    132007: "The template breaks WhatsApp's formatting policy.",
    132012: "A template parameter has the wrong format.",
    132015: "The template is paused for low quality.",
    132016: "The template is disabled.",
    133010: "The sending number is not registered with WhatsApp.",
}


def is_retriable(code: int | None, http_status: int | None = None) -> bool:
    if code is not None and code in RETRIABLE_CODES:
        return True
    return code is None and (http_status is None or http_status >= 500 or http_status == 429)


def explain(code: int | None, title: str | None = None) -> str:
    """A sentence for the agent: ours when we know the code, else Meta's title."""
    if code is not None and code in EXPLANATIONS:
        return EXPLANATIONS[code]
    return f"The message could not be sent: {title or 'unknown error'}" + (f" (code {code})." if code else ".")
