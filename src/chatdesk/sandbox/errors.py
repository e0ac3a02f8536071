"""Graph API errors: the code catalogue (title + HTTP status) and the documented error envelope.

Every rejection in the sandbox raises :class:`GraphAPIError`; the app turns it into
``{"error": {message: "(#code) Title", type: OAuthException, code, error_data{messaging_product,
details}, fbtrace_id}}`` built with the shared ``GraphError`` wire model. Graph-layer errors
(token 190, unknown object 100/33, unknown path 2500) carry Meta's own sentence as ``message``
and no ``error_data`` (SPEC §2.3); the factories at the end build them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chatdesk.channels.whatsapp.payloads import GraphError, GraphErrorBody, WireError

from .ids import fbtrace_id

# code -> (title, HTTP status); titles and statuses from Meta's error-code reference (SPEC §3.3).
# Codes that only ever arrive in status webhooks answer 400 if injected as a synchronous fault.
CATALOG: dict[int, tuple[str, int]] = {
    0: ("AuthException", 401),
    3: ("API Method", 400),
    4: ("API Too Many Calls", 400),
    10: ("Permission Denied", 403),
    100: ("Invalid parameter", 400),
    190: ("Access token has expired", 401),
    2500: ("Unknown path components", 400),
    **{code: ("API Permission", 403) for code in range(200, 300)},
    368: ("Temporarily blocked for policies violations", 400),
    80007: ("Rate limit issues", 400),
    130429: ("Rate limit hit", 400),
    130472: ("User's number is part of an experiment", 400),
    130497: ("Business account is restricted from messaging users in this country", 400),
    131000: ("Something went wrong", 500),
    131005: ("Access denied", 403),
    131008: ("Required parameter is missing", 400),
    131009: ("Parameter value is not valid", 400),
    131016: ("Service unavailable", 503),
    131021: ("Recipient cannot be sender", 400),
    131026: ("Message undeliverable", 400),
    131030: ("Recipient phone number not in allowed list", 400),
    131031: ("Account has been locked", 400),
    131042: ("Business eligibility payment issue", 400),
    131045: ("Incorrect certificate", 400),
    131047: ("Re-engagement message", 400),
    131048: ("Spam rate limit hit", 400),
    131049: ("This message was not delivered to maintain healthy ecosystem engagement", 400),
    131050: ("User has stopped marketing messages", 400),
    131051: ("Message type unknown", 400),
    131052: ("Media download error", 400),
    131053: ("Media upload error", 400),
    131056: ("(Business Account, Consumer Account) pair rate limit hit", 400),
    131057: ("Account in maintenance mode", 400),
    131062: ("Business-scoped User ID recipients are not supported for this message", 400),
    132000: ("Number of parameters does not match the expected number of params", 400),
    132001: ("Template name does not exist in the translation", 400),
    132005: ("Translated text too long", 400),
    132007: ("Template format character policy violated", 400),
    132008: ("Template parameter format mismatch", 400),
    132012: ("Parameter format does not match format in the created template", 400),
    132015: ("Template is paused", 400),
    132016: ("Template is disabled", 400),
    132068: ("Flow is blocked", 400),
    132069: ("Flow is throttled", 400),
    133010: ("Phone number not registered", 400),
    135000: ("Generic user error", 400),
}
UNKNOWN_ERROR = ("Something went wrong", 400)
INVALID_TOKEN_SUBCODE = 467   # with 190: "the user logged out" (463 is "Session has expired")
EXPIRED_TOKEN_SUBCODE = 463
MALFORMED_TOKEN = "Invalid OAuth access token - Cannot parse access token"
INVALID_TOKEN = "Error validating access token: The session is invalid because the user logged out."
UNKNOWN_OBJECT = ("Unsupported {method} request. Object with ID '{id}' does not exist, cannot be "
                  "loaded due to missing permissions, or does not support this operation. Please "
                  "read the Graph API documentation at https://developers.facebook.com/docs/graph-api")
# Meta states token times in Pacific time ("Thursday, 18-Jun-26 06:00:00 PDT", SPEC §2.3).
META_TIMEZONE = ZoneInfo("America/Los_Angeles")

RE_ENGAGEMENT_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number."
)
# The sentence Meta puts in ``error_data.details`` of a failed status, where it says more than
# the title (SPEC §3.3 and the wa_status_failed fixture); other codes repeat their title.
WEBHOOK_DETAILS: dict[int, str] = {
    131026: "Message failed to send because the recipient's phone number is not on WhatsApp, "
            "has not accepted the latest Terms of Service, or has blocked this business.",
    131047: RE_ENGAGEMENT_DETAILS,
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving "
            "marketing messages on WhatsApp from your business.",
    131052: "Unable to download the media sent by the user.",
    131053: "Unable to upload the media used in the message.",
}
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


def title_of(code: int) -> str:
    return CATALOG.get(code, UNKNOWN_ERROR)[0]


def http_status_of(code: int) -> int:
    return CATALOG.get(code, UNKNOWN_ERROR)[1]


class GraphAPIError(Exception):
    """A rejection answered synchronously with the Graph error envelope."""

    def __init__(self, code: int, details: str | None = None, *, http_status: int | None = None,
                 error_subcode: int | None = None, message: str | None = None,
                 type: str = "OAuthException") -> None:
        super().__init__(f"({code}) {message or details or title_of(code)}")
        self.code = code
        self.details = details
        self.http_status = http_status or http_status_of(code)
        self.error_subcode = error_subcode
        self.message = message   # a Graph-layer sentence: replaces "(#code) Title", no error_data
        self.type = type
        self.fbtrace_id = fbtrace_id()

    def envelope(self) -> GraphError:
        error_data: dict[str, Any] | None = None
        if self.message is None:
            error_data = {"messaging_product": "whatsapp"}
            if self.details:
                error_data["details"] = self.details
        return GraphError(error=GraphErrorBody(
            message=self.message or f"(#{self.code}) {title_of(self.code)}",
            type=self.type,
            code=self.code,
            error_subcode=self.error_subcode,
            error_data=error_data,
            fbtrace_id=self.fbtrace_id,
        ))

    def www_authenticate(self) -> str:
        """The header Graph adds to errors: ``OAuth "Facebook Platform" "<kind>" "<message>"``."""
        kind = ("invalid_token" if self.code == 190 else
                "insufficient_scope" if self.code == 10 or 200 <= self.code < 300 else
                "invalid_request")
        message = self.envelope().error.message.replace('"', "'")
        return f'OAuth "Facebook Platform" "{kind}" "{message}"'


def malformed_token() -> GraphAPIError:
    """A missing token, or one no number of the sandbox knows."""
    return GraphAPIError(190, message=MALFORMED_TOKEN)


def invalid_token() -> GraphAPIError:
    """A token the sandbox knows, but not for the number it is used with."""
    return GraphAPIError(190, message=INVALID_TOKEN, error_subcode=INVALID_TOKEN_SUBCODE)


def _meta_time(at: datetime) -> str:
    return at.astimezone(META_TIMEZONE).strftime("%A, %d-%b-%y %H:%M:%S %Z")


def expired_token(expired_at: datetime, now: datetime) -> GraphAPIError:
    return GraphAPIError(190, error_subcode=EXPIRED_TOKEN_SUBCODE, message=(
        f"Error validating access token: Session has expired on {_meta_time(expired_at)}. "
        f"The current time is {_meta_time(now)}."))


def unknown_object(object_id: str, method: str) -> GraphAPIError:
    """An id that does not exist (or that this token may not see): 100 / subcode 33."""
    return GraphAPIError(100, error_subcode=33, type="GraphMethodException",
                         message=UNKNOWN_OBJECT.format(method=method.lower(), id=object_id))


def unknown_path(components: str) -> GraphAPIError:
    """A path (or version) Graph does not know: 2500 naming what follows the first segment."""
    return GraphAPIError(2500, message=f"Unknown path components: {components}")


def webhook_error(code: int, details: str | None = None) -> WireError:
    """The asynchronous error shape carried by webhooks (``statuses[].errors[]``)."""
    title = title_of(code)
    return WireError(code=code, title=title, message=title,
                     error_data={"details": details or WEBHOOK_DETAILS.get(code, title)},
                     href=ERROR_CODES_HREF)
