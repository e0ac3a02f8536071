"""The Graph API surface chatdesk calls: ``/v{N}.{M}/{phone_number_id}/messages``, media upload,
media info / delete, and the lookaside-style download URL.

Every rejection answers the documented error envelope and is kept in the rejection log; every
Graph answer carries Meta's headers (``x-fb-trace-id``, ``x-fb-request-id``,
``facebook-api-version``, and ``www-authenticate`` on errors). Unknown versions and paths answer
2500 in the envelope, never a framework's ``{"detail": ...}``.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.types import Receive, Scope, Send

from chatdesk.channels.whatsapp.payloads import MediaInfo, MediaUploadResponse

from .errors import GraphAPIError, invalid_token, malformed_token, unknown_object, unknown_path
from .ids import fbtrace_id
from .media import MAX_BYTES, media_category
from .sending import DroppedConnection, bearer_token, handle_messages
from .social import graph as social_graph
from .social import send as social_send

if TYPE_CHECKING:
    from .runtime import Sandbox

router = APIRouter()
LATEST_VERSION = "v26.0"
# Graph API versions Meta has published (v2.0 … v2.12, v3.0 … v3.3, then v4.0 … the latest);
# anything else in the first path segment is an unknown path component (2500), as on Meta.
GRAPH_VERSIONS = frozenset({f"v2.{n}" for n in range(13)} | {f"v3.{n}" for n in range(4)}
                           | {f"v{n}.0" for n in range(4, int(LATEST_VERSION[1:-2]) + 1)})


class HangUp(httpx.RemoteProtocolError):
    """Raised after the response has started so the server drops the connection mid-answer.

    Under uvicorn the client sees the connection close; an in-process ``httpx.ASGITransport``
    client gets this exception, which is the ``RemoteProtocolError`` a real client would get.
    """


class DropResponse(Response):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"1024")]})
        raise HangUp("Server disconnected without sending a response.")


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


def _request_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


def meta_headers(version: str, trace_id: str | None = None) -> dict[str, str]:
    """What Graph puts on every answer; ``facebook-api-version`` is the version that served it."""
    return {"x-fb-trace-id": trace_id or fbtrace_id(), "x-fb-request-id": fbtrace_id(),
            "facebook-api-version": version if version in GRAPH_VERSIONS else LATEST_VERSION}


def error_response(exc: GraphAPIError, version: str) -> JSONResponse:
    headers = {**meta_headers(version, exc.fbtrace_id), "www-authenticate": exc.www_authenticate()}
    return JSONResponse(exc.envelope().wire(), status_code=exc.http_status, headers=headers)


def path_error(path: str) -> GraphAPIError:
    """2500 for a path Graph does not serve: it names every component after the first."""
    segments = [part for part in path.split("/") if part]
    return unknown_path("/" + "/".join(segments[1:]))


def check_path(sb: Sandbox, request: Request) -> GraphAPIError:
    """The error for a path Graph does not serve: the token is checked first (190), as on Meta,
    then the path (2500)."""
    token = bearer_token(request.headers.get("authorization"))
    if not token:
        return malformed_token()
    if sb.state.configured and not sb.state.token_known(token):
        return invalid_token()
    return path_error(request.url.path)


def unknown_path_response(request: Request) -> JSONResponse:
    """The sandbox app's 404 / 405 answer outside its own pages: Graph's envelope."""
    version = next((part for part in request.url.path.split("/") if part), "")
    return error_response(check_path(sandbox_of(request), request), version)


def graph_call(request: Request, version: str, endpoint: str, phone_number_id: str | None,
           raw: bytes, call: Callable[[], dict[str, Any]]) -> Response:
    """Run a Graph call; a GraphAPIError becomes the error envelope and a rejection log entry."""
    sb = sandbox_of(request)
    try:
        if version not in GRAPH_VERSIONS:
            raise check_path(sb, request)
        return JSONResponse(call(), headers=meta_headers(version))
    except DroppedConnection:
        sb.state.reject(_rejection(sb, endpoint, phone_number_id, raw, None, 0, "dropped"))
        return DropResponse()
    except GraphAPIError as exc:
        sb.state.reject(_rejection(sb, endpoint, phone_number_id, raw, exc.code,
                                   exc.http_status, exc.details or exc.message))
        return error_response(exc, version)


def _rejection(sb: Sandbox, endpoint: str, phone_number_id: str | None, raw: bytes,
               code: int | None, http_status: int, details: str | None) -> dict[str, Any]:
    return {"at": sb.clock().isoformat(), "endpoint": endpoint,
            "phone_number_id": phone_number_id, "code": code, "http_status": http_status,
            "details": details, "request": _request_json(raw)}


@router.get("/whatsapp_business/attachments/")
async def download(request: Request, mid: str = "", ext: str = "", hash: str = "") -> Response:
    """The media URL from ``GET /{media-id}``: valid five minutes, and only with the bearer."""
    sb = sandbox_of(request)
    obj = sb.media.get(mid)
    if obj is None or not sb.media.url_valid(mid, ext, hash, sb.clock()):
        return Response("URL not found or expired", status_code=404, media_type="text/plain")
    try:
        sb.state.authenticate(obj.phone_number_id,
                              bearer_token(request.headers.get("authorization")))
    except GraphAPIError as exc:
        return JSONResponse(exc.envelope().wire(), status_code=exc.http_status)
    await sb.faults.slow_media()
    return Response(obj.data, media_type=obj.mime_type.split(";")[0])


@router.post("/{version}/{phone_number_id}/messages")
async def post_messages(version: str, phone_number_id: str, request: Request) -> Response:
    raw = await request.body()
    auth = request.headers.get("authorization")
    modes = sandbox_of(request).faults
    if modes.latency:
        await asyncio.sleep(modes.latency)
    late = modes.roll_timeout()
    sb, token = sandbox_of(request), social_graph.token_of(request)
    if sb.social.serves(phone_number_id, token):   # a Page or an Instagram account (social/)
        return graph_call(request, version, "messages", phone_number_id, raw,
                          lambda: social_send.handle(sb, phone_number_id, token, raw))
    response = graph_call(request, version, "messages", phone_number_id, raw,
                          lambda: handle_messages(sandbox_of(request), phone_number_id, auth, raw,
                                                  version))
    if late:  # handled (a send went out), but the answer comes after the client gave up
        await asyncio.sleep(modes.hang_seconds)
    return response


@router.post("/{version}/{page_id}/message_attachments")
async def post_message_attachments(version: str, page_id: str, request: Request) -> Response:
    sb, token = sandbox_of(request), social_graph.token_of(request)
    try:
        data = await social_graph.read_upload(request)
    except (GraphAPIError, ValueError):
        data = {}
    return graph_call(request, version, "message_attachments", page_id, json.dumps(data).encode(),
                      lambda: social_graph.upload(sb, page_id, token, data))


@router.post("/{version}/{phone_number_id}/media")
async def post_media(version: str, phone_number_id: str, request: Request) -> Response:
    sb = sandbox_of(request)
    auth = request.headers.get("authorization")
    try:
        sb.state.authenticate(phone_number_id, bearer_token(auth))
        form = await request.form()
    except GraphAPIError as exc:
        return graph_call(request, version, "media", phone_number_id, b"", _raiser(exc))
    except Exception:  # an unparseable multipart body is a structural error
        return graph_call(request, version, "media", phone_number_id, b"",
                      _raiser(GraphAPIError(100, "Request body must be multipart/form-data.")))
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) else None
    # messaging_product may come as a form field (Meta's example, pywa) or in the query string
    # (whatsapp-api-js); Meta accepts both (SPEC §2.5).
    query = {k: v for k, v in request.query_params.items() if k == "messaging_product"}
    fields = {**query, **{k: v for k, v in form.items() if isinstance(v, str)}}
    mime = fields.get("type") or (upload.content_type if isinstance(upload, UploadFile) else "")
    filename = upload.filename if isinstance(upload, UploadFile) else None
    return graph_call(request, version, "media", phone_number_id, json.dumps(fields).encode(),
                  lambda: _store_upload(sb, phone_number_id, fields, data, mime or "", filename))


def _raiser(exc: GraphAPIError) -> Callable[[], dict[str, Any]]:
    def call() -> dict[str, Any]:
        raise exc
    return call


def _store_upload(sb: Sandbox, phone_number_id: str, fields: dict[str, str], data: bytes | None,
                  mime: str, filename: str | None) -> dict[str, Any]:
    if "messaging_product" not in fields:
        raise GraphAPIError(131008, "The parameter messaging_product is required.")
    if fields["messaging_product"] != "whatsapp":
        raise GraphAPIError(131009, "Param messaging_product must be whatsapp.")
    if data is None:
        raise GraphAPIError(131008, "The parameter file is required.")
    category = media_category(mime)
    if category is None:
        raise GraphAPIError(131009, f"Param type must be a supported MIME type, got {mime!r}.")
    if len(data) > MAX_BYTES[category]:
        raise GraphAPIError(131009, f"File is too large. Max size for {category} is "
                                    f"{MAX_BYTES[category] >> 10} KB")
    obj = sb.media.add(phone_number_id, mime, data, filename, sb.clock())
    return MediaUploadResponse(id=obj.id).wire()


@router.get("/{version}/{object_id}")
async def get_object(version: str, object_id: str, request: Request) -> Response:
    sb = sandbox_of(request)
    token = bearer_token(request.headers.get("authorization"))
    scope = request.query_params.get("phone_number_id")

    def call() -> dict[str, Any]:
        social = social_graph.lookup(sb, object_id, social_graph.token_of(request),
                                     request.query_params.get("fields"))
        if social is not None:   # a Messenger / Instagram user, Page or account
            return social
        if not token:
            raise malformed_token()
        obj = sb.media.get(object_id)
        if obj is not None and scope in (None, obj.phone_number_id):
            sb.state.authenticate(obj.phone_number_id, token, "get")
            query = sb.media.download_query(obj.id, sb.clock())
            return MediaInfo(url=f"{request.base_url}whatsapp_business/attachments/?{query}",
                             mime_type=obj.mime_type, sha256=obj.sha256,
                             file_size=str(len(obj.data)), id=obj.id).wire()
        number = sb.state.numbers.get(object_id)
        if number is not None:
            sb.state.authenticate(object_id, token, "get")
            return {"verified_name": f"Sandbox {number.display_phone_number}",
                    "display_phone_number": number.display_phone_number,
                    "id": number.phone_number_id, "quality_rating": "GREEN",
                    "code_verification_status": "VERIFIED", "platform_type": "CLOUD_API",
                    "throughput": {"level": "STANDARD"}}
        raise _not_found(sb, object_id, token, "get")

    return graph_call(request, version, "get", scope, b"", call)


@router.delete("/{version}/{media_id}")
async def delete_media(version: str, media_id: str, request: Request) -> Response:
    sb = sandbox_of(request)
    token = bearer_token(request.headers.get("authorization"))

    def call() -> dict[str, Any]:
        if not token:
            raise malformed_token()
        obj = sb.media.get(media_id)
        if obj is None:
            raise _not_found(sb, media_id, token, "delete")
        sb.state.authenticate(obj.phone_number_id, token, "delete")
        sb.media.delete(media_id)
        return {"success": True}

    return graph_call(request, version, "delete", None, b"", call)


def _not_found(sb: Sandbox, object_id: str, token: str, method: str) -> GraphAPIError:
    """An unknown object: a token no number knows fails authentication first (190), as on
    Meta; a valid token learns that the object does not exist (100, subcode 33)."""
    if not sb.state.token_known(token):
        return invalid_token()
    return unknown_object(object_id, method)
