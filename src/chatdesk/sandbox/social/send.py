"""The Send API (``POST /{version}/{page-or-ig-id}/messages``, ``/me/messages``) and customers
writing in.

A send is checked in this order: token (190) → body (100) → recipient known (100 / 2018001,
unless the ``unknown_social_users`` leniency) → recipient available (551 / 1545041) → messaging
type, tag and content (100) → window (10 / 2018278): RESPONSE and UPDATE within 24 hours of the
user's last event, MESSAGE_TAG + HUMAN_AGENT within ``human_agent_days``. An accepted message
gets its echo, then ``delivery`` (Messenger) and ``read`` (users with read receipts) webhooks
after ``config.status_delays``.
"""
from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..config import SocialAccount
from ..sending import apply_fault
from . import checks, errors, events
from .model import SocialInbound, SocialOutbound, SocialUser, new_mid

if TYPE_CHECKING:
    from ..runtime import Sandbox
    from .world import SocialWorld

def handle(sb: Sandbox, object_id: str, token: str | None, raw: bytes) -> dict[str, Any]:
    world = sb.social
    account = world.authenticate(object_id, token)
    apply_fault(sb, account.account_id)
    body = checks.check(checks.parse(raw), account.platform,
                        lambda aid: world.attachments.get(aid, {}).get("account_id")
                        == account.account_id)
    user = _recipient(sb, account, body.recipient_id)
    if body.sender_action is not None:
        if body.sender_action == "mark_seen":
            world.mark_seen(account.account_id, user.id)
        return {"recipient_id": user.id}
    _check_window(sb, account, user, body)
    record = SocialOutbound(seq=sb.state.next_seq(), mid=new_mid(account.platform,
                                                                 account.account_id),
                            platform=account.platform, account_id=account.account_id,
                            user_id=user.id, request=body.raw, accepted_at=sb.clock(),
                            kind=body.kind, messaging_type=body.messaging_type or "RESPONSE",
                            tag=body.tag)
    world.add_outbound(record)
    world.receipts.spawn(_receipts(sb, account, user, record))
    sb.social_simulator.on_business_message(record)
    return {"recipient_id": user.id, "message_id": record.mid}


def _recipient(sb: Sandbox, account: SocialAccount, user_id: str) -> SocialUser:
    world = sb.social
    user = world.user(user_id)
    if user is None or user.account_id != account.account_id:
        if not sb.config.unknown_social_users:
            raise errors.no_matching_user()
        user = world.add_user(account.platform, account.account_id, user_id, id=user_id,
                              first_name=user_id)
        world.note_user_event(account.account_id, user.id, sb.clock())
    if not user.available:
        raise errors.user_unavailable()
    return user


def _check_window(sb: Sandbox, account: SocialAccount, user: SocialUser,
                  body: checks.SendBody) -> None:
    last = sb.social.last_user_event(account.account_id, user.id)
    if last is None:
        raise errors.outside_window()
    age = sb.clock() - last
    if body.messaging_type in ("RESPONSE", "UPDATE"):
        if age >= timedelta(hours=sb.config.window_hours):
            raise errors.outside_window()
    elif body.tag == "HUMAN_AGENT" and age >= timedelta(days=sb.config.human_agent_days):
        raise errors.outside_window()


async def _receipts(sb: Sandbox, account: SocialAccount, user: SocialUser,
                    record: SocialOutbound) -> None:
    sent, delivered, read = sb.config.status_delays
    await asyncio.sleep(sent)
    _emit(sb.social, account, record, "echo", events.echo(account, record, sb.clock()))
    if account.platform == "messenger":
        await asyncio.sleep(max(delivered - sent, 0))
        _emit(sb.social, account, record, "delivery",
              events.delivery(account, record, sb.clock()))
    if user.read_receipts:
        await asyncio.sleep(max(read - delivered, 0))
        _emit(sb.social, account, record, "read", events.read(account, record, sb.clock()))


def _emit(world: SocialWorld, account: SocialAccount, record: SocialOutbound, kind: str,
          item: dict[str, Any]) -> None:
    now = world.sb.clock()
    record.statuses.append({"status": kind, "at": now.isoformat()})
    world.send_webhook(account, events.envelope(account, item, now), f"{account.platform}:{kind}")


# --------------------------------------------------------------------------- customers write


def customer_writes(sb: Sandbox, user: SocialUser, spec: events.EventSpec) -> dict[str, Any]:
    """The user does something (message, postback, reaction …): record it, restart the window
    and POST the webhook. Returns the mid and the exact body queued."""
    world = sb.social
    account = world.account(spec.account_id or user.account_id)
    if account is None:
        raise events.SpecError(f"unknown account {spec.account_id or user.account_id}")
    at = sb.clock() if spec.timestamp is None else _from_ms(spec.timestamp)
    mid = new_mid(account.platform, account.account_id)
    last = next((r.mid for r in reversed(world.outbound) if r.user_id == user.id), None)
    key, body = events.customer_event(spec, account, mid, world.base_url,
                                      account.app_secret or sb.config.app_secret, last)
    event_mid = body.get("mid", mid) if key != "reaction" else mid
    item = events.from_user(account, user, at, {key: body})
    world.add_inbound(SocialInbound(seq=sb.state.next_seq(), mid=event_mid,
                                    platform=account.platform, account_id=account.account_id,
                                    user_id=user.id, time=at, kind=spec.type, event=item))
    world.note_user_event(account.account_id, user.id, at)
    raw = events.envelope(account, item, sb.clock())
    world.send_webhook(account, raw, f"{account.platform}:{spec.type}")
    return {"id": event_mid, "webhook": json.loads(raw)}


def _from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)
