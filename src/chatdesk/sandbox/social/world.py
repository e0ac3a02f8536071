"""``SocialWorld``: the Messenger / Instagram side of one sandbox (``Sandbox.social``).

It owns the hosted accounts (with their tokens, bound on first use like WhatsApp numbers), the
users, the 24-hour windows, the messages in both directions, uploaded attachments and one
webhook dispatcher per platform. Each dispatcher has its own target URL and verify handshake
(handshake.py), and signs every delivery with the app secret of the account it is about.
"""
from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from ..background import Background
from ..config import SocialAccount
from ..handshake import WebhookTarget
from ..webhooks import Delivery, WebhookDispatcher
from . import errors
from .model import PLATFORMS, SocialInbound, SocialOutbound, SocialUser, scoped_id

if TYPE_CHECKING:
    from ..runtime import Sandbox

DEFAULT_BASE_URL = "http://127.0.0.1:8100/"


async def _closed() -> bool:
    return False


class SocialWorld:
    def __init__(self, sb: Sandbox, webhook_client: httpx.AsyncClient | None) -> None:
        self.sb, self.config = sb, sb.config
        self.hooks: dict[str, WebhookDispatcher] = {}
        self.targets: dict[str, WebhookTarget] = {}
        for platform in PLATFORMS:
            url = getattr(self.config, f"{platform}_webhook_url") or ""
            hooks = WebhookDispatcher(url, self.config.app_secret,
                                      tuple(self.config.webhook_retry), sb.clock, webhook_client)
            target = WebhookTarget(url, self._verify_token(platform),
                                   lenient=self.config.deliver_unverified,
                                   timeout=self.config.handshake_timeout, clock=sb.clock)
            hooks.gate = target.allows if url else _closed
            hooks.unreachable = lambda: self.sb.faults.webhook_unreachable
            self.hooks[platform], self.targets[platform] = hooks, target
        self.seen_base_url: str | None = None
        self._handshakes: list[asyncio.Task[bool]] = []
        self.receipts = Background()   # echoes, deliveries and reads to come (send.py)
        self.reset()

    def _verify_token(self, platform: str) -> str | None:
        return self.config.social_verify_tokens.get(platform, self.config.verify_token)

    def reset(self) -> None:
        self.accounts = {a.account_id: dataclasses.replace(a) for a in self.config.social_accounts}
        self.users: dict[str, SocialUser] = {}
        self.windows: dict[tuple[str, str], datetime] = {}
        self.outbound: list[SocialOutbound] = []
        self.outbound_by_mid: dict[str, SocialOutbound] = {}
        self.inbound: list[SocialInbound] = []
        self.inbound_by_mid: dict[str, SocialInbound] = {}
        self.attachments: dict[str, dict[str, Any]] = {}
        for hooks in self.hooks.values():
            hooks.reset()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        for platform, hooks in self.hooks.items():
            await hooks.start()
            if hooks.url:
                self._handshakes.append(asyncio.create_task(
                    self.targets[platform].verify(hooks.client), name=f"handshake-{platform}"))

    async def stop(self) -> None:
        for task in self._handshakes:
            task.cancel()
        await asyncio.gather(*self._handshakes, return_exceptions=True)
        self._handshakes = []
        for hooks in self.hooks.values():
            await hooks.stop()

    async def configure_webhook(self, platform: str, url: str, verify_token: str | None) -> None:
        hooks, target = self.hooks[platform], self.targets[platform]
        hooks.url = url
        hooks.gate = target.allows
        target.reconfigure(url, verify_token)
        await target.verify(hooks.client)

    # ------------------------------------------------------------------ accounts and tokens

    def account(self, account_id: str) -> SocialAccount | None:
        return self.accounts.get(account_id)

    def by_token(self, token: str | None) -> SocialAccount | None:
        return next((a for a in self.accounts.values()
                     if token and a.access_token == token), None)

    def serves(self, object_id: str, token: str | None) -> bool:
        """Whether a Graph call on ``object_id`` is for Messenger / Instagram."""
        if object_id == "me":
            return self.by_token(token) is not None
        return object_id in self.accounts

    def authenticate(self, account_id: str, token: str | None) -> SocialAccount:
        """190 for a missing or wrong token; ``me`` is the account the token belongs to."""
        if not token:
            raise errors.malformed_token()
        account = self.by_token(token) if account_id == "me" else self.accounts.get(account_id)
        if account is None:
            raise errors.invalid_token()
        if account.access_token is None:
            account.access_token = token   # trust on first use
        if token != account.access_token:
            raise errors.invalid_token()
        return account

    def upsert_account(self, account: SocialAccount) -> SocialAccount:
        self.accounts[account.account_id] = account
        return account

    def default_account(self, platform: str) -> SocialAccount | None:
        return next((a for a in self.accounts.values() if a.platform == platform), None)

    # ------------------------------------------------------------------ users and windows

    def user(self, user_id: str) -> SocialUser | None:
        return self.users.get(user_id)

    def add_user(self, platform: str, account_id: str, seed: str, **fields: Any) -> SocialUser:
        """The user a seed stands for on this account (the same id every time)."""
        user_id = fields.pop("id", None) or scoped_id(platform, account_id, seed)
        existing = self.users.get(user_id)
        if existing is not None:
            for key, value in fields.items():
                setattr(existing, key, value)
            return existing
        user = SocialUser(platform=platform, account_id=account_id, id=user_id, **fields)
        self.users[user_id] = user
        return user

    def note_user_event(self, account_id: str, user_id: str, at: datetime) -> None:
        key = (account_id, user_id)
        latest = self.windows.get(key)
        self.windows[key] = at if latest is None else max(latest, at)

    def last_user_event(self, account_id: str, user_id: str) -> datetime | None:
        return self.windows.get((account_id, user_id))

    def window_hours(self) -> timedelta:
        return timedelta(hours=self.config.window_hours)

    # ------------------------------------------------------------------ messages

    def add_outbound(self, record: SocialOutbound) -> None:
        self.outbound.append(record)
        self.outbound_by_mid[record.mid] = record

    def add_inbound(self, record: SocialInbound) -> None:
        self.inbound.append(record)
        self.inbound_by_mid[record.mid] = record

    def mark_seen(self, account_id: str, user_id: str) -> None:
        """``sender_action: mark_seen``: everything the user sent so far is read."""
        for record in self.inbound:
            if record.account_id == account_id and record.user_id == user_id:
                record.read_by_business = True

    # ------------------------------------------------------------------ webhooks

    @property
    def base_url(self) -> str:
        """Where attachment and picture URLs point (always ending in ``/``)."""
        base = self.config.public_url or self.seen_base_url or DEFAULT_BASE_URL
        return base if base.endswith("/") else base + "/"

    def send_webhook(self, account: SocialAccount, body: bytes, kind: str) -> Delivery:
        secret = account.app_secret or self.config.app_secret
        return self.hooks[account.platform].send(body, kind=kind, secret=secret)
