"""Issue 12, defect 9: signing out ends the session server-side, and the CSRF token is bound to
the session."""
from __future__ import annotations

from chatdesk.inbox.security import CSRF_COOKIE, SESSION_COOKIE
from tests.inbox.conftest import Browser

WS = "/w/test-shop"


async def test_a_copied_cookie_stops_working_after_sign_out(stack, owner):
    stolen = owner.client.cookies.get(SESSION_COOKIE)
    assert (await owner.post("/logout")).status_code in (204, 303)
    thief = Browser(stack)
    thief.client.cookies.set(SESSION_COOKIE, stolen)
    resp = await thief.get(f"{WS}/")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")
    await thief.aclose()


async def test_signing_out_one_browser_keeps_the_others_signed_in(stack, owner):
    other = Browser(stack)
    assert (await other.login("owner@test.shop")).status_code == 303
    assert (await owner.post("/logout")).status_code in (204, 303)
    assert (await other.get(f"{WS}/")).status_code == 200
    await other.aclose()


async def test_a_csrf_token_minted_without_the_session_is_refused(stack, owner):
    """A sibling site can plant a CSRF cookie (cookie tossing) and knows the token it got for it
    while signed out; in the victim's session that pair must not pass."""
    attacker = Browser(stack)
    await attacker.get("/login")
    planted, token = attacker.client.cookies.get(CSRF_COOKIE), attacker.csrf
    owner.client.cookies.set(CSRF_COOKIE, planted)
    resp = await owner.client.post(f"{WS}/settings/labels", data={"name": "pwned", "csrf_token": token})
    assert resp.status_code == 403
    await attacker.aclose()
