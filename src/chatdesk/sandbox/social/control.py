"""The control API for Messenger and Instagram (under ``/_sandbox``): hosted accounts, users,
making a user write, what a user received, per-platform webhook targets, and the phone page's
switch that makes a customer a Messenger or an Instagram user."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from ..config import SocialAccount
from . import events, send
from .model import SocialUser

if TYPE_CHECKING:
    from ..runtime import Sandbox

router = APIRouter(prefix="/_sandbox")
Platform = Literal["messenger", "instagram"]


def sb_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


class AccountIn(BaseModel):
    platform: Platform
    account_id: str = Field(pattern=r"^[0-9]{5,20}$")
    name: str = "Sandbox Shop"
    access_token: str | None = None
    app_secret: str | None = None
    username: str | None = None


class UserIn(BaseModel):
    id: str | None = Field(default=None, pattern=r"^[0-9]{5,20}$")
    first_name: str
    last_name: str = ""
    username: str | None = None
    language: str = "en"
    read_receipts: bool = True
    available: bool = True
    account_id: str | None = None


class PlatformIn(BaseModel):
    platform: Literal["whatsapp", "messenger", "instagram"]


class WebhookIn(BaseModel):
    url: str
    verify_token: str | None = None


@router.get("/accounts")
async def list_accounts(request: Request) -> dict[str, Any]:
    return {"accounts": [_account_json(a) for a in sb_of(request).social.accounts.values()]}


@router.post("/accounts")
async def upsert_account(body: AccountIn, request: Request) -> dict[str, Any]:
    account = SocialAccount(**body.model_dump())
    return _account_json(sb_of(request).social.upsert_account(account))


def _account_json(account: SocialAccount) -> dict[str, Any]:
    return {"platform": account.platform, "account_id": account.account_id,
            "name": account.name, "username": account.username,
            "token_bound": account.access_token is not None}


@router.get("/{platform}/users")
async def list_users(platform: Platform, request: Request) -> dict[str, Any]:
    users = sb_of(request).social.users.values()
    return {"users": [u.to_json() for u in users if u.platform == platform]}


@router.post("/{platform}/users", status_code=201)
async def add_user(platform: Platform, body: UserIn, request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    account = _account(sb, platform, body.account_id)
    fields = body.model_dump(exclude={"account_id"}, exclude_none=True)
    seed = body.id or f"{body.first_name} {body.last_name}:{body.username}"
    return sb.social.add_user(platform, account.account_id, seed, **fields).to_json()


def _account(sb: Sandbox, platform: str, account_id: str | None) -> SocialAccount:
    account = (sb.social.account(account_id) if account_id
               else sb.social.default_account(platform))
    if account is None or account.platform != platform:
        raise HTTPException(404, f"no {platform} account {account_id or ''}".strip())
    return account


def _user(sb: Sandbox, platform: str, user_id: str) -> SocialUser:
    user = sb.social.user(user_id)
    if user is None or user.platform != platform:
        raise HTTPException(404, f"unknown {platform} user {user_id}")
    return user


@router.post("/{platform}/users/{user_id}/messages")
async def user_writes(platform: Platform, user_id: str, spec: events.EventSpec,
                      request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    try:
        return send.customer_writes(sb, _user(sb, platform, user_id), spec)
    except events.SpecError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/{platform}/users/{user_id}/inbox")
async def user_inbox(platform: Platform, user_id: str, request: Request) -> dict[str, Any]:
    sb = sb_of(request)
    user = _user(sb, platform, user_id)
    received = [_received(r.to_json()) for r in sb.social.outbound if r.user_id == user.id]
    sent = [r.to_json() for r in sb.social.inbound if r.user_id == user.id]
    return {"user": user.to_json(), "received": received, "sent": sent,
            "all_read_by_business": all(r["read_by_business"] for r in sent)}


def _received(data: dict[str, Any]) -> dict[str, Any]:
    statuses = [s["status"] for s in data["statuses"]]
    data["status"] = statuses[-1] if statuses else "accepted"
    return data


@router.post("/customers/{key}/platform")
async def switch_platform(key: str, body: PlatformIn, request: Request) -> dict[str, Any]:
    """The phone page's switch: this customer now writes on WhatsApp, Messenger or Instagram
    (on the platform's first account, as a user with a stable PSID / IGSID)."""
    sb = sb_of(request)
    customer = sb.state.customers.get(key)
    if customer is None:
        raise HTTPException(404, f"unknown customer {key}")
    customer.platform = body.platform
    answer: dict[str, Any] = {"key": key, "platform": body.platform, "user": None}
    if body.platform != "whatsapp":
        account = _account(sb, body.platform, None)
        first, _, last = customer.name.lstrip("+").partition(" ")
        user = sb.social.add_user(body.platform, account.account_id, f"customer:{key}",
                                  first_name=first or key, last_name=last,
                                  username=(customer.username or "").lstrip("@") or None,
                                  language=customer.language,
                                  read_receipts=customer.read_receipts, customer_key=key)
        answer["user"] = user.to_json()
    return answer


@router.get("/{platform}/webhook")
async def webhook_target(platform: Platform, request: Request) -> dict[str, Any]:
    return sb_of(request).social.targets[platform].to_json()


@router.post("/{platform}/webhook")
async def configure_webhook(platform: Platform, body: WebhookIn,
                            request: Request) -> dict[str, Any]:
    """Point this platform's webhooks at a URL; the verify handshake runs and is the answer."""
    world = sb_of(request).social
    token = (body.verify_token if "verify_token" in body.model_fields_set
             else world.targets[platform].verify_token)
    await world.configure_webhook(platform, body.url, token)
    return world.targets[platform].to_json()


def sent_records(sb: Sandbox, platform: str) -> list[dict[str, Any]]:
    return [r.to_json() for r in sb.social.outbound if r.platform == platform]
