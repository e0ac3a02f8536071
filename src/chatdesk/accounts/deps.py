"""Request authentication for the REST API: a bearer token names exactly one workspace."""
from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..core import logs
from ..core.errors import Problem
from ..core.runtime import Runtime, use_runtime
from .service import workspace_for_token

_bearer = HTTPBearer(auto_error=False)


async def api_workspace(creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
                        rt: Runtime = Depends(use_runtime)) -> int:
    """The workspace id the request's token belongs to; every query is scoped by it."""
    if creds is None or not creds.credentials:
        raise Problem(401, "unauthenticated", "A bearer token is required",
                      "Send 'Authorization: Bearer <token>' (create one with 'chatdesk token create').")
    async with rt.db.reader() as session:
        workspace_id = await workspace_for_token(session, creds.credentials)
    if workspace_id is None:
        raise Problem(401, "invalid_token", "The bearer token is not valid")
    logs.note(workspace_id=workspace_id)  # for the request's access line
    return workspace_id


def bearer_token(request: Request) -> str | None:
    """The request's bearer token, as ``api_workspace`` read it (for checking it again later)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
