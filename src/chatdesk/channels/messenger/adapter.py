"""The Messenger channel: a Facebook page's webhooks in (``object: page``), the Send API out.
The wire format and most of the behaviour are shared with Instagram (``channels/meta/messaging_*``);
this module declares what is Messenger's own: its limits, its errors' wording, its settings."""
from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from ..base import Capabilities, ChannelSettings
from ..interactive_limits import InteractiveLimits
from ..meta import messaging_errors
from ..meta.messaging_adapter import MessagingAdapter
from .settings import MessengerSettings

CAPABILITIES = Capabilities(
    kind="messenger",
    title="Messenger",
    service_window=timedelta(hours=24),
    human_agent_window=timedelta(days=7),  # MESSAGE_TAG + HUMAN_AGENT (SPEC §4.3)
    text_max=2000,
    caption_max=0,  # an attachment carries no text on Messenger
    outbound_types=frozenset({"text", "image", "video", "audio", "document", "interactive"}),
    media_max_bytes={"image": 25 * 2**20, "video": 25 * 2**20, "audio": 25 * 2**20, "document": 25 * 2**20},
    default_rate_mps=40.0,
    read_receipts=False,
    identity_scope="channel",  # a PSID is scoped to the page
    window_closed_errors=frozenset({messaging_errors.WINDOW_CLOSED}),
    reauth_errors=frozenset({190}),
    # quick replies at most 13 with titles of 20; a button template's text 640 and 3 buttons (SPEC §4)
    interactive=InteractiveLimits(kinds=frozenset({"quick_replies", "buttons"}),
                                  body_max={"quick_replies": 2000, "buttons": 640}),
    profiles=True,  # name and picture from GET /{id}
)


class MessengerAdapter(MessagingAdapter):
    kind: ClassVar[str] = "messenger"
    title: ClassVar[str] = "Messenger"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    settings_model: ClassVar[type[ChannelSettings]] = MessengerSettings
    webhook_object: ClassVar[str] = "page"
    explanations: ClassVar[dict[int, str]] = messaging_errors.explanations("Messenger")
    # the inbox's icon (SVG paths in a 24 by 24 box): a speech bubble with a lightning bolt
    icon: ClassVar[str] = ('<path d="M12 2C6.5 2 2 6.1 2 11.2c0 2.9 1.4 5.4 3.7 7.1V22l3.4-1.9c.9.3 1.9.4 2.9.4 '
                           '5.5 0 10-4.1 10-9.3S17.5 2 12 2z" fill="#0866ff"/>'
                           '<path d="M6.5 14.2l3-4.7 2.6 2 3.4-2-3 4.7-2.6-2z" fill="#fff"/>')
