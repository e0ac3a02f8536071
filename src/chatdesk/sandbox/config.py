"""Configuration of a sandbox instance: the business numbers it hosts and its simulation knobs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .faults import FaultModes
from .pricing import PriceRule

RETRY_HORIZON_SECONDS = 7 * 24 * 3600   # Meta redelivers a failed webhook for up to 7 days
RETRY_CAP_SECONDS = 15 * 60.0


def meta_retry_schedule() -> tuple[float, ...]:
    """Delays between redeliveries, as on Meta: decreasing frequency (1 s, 2 s, 4 s, ...,
    then every 15 minutes) until seven days have passed, then the notification is dropped."""
    delays: list[float] = []
    delay = 1.0
    while sum(delays) < RETRY_HORIZON_SECONDS:
        delays.append(delay)
        delay = min(delay * 2, RETRY_CAP_SECONDS)
    return tuple(delays)


@dataclass
class SandboxNumber:
    """A business phone number the sandbox hosts (what Meta calls a phone-number object)."""

    phone_number_id: str
    display_phone_number: str
    waba_id: str
    # None = trust on first use: the first bearer token used with this number is bound to it.
    access_token: str | None = None
    rate_limit_mps: float = 80.0
    # When the token's session ends (UTC-aware): later calls answer 190 / 463, as on Meta.
    token_expires_at: datetime | None = None


@dataclass
class SocialAccount:
    """A Facebook Page (Messenger) or an Instagram professional account the sandbox hosts."""

    platform: str                    # "messenger" or "instagram"
    account_id: str                  # the Page id / the Instagram account id
    name: str = "Sandbox Shop"
    access_token: str | None = None  # None = trust on first use, as for numbers
    app_secret: str | None = None    # signs this account's webhooks; None = the sandbox's
    username: str | None = None      # the Instagram account's handle
    app_id: int = 1517776481860111   # the app that sends, named in echoes


def default_social_accounts() -> list[SocialAccount]:
    """The Page and Instagram account of the conformance fixtures (SPEC §4)."""
    return [SocialAccount("messenger", "104729384756102"),
            SocialAccount("instagram", "17841400000000001", username="sandbox.shop")]


@dataclass
class SandboxConfig:
    """Everything a sandbox needs to run; delays are seconds so tests can shrink them."""

    webhook_url: str
    app_secret: str
    numbers: list[SandboxNumber] = field(default_factory=list)
    customers: int = 0
    customer_interval: float = 8.0
    status_delays: tuple[float, float, float] = (0.2, 0.6, 1.5)
    webhook_retry: tuple[float, ...] = field(default_factory=meta_retry_schedule)
    window_hours: float = 24.0
    seed: int | None = None
    # Identities: add parent BSUIDs (``parent_user_id``, ``from_parent_user_id``) to webhooks, as
    # for a business enrolled in linked-portfolio parent BSUIDs.
    parent_user_ids: bool = False
    # Pricing per message by date (pricing.DEFAULT_RULES: service messages charged from
    # 2026-10-01); None = the default table.
    pricing_rules: tuple[PriceRule, ...] | None = None
    # Leniencies (off = Meta's behaviour; see docs/sandbox.md):
    # a recipient the sandbox never saw write in counts as inside the service window;
    unknown_recipients_in_window: bool = False
    # ``failed`` statuses carry ``contacts`` (pywa 4.5.0 cannot parse them without).
    failed_status_contacts: bool = False
    # The verify handshake (SPEC §1.5) run against webhook_url on start: the token chatdesk
    # expects; None skips the handshake (webhooks then go out unverified).
    verify_token: str | None = None
    # Leniency: deliver even to a target that failed the handshake (Meta would not).
    deliver_unverified: bool = False
    handshake_timeout: float = 60.0   # seconds to keep retrying a receiver that is not up yet
    # Standing fault modes on start (faults.py; switchable later with POST /_sandbox/fault-modes).
    faults: FaultModes = field(default_factory=FaultModes)
    # Messenger and Instagram (social/): the accounts hosted and where their webhooks go
    # (None = nowhere: those webhooks are refused and logged, as for an unsubscribed app).
    social_accounts: list[SocialAccount] = field(default_factory=default_social_accounts)
    messenger_webhook_url: str | None = None
    instagram_webhook_url: str | None = None
    # Per-platform verify tokens for the handshake; a platform not named uses ``verify_token``.
    social_verify_tokens: dict[str, str] = field(default_factory=dict)
    human_agent_days: float = 7.0       # HUMAN_AGENT replies allowed this long after the user
    social_customers: int | None = None  # active Messenger/Instagram personas; None = customers
    # Base URL of the sandbox for attachment and profile-picture URLs in webhooks; None = the
    # base URL of the latest request it served.
    public_url: str | None = None
    # Leniency: a PSID / IGSID the sandbox never saw is a new user inside the window (Meta
    # answers 100 / 2018001 "No matching user found").
    unknown_social_users: bool = False


def webhook_urls(chatdesk_url: str) -> dict[str, str]:
    """Where chatdesk at ``chatdesk_url`` takes each platform's webhooks."""
    base = chatdesk_url.rstrip("/")
    return {platform: f"{base}/webhooks/{platform}"
            for platform in ("whatsapp", "messenger", "instagram")}


def whatsapp_webhook_url(chatdesk_url: str) -> str:
    return webhook_urls(chatdesk_url)["whatsapp"]
