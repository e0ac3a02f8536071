"""Fixtures for the inbox: the full stack plus signed-in browser-like clients (cookies, CSRF)."""
from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import CLIENT_TIMEOUT, Stack

PASSWORD = "correct horse battery"


class Browser:
    """An httpx client that behaves like a browser on the inbox: keeps cookies, sends the CSRF token."""

    def __init__(self, stack: Stack, headers: dict[str, str] | None = None):
        self.stack = stack
        self.client = httpx.AsyncClient(transport=stack.router, base_url="http://chatdesk.test",
                                        headers=headers or {}, follow_redirects=False, timeout=CLIENT_TIMEOUT)
        self.csrf = ""

    async def get(self, url: str, **kw) -> httpx.Response:
        resp = await self.client.get(url, **kw)
        m = re.search(r'<meta name="csrf-token" content="([^"]+)"', resp.text)
        if m:
            self.csrf = m.group(1)
        return resp

    async def post(self, url: str, data: dict | None = None, *, htmx: bool = True, **kw) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, "HX-Request": "true"} if htmx else {}
        return await self.client.post(url, data=data, headers={**headers, **kw.pop("headers", {})}, **kw)

    async def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        await self.get("/login")
        resp = await self.client.post("/login", data={"email": email, "password": password, "next": "/",
                                                      "csrf_token": self.csrf})
        return resp

    async def aclose(self) -> None:
        await self.client.aclose()


async def add_member(stack: Stack, workspace_id: int, email: str, role: str = "agent", name: str = "") -> int:
    from chatdesk.accounts import service as accounts
    from chatdesk.accounts.models import Workspace

    async with stack.rt.db.session() as session:
        ws = await session.get(Workspace, workspace_id)
        user = await accounts.add_user(session, ws, email, role, now=stack.clock.now(), password=PASSWORD,
                                       name=name or email.split("@")[0].title())
        return user.id


async def other_workspace(stack: Stack, name: str = "Other Shop") -> int:
    from chatdesk.accounts import service as accounts

    async with stack.rt.db.session() as session:
        return (await accounts.create_workspace(session, name, now=stack.clock.now())).id


@pytest.fixture
async def owner(stack: Stack) -> AsyncIterator[Browser]:
    await add_member(stack, stack.workspace_id, "owner@test.shop", "owner", "Olivia Owner")
    browser = Browser(stack)
    resp = await browser.login("owner@test.shop")
    assert resp.status_code == 303, resp.text
    await browser.get("/w/test-shop/")
    yield browser
    await browser.aclose()


async def conversation_of(stack: Stack, wa_id: str, text: str = "Hello", name: str | None = None) -> int:
    """A sandbox customer writes in; returns the conversation id once chatdesk has it."""
    from tests.conftest import settle

    if name is not None:
        resp = await stack.sandbox.post("/_sandbox/customers", json={"wa_id": wa_id, "name": name})
        assert resp.status_code == 201, resp.text
    await stack.customer_says(wa_id, type="text", text=text)

    async def found():
        for c in await stack.conversations():
            if c["contact"]["phone"] == wa_id or c["contact"]["name"] == name:
                return c["id"]
        return None
    return await settle(found)
