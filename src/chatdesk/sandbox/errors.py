"""Graph API errors: the code catalogue (title + HTTP status) and the documented error envelope.

Every rejection in the sandbox raises :class:`GraphAPIError`; the app turns it into
``{"error": {message: "(#code) Title", type: OAuthException, code, error_data{messaging_product,
details}, fbtrace_id}}`` built with the shared ``GraphError`` wire model.
"""
from __future__ import annotations

from typing import Any

from chatdesk.channels.whatsapp.payloads import GraphError, GraphErrorBody, WireError

from .ids import fbtrace_id

# code -> (title, HTTP status); titles from Meta's error-code reference (SPEC §3.3).
CATALOG: dict[int, tuple[str, int]] = {
    100: ("Invalid parameter", 400),
    190: ("Access token has expired", 401),
    130429: ("Rate limit hit", 400),
    131000: ("Something went wrong", 500),
    131005: ("Access denied", 403),
    131008: ("Required parameter is missing", 400),
    131009: ("Parameter value is not valid", 400),
    131016: ("Service unavailable", 503),
    131021: ("Recipient cannot be sender", 400),
    131026: ("Message undeliverable", 400),
    131047: ("Re-engagement message", 400),
    131048: ("Spam rate limit hit", 400),
    131050: ("User has stopped marketing messages", 400),
    131051: ("Message type unknown", 400),
    131052: ("Media download error", 400),
    131053: ("Media upload error", 400),
    131056: ("(Business Account, Consumer Account) pair rate limit hit", 400),
    132000: ("Number of parameters does not match the expected number of params", 400),
    132001: ("Template name does not exist in the translation", 400),
    132012: ("Parameter format does not match format in the created template", 400),
}

RE_ENGAGEMENT_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer "
    "last replied to this number."
)
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


def title_of(code: int) -> str:
    return CATALOG.get(code, ("Something went wrong", 400))[0]


class GraphAPIError(Exception):
    """A rejection answered synchronously with the Graph error envelope."""

    def __init__(self, code: int, details: str | None = None, *, http_status: int | None = None,
                 error_subcode: int | None = None) -> None:
        super().__init__(f"({code}) {details or title_of(code)}")
        self.code = code
        self.details = details
        self.http_status = http_status or CATALOG.get(code, ("", 400))[1]
        self.error_subcode = error_subcode

    def envelope(self) -> GraphError:
        error_data: dict[str, Any] = {"messaging_product": "whatsapp"}
        if self.details:
            error_data["details"] = self.details
        return GraphError(error=GraphErrorBody(
            message=f"(#{self.code}) {title_of(self.code)}",
            type="OAuthException",
            code=self.code,
            error_subcode=self.error_subcode,
            error_data=error_data,
            fbtrace_id=fbtrace_id(),
        ))


def webhook_error(code: int, details: str | None = None) -> WireError:
    """The asynchronous error shape carried by webhooks (``statuses[].errors[]``)."""
    title = title_of(code)
    return WireError(code=code, title=title, message=title,
                     error_data={"details": details or title}, href=ERROR_CODES_HREF)
