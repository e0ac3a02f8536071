"""The Instagram channel: an account's direct messages (``object: instagram``) through the same
Send API as Messenger (``channels/meta/messaging_*``). What is Instagram's own: shorter texts,
images only, quick replies but no buttons, story mentions and replies, no delivery receipts."""
from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from ..base import Capabilities, ChannelSettings
from ..interactive_limits import InteractiveLimits
from ..meta import messaging_errors
from ..meta.messaging_adapter import MessagingAdapter
from .settings import InstagramSettings

CAPABILITIES = Capabilities(
    kind="instagram",
    title="Instagram",
    service_window=timedelta(hours=24),
    human_agent_window=timedelta(days=7),  # MESSAGE_TAG + HUMAN_AGENT, the only tag Instagram takes
    text_max=1000,  # "must be less than 1000 characters" (SPEC §4.2: Meta's 2026 page)
    caption_max=0,
    outbound_types=frozenset({"text", "image", "interactive"}),
    media_max_bytes={"image": 8 * 2**20},
    default_rate_mps=40.0,
    read_receipts=False,
    identity_scope="channel",  # an IGSID is scoped to the account
    window_closed_errors=frozenset({messaging_errors.WINDOW_CLOSED}),
    reauth_errors=frozenset({190}),
    # quick replies at most 13 with titles of 20; a button template's text 640 and 3 buttons (SPEC §4)
    interactive=InteractiveLimits(kinds=frozenset({"quick_replies"}), body_max={"quick_replies": 1000}),
    profiles=True,  # name and picture from GET /{id}
)


class InstagramAdapter(MessagingAdapter):
    kind: ClassVar[str] = "instagram"
    title: ClassVar[str] = "Instagram"
    capabilities: ClassVar[Capabilities] = CAPABILITIES
    settings_model: ClassVar[type[ChannelSettings]] = InstagramSettings
    webhook_object: ClassVar[str] = "instagram"
    explanations: ClassVar[dict[int, str]] = messaging_errors.explanations("Instagram")
    profile_fields: ClassVar[str] = "name,username,profile_pic"
    health_fields: ClassVar[str] = "name,username,profile_picture_url"
