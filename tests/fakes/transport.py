"""One httpx transport that routes by host to in-process ASGI apps.

chatdesk calls the sandbox (Graph API) and the sandbox calls chatdesk (webhooks); both are
created before either can be handed to the other, so the routing table is filled afterwards.
This is real HTTP semantics over ASGI, not a mock: requests and responses are full HTTP messages.
"""
from __future__ import annotations

import asyncio

import httpx


class HostRouter(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}
        self.responses_to_lose: dict[str, int] = {}

    def lose_responses(self, host: str, count: int = 1) -> None:
        """The next ``count`` requests to ``host`` arrive and are handled, but their responses
        never come back (the connection breaks): the caller sees a read timeout."""
        self.responses_to_lose[host] = count

    def mount(self, host: str, app) -> None:
        self.apps[host] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(f"no app at {request.url.host}", request=request)
        # ASGITransport ignores timeouts; honour the read timeout as a socket would, so a
        # server that answers too late (the sandbox's timeout fault mode) times the client out.
        read = (request.extensions.get("timeout") or {}).get("read")
        try:
            response = await asyncio.wait_for(transport.handle_async_request(request), read)
        except TimeoutError:
            raise httpx.ReadTimeout("no answer within the read timeout", request=request) from None
        if self.responses_to_lose.get(request.url.host, 0) > 0:
            self.responses_to_lose[request.url.host] -= 1
            await response.aread()
            raise httpx.ReadTimeout("the response never came back", request=request)
        return response
