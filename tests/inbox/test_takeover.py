"""Issue 12, defect 1: an existing account joins another workspace only by proving its own
credentials (or accepting while signed in); never by someone else choosing its password."""
from __future__ import annotations

import re

import pytest

from chatdesk.core.errors import Problem
from tests.inbox.conftest import PASSWORD, Browser, add_member, other_workspace

WS = "/w/test-shop"
VICTIM = "boss@other.shop"


async def _passwordless_owner_elsewhere(stack) -> int:
    """What ``chatdesk user create boss@other.shop --workspace other-shop --role owner`` makes."""
    from chatdesk.accounts import service as accounts
    from chatdesk.accounts.models import Workspace

    other_id = await other_workspace(stack)
    async with stack.rt.db.session() as session:
        ws = await session.get(Workspace, other_id)
        await accounts.add_user(session, ws, VICTIM, "owner", now=stack.clock.now())
    return other_id


async def _invite(owner: Browser, email: str) -> str:
    await owner.get(f"{WS}/settings/agents")
    resp = await owner.post(f"{WS}/settings/agents/invite", {"email": email, "role": "agent",
                                                             "csrf_token": owner.csrf}, htmx=False)
    return re.search(r"(/invite/[\w-]+)", resp.text).group(1)


async def test_adding_a_passwordless_account_as_agent_does_not_set_its_password(stack, owner):
    await _passwordless_owner_elsewhere(stack)
    await owner.get(f"{WS}/settings/agents")
    resp = await owner.post(f"{WS}/settings/agents", {"email": VICTIM, "name": "x", "role": "agent",
                                                      "password": "attacker-password", "csrf_token": owner.csrf},
                            htmx=False)
    assert resp.status_code == 422 and "invite it instead" in resp.text
    attacker = Browser(stack)
    assert (await attacker.login(VICTIM, "attacker-password")).status_code == 401
    await attacker.aclose()


async def test_an_invite_link_does_not_set_a_passwordless_accounts_password(stack, owner):
    await _passwordless_owner_elsewhere(stack)
    link = await _invite(owner, VICTIM)
    attacker = Browser(stack)
    await attacker.get(link)
    resp = await attacker.post(link, {"name": "x", "password": "attacker-password",
                                      "csrf_token": attacker.csrf}, htmx=False)
    assert resp.status_code == 422 and "without a password" in resp.text
    assert (await attacker.login(VICTIM, "attacker-password")).status_code == 401
    await attacker.aclose()


async def test_the_invited_person_signed_in_joins_without_typing_a_password(stack, owner):
    other_id = await other_workspace(stack)
    await add_member(stack, other_id, "agent@other.shop", "agent")
    link = await _invite(owner, "agent@other.shop")
    invitee = Browser(stack)
    assert (await invitee.login("agent@other.shop")).status_code == 303
    page = await invitee.get(link)
    assert 'name="password"' not in page.text
    joined = await invitee.post(link, {"csrf_token": invitee.csrf}, htmx=False)
    assert joined.status_code == 303
    assert (await invitee.get(f"{WS}/")).status_code == 200
    await invitee.aclose()


async def test_someone_else_signed_in_must_still_prove_the_invited_accounts_password(stack, owner):
    other_id = await other_workspace(stack)
    await add_member(stack, other_id, "agent@other.shop", "agent")
    link = await _invite(owner, "agent@other.shop")
    # the owner who made the link opens it while signed in as themself
    resp = await owner.post(link, {"password": "guess", "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code == 422
    resp = await owner.post(link, {"password": PASSWORD, "csrf_token": owner.csrf}, htmx=False)
    assert resp.status_code == 303  # the account's own password: that is the proof


async def test_the_service_refuses_to_replace_an_existing_password(stack):
    from chatdesk.accounts import service as accounts
    from chatdesk.accounts.models import Workspace

    await add_member(stack, stack.workspace_id, "someone@test.shop")
    async with stack.rt.db.session() as session:
        ws = await session.get(Workspace, stack.workspace_id)
        with pytest.raises(Problem) as caught:
            await accounts.add_user(session, ws, "someone@test.shop", "admin", now=stack.clock.now(),
                                    password="new password!")
    assert caught.value.code == "user_exists"


async def test_the_operator_cli_can_still_set_a_password(stack):
    from chatdesk import admin

    await _passwordless_owner_elsewhere(stack)
    await admin.create_user(stack.settings, VICTIM, "other-shop", "owner", "operator-chosen", migrate=False)
    browser = Browser(stack)
    assert (await browser.login(VICTIM, "operator-chosen")).status_code == 303
    await browser.aclose()
