"""The Send API's documented refusals (SPEC §4.2), in Meta's Messenger error envelope:
``{"error": {"message": "(#code) …", "type": "OAuthException", "code", "error_subcode",
"fbtrace_id"}}`` with no ``error_data`` (that is WhatsApp's), answered with HTTP 400 as the
recorded traces show (190 included)."""
from __future__ import annotations

from ..errors import INVALID_TOKEN, INVALID_TOKEN_SUBCODE, MALFORMED_TOKEN, GraphAPIError

OUTSIDE_WINDOW_SUBCODE = 2018278
NO_MATCHING_USER_SUBCODE = 2018001
UNAVAILABLE_SUBCODE = 1545041


def messenger_error(code: int, sentence: str, subcode: int | None = None) -> GraphAPIError:
    return GraphAPIError(code, message=f"(#{code}) {sentence}", error_subcode=subcode,
                         http_status=400)


def invalid_parameter(sentence: str, subcode: int | None = None) -> GraphAPIError:
    return messenger_error(100, sentence, subcode)


def outside_window() -> GraphAPIError:
    """RESPONSE / UPDATE after 24 h, or HUMAN_AGENT after 7 days."""
    return messenger_error(10, "This message is sent outside of allowed window.",
                           OUTSIDE_WINDOW_SUBCODE)


def no_matching_user() -> GraphAPIError:
    return invalid_parameter("No matching user found", NO_MATCHING_USER_SUBCODE)


def user_unavailable() -> GraphAPIError:
    return messenger_error(551, "This person isn't available right now.", UNAVAILABLE_SUBCODE)


def malformed_token() -> GraphAPIError:
    return GraphAPIError(190, message=MALFORMED_TOKEN, http_status=400)


def invalid_token() -> GraphAPIError:
    return GraphAPIError(190, message=INVALID_TOKEN, error_subcode=INVALID_TOKEN_SUBCODE,
                         http_status=400)


def nonexisting_field(field: str, node: str) -> GraphAPIError:
    return invalid_parameter(f"Tried accessing nonexisting field ({field}) on node type ({node})")
