"""Pure policy for conversations and messages: the service window, what may be sent, how
delivery statuses move, and when to give up retrying. No I/O: functions of data and ``now``."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..channels.base import Capabilities
from ..channels.content import MEDIA_TYPES, Content
from ..core.errors import Problem
from ..core.params import text_id
from ..core.states import OUTBOUND_ORDER, MessageStatus

# Delivery statuses of an outbound message, in the only order they may move.
# queued: in the outbox; pending: accepted by the provider; then the provider's receipts.
STATUS_ORDER: tuple[str, ...] = OUTBOUND_ORDER
FAILED = MessageStatus.FAILED
INBOUND_STATUS = MessageStatus.RECEIVED
NOTE_STATUS = MessageStatus.NOTE


def next_status(current: str, incoming: str) -> str | None:
    """The status after ``incoming`` arrives, or None when it changes nothing.

    Statuses only move forward (a late ``sent`` never undoes ``read``). ``failed`` is final,
    and wins over anything short of delivery (a message delivered or read did reach the
    customer, whatever arrives later).
    """
    if current == FAILED or current not in STATUS_ORDER:
        return None
    if incoming == FAILED:
        return FAILED if STATUS_ORDER.index(current) < STATUS_ORDER.index("delivered") else None
    if incoming not in STATUS_ORDER:
        return None
    return incoming if STATUS_ORDER.index(incoming) > STATUS_ORDER.index(current) else None


def window_open(caps: Capabilities, last_inbound_at: datetime | None, now: datetime,
                closed_at: datetime | None = None) -> bool:
    """Is the customer service window open (free-form messages allowed)? ``closed_at``: when the
    provider reported it closed (a re-engagement failure, in the provider's time); that wins
    over our clock, even one running behind the provider's, until the customer writes again."""
    window = reply_window(caps)
    if window is None:
        return True
    if last_inbound_at is None or reported_closed(last_inbound_at, closed_at):
        return False
    return now < last_inbound_at + window


def reply_window(caps: Capabilities) -> timedelta | None:
    """How long after the customer's last message any reply may go out: the standard window, or
    the human-agent grace after it where the channel has one (Messenger, Instagram: 7 days)."""
    return caps.human_agent_window or caps.service_window


def needs_human_agent(caps: Capabilities, last_inbound_at: datetime | None, now: datetime) -> bool:
    """Past the standard window, inside the human-agent grace: the reply goes with the channel's
    human-agent tag (``OutboundMessage.human_agent``)."""
    return (caps.human_agent_window is not None and caps.service_window is not None
            and last_inbound_at is not None and now >= last_inbound_at + caps.service_window)


def reported_closed(last_inbound_at: datetime | None, closed_at: datetime | None) -> bool:
    """Did the provider report the window closed after the customer's last message? (A message
    the customer wrote after that report opens a new window.)"""
    return closed_at is not None and (last_inbound_at is None or closed_at >= last_inbound_at)


def window_closes_at(caps: Capabilities, last_inbound_at: datetime | None,
                     closed_at: datetime | None = None) -> datetime | None:
    window = reply_window(caps)
    if window is None or last_inbound_at is None:
        return None
    closes = last_inbound_at + window
    return min(closes, closed_at) if closed_at is not None and reported_closed(last_inbound_at, closed_at) \
        else closes


def closes_window(caps: Capabilities, error_code: int | None) -> bool:
    """Does a failure with ``error_code`` mean the provider found the window closed (WhatsApp's
    131047: accepted, then failed because the customer last wrote too long ago)?"""
    return error_code is not None and error_code in caps.window_closed_errors


@dataclass(frozen=True)
class Refusal:
    """Why a message may not be sent; ``code`` is the stable problem code. The detail is a
    message with ``%(name)s`` placeholders and its values, so the inbox can translate it."""

    code: str
    title: str
    message: str
    values: dict[str, str] = field(default_factory=dict)
    status: int = 422

    @property
    def detail(self) -> str:
        return self.message % self.values

    def problem(self) -> Problem:
        return Problem(self.status, self.code, self.title, self.detail, detail_msg=(self.message, self.values))


def duration_text(span: timedelta) -> str:
    """A window's length as people say it: "24 hours", "7 days", "90 minutes"."""
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes > 24 * 60:
        n, unit = minutes // (24 * 60), "day"
    elif minutes % 60 == 0:
        n, unit = minutes // 60, "hour"
    else:
        n, unit = minutes, "minute"
    return f"{n} {unit}{'' if n == 1 else 's'}"


TEMPLATE_TYPES = frozenset({"template"})
CAPTIONED = frozenset({"image", "video", "document"})
# A private note's length: far beyond what anyone writes, far below what would make the
# conversation a page of megabytes (notes are shown to every agent, each time it opens).
NOTE_MAX = 20_000


ONLY_TEMPLATES = "%(channel)s allows only an approved template until they write again."


def check_outbound(caps: Capabilities, *, type: str, text: str | None, last_inbound_at: datetime | None,
                   now: datetime, window_closed_at: datetime | None = None,
                   content: Content | None = None) -> Refusal | None:
    """Whether a message of ``type`` may go out on this channel now; None means it may.
    ``window_closed_at``: when the provider last reported the window closed (see ``window_open``)."""
    channel = {"channel": caps.title}
    if type not in caps.outbound_types:
        return Refusal("unsupported_type", "This channel cannot send this type of message",
                       "%(channel)s does not send %(type)s messages.", {**channel, "type": type})
    if type == "text" and not (text or "").strip():
        return Refusal("empty_message", "The message is empty", "Write some text to send.")
    limit = caps.text_max if type == "text" else caps.caption_max if type in CAPTIONED else None
    if limit is not None and text and len(text) > limit:
        return Refusal("text_too_long", "The message is too long",
                       "%(channel)s allows %(limit)s characters here; this has %(length)s.",
                       {**channel, "limit": str(limit), "length": str(len(text))})
    if type not in TEMPLATE_TYPES and caps.service_window is not None and \
            not window_open(caps, last_inbound_at, now, window_closed_at):
        if last_inbound_at is None:
            return Refusal("window_closed", "The customer service window is closed",
                           "The customer has not written on this channel yet. " + ONLY_TEMPLATES, channel)
        window = reply_window(caps)
        assert window is not None
        if not TEMPLATE_TYPES & caps.outbound_types:  # nothing at all may go out: say since when
            return Refusal("window_closed", "The customer service window is closed", NO_REPLY,
                           {**channel, "window": duration_text(window),
                            "last": last_inbound_at.strftime("%Y-%m-%d %H:%M UTC")})
        return Refusal("window_closed", "The customer service window is closed",
                       "More than %(window)s have passed since the customer last wrote. " + ONLY_TEMPLATES,
                       {**channel, "window": duration_text(window)})
    return None


NO_REPLY = ("The customer last wrote on %(last)s, more than %(window)s ago. %(channel)s allows no reply "
            "until they write again.")


def check_media(caps: Capabilities, *, type: str, size: int, mime: str | None = None) -> Refusal | None:
    """Whether an uploaded file of ``size`` bytes (and ``mime`` type) may go out as ``type`` on this channel."""
    if type not in MEDIA_TYPES:  # else it would be stored, and read again on every send attempt
        return Refusal("upload_not_media", "This type of message takes no file",
                       "A %(type)s message cannot carry a file; send it as an image, video, audio, "
                       "document or sticker.", {"type": type})
    if size == 0:
        return Refusal("media_empty", "The file is empty", "Choose a file with something in it.")
    allowed = caps.media_mime_types.get(type)
    base = (mime or "").split(";")[0].strip().lower()
    if allowed and mime is not None and base not in allowed:
        return Refusal("media_type_unsupported", "This kind of file cannot be sent on this channel",
                       "%(channel)s does not take %(mime)s files as %(type)s; it takes %(allowed)s.",
                       {"channel": caps.title, "mime": base or "?", "type": type,
                        "allowed": ", ".join(sorted(allowed))})
    cap = caps.media_max_bytes.get(type, 0)
    if cap and size > cap:
        return Refusal("media_too_large", "The file is too large for this channel",
                       "%(channel)s takes %(type)s files of at most %(size)s.",
                       {"channel": caps.title, "type": type, "size": _megabytes(cap)}, status=413)
    return None


def _megabytes(size: int) -> str:
    return f"{size // 2**20} MB" if size >= 2**20 else f"{size // 2**10} KB"


MAX_SEND_ATTEMPTS = 8

# An attempt whose outcome we never learned (the process died, or the connection broke after
# the request went out) may have reached the provider. Its receipts, which carry the message's
# tracking tag, would tell us within seconds; only after this long without one is it sent again.
SEND_RECONCILE_SECONDS = 30.0
# while sending is paused (core/sending_pause.py) workers do not claim send jobs; one claimed just
# as the pause began is put back, its attempt given back, to be claimed again this much later
PAUSED_RECHECK_SECONDS = 2.0
UNANSWERED = ("sending", "uncertain")  # send_attempts outcomes that leave delivery unknown
TRACKING_PREFIX = "chatdesk:message:"


def tracking_tag(message_id: int) -> str:
    """The tag an outbound message is sent with; the provider repeats it on its receipts."""
    return f"{TRACKING_PREFIX}{message_id}"


def tracked_message_id(tag: str | None) -> int | None:
    """The message id in a receipt's tracking tag, or None for a tag that is not ours."""
    if not tag or not tag.startswith(TRACKING_PREFIX):
        return None
    rest = tag[len(TRACKING_PREFIX):]
    return text_id(rest)


def resend_wait(last_outcome: str | None, last_at: datetime | None, now: datetime) -> float:
    """Seconds to hold a send back because an earlier attempt may still prove delivered
    (0: send now). Only unanswered attempts hold it back, for ``SEND_RECONCILE_SECONDS``."""
    if last_outcome not in UNANSWERED or last_at is None:
        return 0.0
    return max(0.0, SEND_RECONCILE_SECONDS - (now - last_at).total_seconds())


def retry_delay(attempt: int, retry_after: float | None, jitter: float) -> float:
    """Seconds before the next send attempt: the provider's hint, else exponential backoff
    (1 s, 2 s, 4 s ... capped at 5 minutes) with ``jitter`` in [0, 1) spreading the herd."""
    if retry_after is not None:
        return retry_after
    return min(300.0, 2.0 ** max(0, attempt - 1)) * (0.5 + 0.5 * jitter)
