"""Schema and limit checks of a Send API body (SPEC §4.2), in the order Graph applies them:
recipient, sender action or message, messaging type and tag, then the message's content.

Limits: text ≤ 2,000 characters on Messenger and ≤ 1,000 on Instagram; quick replies ≤ 13 with
payloads ≤ 1,000 (titles longer than 20 characters are truncated by the apps, not refused);
button template ≤ 3 buttons (postback title ≤ 20, payload ≤ 1,000); metadata ≤ 1,000.
Instagram takes text quick replies only, and HUMAN_AGENT as its only tag.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors

TEXT_MAX = {"messenger": 2000, "instagram": 1000}
QUICK_REPLIES_MAX = 13
PAYLOAD_MAX = 1000
METADATA_MAX = 1000
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
TEMPLATE_TEXT_MAX = 640
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
TAGS = {"messenger": ("HUMAN_AGENT", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE",
                      "ACCOUNT_UPDATE"),
        "instagram": ("HUMAN_AGENT",)}
SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
ATTACHMENT_TYPES = {"messenger": ("image", "video", "audio", "file", "template"),
                    "instagram": ("image", "video", "audio", "file")}
QUICK_REPLY_TYPES = {"messenger": ("text", "user_phone_number", "user_email"),
                     "instagram": ("text",)}

AttachmentLookup = Callable[[str], bool]


@dataclass
class SendBody:
    recipient_id: str
    messaging_type: str | None
    tag: str | None
    sender_action: str | None
    message: dict[str, Any] | None
    kind: str   # text, image, video, audio, file, template, or the sender action
    raw: dict[str, Any]


def parse(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise errors.invalid_parameter("Request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise errors.invalid_parameter("Request body must be a JSON object")
    return data


def check(data: dict[str, Any], platform: str, attachment_known: AttachmentLookup) -> SendBody:
    recipient = data.get("recipient")
    if not isinstance(recipient, dict) or not recipient.get("id"):
        raise errors.invalid_parameter("The parameter recipient is required")
    action, message = data.get("sender_action"), data.get("message")
    if action is not None:
        if message is not None:
            raise errors.invalid_parameter("Param sender_action cannot be combined with message")
        if action not in SENDER_ACTIONS:
            raise errors.invalid_parameter(f"Param sender_action must be one of "
                                           f"{{{', '.join(SENDER_ACTIONS)}}}")
        return SendBody(str(recipient["id"]), None, None, action, None, action, data)
    if not isinstance(message, dict):
        raise errors.invalid_parameter("The parameter message is required")
    messaging_type, tag = _check_type(data, platform)
    kind = _check_message(message, platform, attachment_known)
    return SendBody(str(recipient["id"]), messaging_type, tag, None, message, kind, data)


def _check_type(data: dict[str, Any], platform: str) -> tuple[str, str | None]:
    messaging_type = data.get("messaging_type")
    if messaging_type is None:
        raise errors.invalid_parameter("The parameter messaging_type is required")
    if messaging_type not in MESSAGING_TYPES:
        raise errors.invalid_parameter(
            f"Param messaging_type must be one of {{{', '.join(MESSAGING_TYPES)}}}")
    tag = data.get("tag")
    if messaging_type != "MESSAGE_TAG":
        return messaging_type, None
    if not tag:
        raise errors.invalid_parameter("The parameter tag is required for MESSAGE_TAG")
    if tag not in TAGS[platform]:
        raise errors.invalid_parameter(f"Param tag must be one of {{{', '.join(TAGS[platform])}}}")
    return messaging_type, tag


def _check_message(message: dict[str, Any], platform: str,
                   attachment_known: AttachmentLookup) -> str:
    text, attachment = message.get("text"), message.get("attachment")
    if (text is None) == (attachment is None):
        raise errors.invalid_parameter("Message must have exactly one of text or attachment")
    metadata = message.get("metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) > METADATA_MAX):
        raise errors.invalid_parameter(f"Length of param message[metadata] must be less than "
                                       f"or equal to {METADATA_MAX}")
    if message.get("quick_replies") is not None:
        _check_quick_replies(message["quick_replies"], platform)
    if text is not None:
        if not isinstance(text, str) or not text:
            raise errors.invalid_parameter("Param message[text] must be a non-empty UTF-8 "
                                           "encoded string")
        if len(text) > TEXT_MAX[platform]:
            raise errors.invalid_parameter(f"Length of param message[text] must be less than "
                                           f"or equal to {TEXT_MAX[platform]}")
        return "text"
    return _check_attachment(attachment, platform, attachment_known)


def _check_quick_replies(replies: Any, platform: str) -> None:
    if not isinstance(replies, list) or not replies:
        raise errors.invalid_parameter("Param message[quick_replies] must be a non-empty array")
    if len(replies) > QUICK_REPLIES_MAX:
        raise errors.invalid_parameter(f"Param message[quick_replies] must have at most "
                                       f"{QUICK_REPLIES_MAX} elements")
    for index, reply in enumerate(replies):
        where = f"message[quick_replies][{index}]"
        if not isinstance(reply, dict):
            raise errors.invalid_parameter(f"Param {where} must be an object")
        content_type = reply.get("content_type")
        if content_type not in QUICK_REPLY_TYPES[platform]:
            raise errors.invalid_parameter(f"Param {where}[content_type] must be one of "
                                           f"{{{', '.join(QUICK_REPLY_TYPES[platform])}}}")
        if content_type != "text":
            continue
        if not reply.get("title") or not isinstance(reply["title"], str):
            raise errors.invalid_parameter(f"Param {where}[title] must be a non-empty string")
        payload = reply.get("payload")
        if not isinstance(payload, str | int) or not str(payload):
            raise errors.invalid_parameter(f"Param {where}[payload] must be a non-empty string")
        if len(str(payload)) > PAYLOAD_MAX:
            raise errors.invalid_parameter(f"Length of param {where}[payload] must be less "
                                           f"than or equal to {PAYLOAD_MAX}")


def _check_attachment(attachment: Any, platform: str, attachment_known: AttachmentLookup) -> str:
    if not isinstance(attachment, dict):
        raise errors.invalid_parameter("Param message[attachment] must be an object")
    kind = attachment.get("type")
    if kind not in ATTACHMENT_TYPES[platform]:
        raise errors.invalid_parameter(f"Param message[attachment][type] must be one of "
                                       f"{{{', '.join(ATTACHMENT_TYPES[platform])}}}")
    payload = attachment.get("payload")
    if not isinstance(payload, dict):
        raise errors.invalid_parameter("The parameter message[attachment][payload] is required")
    if kind == "template":
        _check_template(payload)
        return kind
    check_media_payload(payload, attachment_known)
    return kind


def check_media_payload(payload: dict[str, Any], attachment_known: AttachmentLookup) -> None:
    """By ``url`` (http(s)) or by an uploaded ``attachment_id``, never both."""
    url, attachment_id = payload.get("url"), payload.get("attachment_id")
    if (url is None) == (attachment_id is None):
        raise errors.invalid_parameter("Param message[attachment][payload] must have exactly "
                                       "one of url or attachment_id")
    if url is not None and not (isinstance(url, str)
                                and url.startswith(("http://", "https://"))):
        raise errors.invalid_parameter("Param message[attachment][payload][url] must be a "
                                       "valid URL")
    if attachment_id is not None and not attachment_known(str(attachment_id)):
        raise errors.invalid_parameter("Attachment Id is invalid")


def _check_template(payload: dict[str, Any]) -> None:
    template_type = payload.get("template_type")
    if template_type == "generic":
        elements = payload.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            raise errors.invalid_parameter("Param message[attachment][payload][elements] must "
                                           "have 1 to 10 elements")
        for element in elements:
            _check_buttons(element.get("buttons") or [], required=False)
        return
    if template_type != "button":
        raise errors.invalid_parameter("Param message[attachment][payload][template_type] "
                                       "must be one of {button, generic}")
    text = payload.get("text")
    if not isinstance(text, str) or not text or len(text) > TEMPLATE_TEXT_MAX:
        raise errors.invalid_parameter(f"Param message[attachment][payload][text] must be a "
                                       f"non-empty string of at most {TEMPLATE_TEXT_MAX} "
                                       f"characters")
    _check_buttons(payload.get("buttons"), required=True)


def _check_buttons(buttons: Any, *, required: bool) -> None:
    where = "message[attachment][payload][buttons]"
    if not isinstance(buttons, list) or (required and not buttons):
        raise errors.invalid_parameter(f"The parameter {where} is required")
    if len(buttons) > BUTTONS_MAX:
        raise errors.invalid_parameter(f"Param {where} must have at most {BUTTONS_MAX} "
                                       f"elements")
    for index, button in enumerate(buttons):
        kind = button.get("type") if isinstance(button, dict) else None
        title = button.get("title") if isinstance(button, dict) else None
        if kind not in ("postback", "web_url", "phone_number"):
            raise errors.invalid_parameter(f"Param {where}[{index}][type] must be one of "
                                           f"{{postback, web_url, phone_number}}")
        if not isinstance(title, str) or not title or len(title) > BUTTON_TITLE_MAX:
            raise errors.invalid_parameter(f"Param {where}[{index}][title] must be a non-empty "
                                           f"string of at most {BUTTON_TITLE_MAX} characters")
        if kind == "web_url" and not str(button.get("url", "")).startswith(("http://",
                                                                            "https://")):
            raise errors.invalid_parameter(f"Param {where}[{index}][url] must be a valid URL")
        if kind != "web_url" and not button.get("payload"):
            raise errors.invalid_parameter(f"Param {where}[{index}][payload] is required")
        if len(str(button.get("payload", ""))) > PAYLOAD_MAX:
            raise errors.invalid_parameter(f"Length of param {where}[{index}][payload] must "
                                           f"be less than or equal to {PAYLOAD_MAX}")
