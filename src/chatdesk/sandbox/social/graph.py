"""The rest of the Messenger / Instagram Graph surface: attachment upload
(``POST /{version}/{page-id}/message_attachments``), node lookups for ``GET /{version}/{id}``
(a user's profile, the Page or account, ``/me``), and the URLs webhooks point at (CDN-style
attachment URLs and profile pictures, generated images served by the sandbox itself)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import media_gen
from ..config import SocialAccount
from ..sending import bearer_token
from . import checks, errors
from .model import SocialUser, attachment_id

if TYPE_CHECKING:
    from ..runtime import Sandbox

router = APIRouter()
USER_FIELDS = {"messenger": ("id", "first_name", "last_name", "name", "profile_pic", "locale"),
               "instagram": ("id", "name", "username", "profile_pic")}
ACCOUNT_FIELDS = ("id", "name", "picture", "username", "profile_picture_url")
LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE"}
GENERATED = {"png": ("image/png", media_gen.png), "mp4": ("video/mp4", media_gen.mp4),
             "ogg": ("audio/ogg", media_gen.ogg_opus), "pdf": ("application/pdf", media_gen.pdf)}


def token_of(request: Request) -> str | None:
    """Graph takes the token as a bearer header or as ``?access_token=``."""
    return (bearer_token(request.headers.get("authorization"))
            or request.query_params.get("access_token"))


def _colour(seed: str) -> tuple[int, int, int]:
    digest = sum(seed.encode()) * 2654435761
    return (60 + digest % 160, 60 + (digest >> 8) % 160, 60 + (digest >> 16) % 160)


def picture_url(sb: Sandbox, kind: str, object_id: str) -> str:
    return f"{sb.social.base_url}platform/profilepic/?{kind}={object_id}&ext=png"


def lookup(sb: Sandbox, object_id: str, token: str | None,
           fields: str | None) -> dict[str, Any] | None:
    """The answer for ``GET /{id}`` when the id is ours to answer, else None."""
    world = sb.social
    user = world.user(object_id)
    if user is not None:
        account = world.authenticate(user.account_id, token)
        return _pick(_user_node(sb, account, user), fields, USER_FIELDS[user.platform],
                     "User", "id,first_name,last_name" if user.platform == "messenger"
                     else "id,name,username")
    if object_id == "me" and not sb.state.token_known(token):
        world.authenticate("me", token)   # a token nobody holds: 190, as /me answers on Meta
    if not world.serves(object_id, token):
        return None
    account = world.authenticate(object_id, token)
    return _pick(_account_node(sb, account), fields, ACCOUNT_FIELDS,
                 "Page" if account.platform == "messenger" else "User", "id,name")


def _user_node(sb: Sandbox, account: SocialAccount, user: SocialUser) -> dict[str, Any]:
    pic = picture_url(sb, "psid", user.id)
    if account.platform == "instagram":
        return {"id": user.id, "name": user.name, "username": user.username or user.first_name,
                "profile_pic": pic}
    return {"id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "name": user.name, "profile_pic": pic, "locale": LOCALES.get(user.language, "en_US")}


def _account_node(sb: Sandbox, account: SocialAccount) -> dict[str, Any]:
    pic = picture_url(sb, "asid", account.account_id)
    return {"id": account.account_id, "name": account.name,
            "username": account.username or account.name.lower().replace(" ", "."),
            "profile_picture_url": pic,
            "picture": {"data": {"height": 50, "width": 50, "is_silhouette": False,
                                 "url": pic}}}


def _pick(node: dict[str, Any], fields: str | None, allowed: tuple[str, ...], node_type: str,
          default: str) -> dict[str, Any]:
    wanted = [f.strip() for f in (fields or default).split(",") if f.strip()]
    for field in wanted:
        if field not in allowed:
            raise errors.nonexisting_field(field, node_type)
    answer = {field: node[field] for field in wanted}
    answer.setdefault("id", node["id"])
    return answer


def upload(sb: Sandbox, object_id: str, token: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """``{"message": {"attachment": {"type", "payload": {"url", "is_reusable"}}}}`` →
    ``{"attachment_id": …}``; a file upload gets a URL the sandbox serves."""
    account = sb.social.authenticate(object_id, token)
    attachment = (data.get("message") or {}).get("attachment")
    if not isinstance(attachment, dict):
        raise errors.invalid_parameter("The parameter message[attachment] is required")
    kind = attachment.get("type")
    if kind not in ("image", "video", "audio", "file"):
        raise errors.invalid_parameter("Param message[attachment][type] must be one of "
                                       "{image, video, audio, file}")
    payload = attachment.get("payload") or {}
    checks.check_media_payload(payload, lambda _aid: False)
    new_id = attachment_id()
    sb.social.attachments[new_id] = {"account_id": account.account_id, "type": kind,
                                     "url": payload["url"]}
    return {"attachment_id": new_id}


async def read_upload(request: Request) -> dict[str, Any]:
    """A JSON body, or multipart with a ``message`` JSON field and a ``filedata`` file."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await request.form()
        message = json.loads(str(form.get("message") or "{}"))
        attachment = message.get("attachment") or {}
        payload = attachment.setdefault("payload", {})
        if form.get("filedata") is not None and "url" not in payload:
            payload["url"] = f"{request.base_url!s}messaging_cdn/?asset_id=upload&ext=png"
        return {"message": message}
    return checks.parse(await request.body())


@router.get("/messaging_cdn/")
@router.get("/ig_messaging_cdn/")
async def cdn(request: Request, asset_id: str = "", ext: str = "png") -> Response:
    """Attachment bytes behind the URLs in webhooks (a generated file of the advertised type)."""
    await request.app.state.sandbox.faults.slow_media()
    mime, generate = GENERATED.get(ext, GENERATED["png"])
    data = media_gen.png(rgb=_colour(asset_id)) if ext == "png" else generate()
    return Response(data, media_type=mime)


@router.get("/platform/profilepic/")
async def profile_pic(psid: str = "", asid: str = "") -> Response:
    return Response(media_gen.png(64, 64, _colour(psid or asid)), media_type="image/png")
