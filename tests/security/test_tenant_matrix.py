"""Tenant isolation, generated from the route table: every API route and inbox page called with the
other workspace's ids answers 404 and shows none of its data; every admin action is refused to an
agent. A route that is neither exercised here nor exempted (with the reason) fails the coverage test,
so a new route cannot slip past."""
from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from chatdesk.app import create_app
from tests.conftest import CLIENT_TIMEOUT
from tests.security.conftest import ATTACKER_SLUG, VICTIM_SLUG, Tenants, attacker_conversation
from tests.security.routes import Endpoint, endpoints

API = "/api/v1/"
INBOX = "/w/{slug}"
STREAMS = {"GET /api/v1/events", "GET /w/{slug}/events"}
# Not scoped by a workspace id in the path or the caller's session; why each is safe or tested elsewhere.
EXEMPT = {
    "GET /openapi.json": "the public API description, no data",
    "GET /docs": "Swagger UI page, no data",
    "GET /docs/oauth2-redirect": "Swagger UI helper, no data",
    "GET /redoc": "ReDoc page, no data",
    "GET /webhooks/{kind}": "Meta's verify handshake, keyed by a channel's verify token (tests/channels)",
    "POST /webhooks/{kind}": "authenticated by each named channel's app secret; a body naming another "
                             "workspace's number is refused whole (tests/channels/test_webhooks.py)",
    "GET /": "redirects to the signed-in user's own workspace",
    "GET /login": "sign-in form", "POST /login": "sign-in", "POST /logout": "sign-out",
    "POST /lang": "language cookie",
    "GET /invite/{token}": "the token is a bearer secret for one invite, not an enumerable id",
    "POST /invite/{token}": "the token is a bearer secret for one invite, not an enumerable id",
    "* /static/inbox": "static assets",
    "GET /healthz": "liveness, no data", "GET /readyz": "readiness, no data",
    "GET /metrics": "process metrics labelled by route template, no workspace data",
    **{k: "the signed-in agent's own profile and notifications (session cookie + CSRF); a workspace token "
          "names no agent and is refused (tests/inbox/test_notifications.py)"
       for k in ("GET /api/v1/me", "PATCH /api/v1/me", "GET /api/v1/notifications", "POST /api/v1/notifications/read")},
    **{f"{m} /widget/{{key}}{p}": "the web chat visitor API: keyed by the widget's public key, answered only to its "
       "allowed origins and to a visitor token signed with its secret (tests/widget)"
       for m, p in (("GET", ".js"), ("POST", "/attachments"), ("GET", "/messages"), ("POST", "/messages"),
                    ("POST", "/receipts"), ("POST", "/session"), ("GET", "/stream"), ("POST", "/typing"),
                    ("OPTIONS", "/{rest:path}"))},
}
# One form and one JSON body for every state-changing call: each field a route may require, so the
# request gets past validation to the lookup; where a field names a thing, it is the victim's.
FORM = {"text": "x", "mode": "note", "status": "resolved", "priority": "high", "role": "admin",
        "name": "Other Shop", "email": "new@other.shop", "shortcut": "x", "color": "slate", "action": "add"}
JSON = {"PATCH": {"status": "resolved"}, "POST": {"type": "text", "text": "x"}}


def _kind(e: Endpoint) -> str:
    if e.key in EXEMPT:
        return "exempt"
    if e.path.startswith(API):
        return "api"
    if e.path.startswith(INBOX):
        return "inbox"
    return "uncovered"


def test_every_route_is_in_the_matrix_or_exempt_with_a_reason(settings):
    app = create_app(settings, run_worker=False)
    table = endpoints(app)
    assert [e.key for e in table if _kind(e) == "uncovered"] == []
    assert sorted(set(EXEMPT) - {e.key for e in table}) == [], "exempted routes that no longer exist"
    known = {"slug", "conversation_id", "message_id", "contact_id", "channel_id", "user_id", "team_id",
             "label_id", "canned_id", "template_id", "def_id", "view_id", "import_id", "notification_id",
             "suggestion_id", "identity_id", "other_id"}
    assert {p for e in table if _kind(e) != "exempt" for p in e.params} <= known, "a new kind of id"
    assert sum(e.admin_only for e in table) >= 10  # the admin check is found through the dependencies


def _url(e: Endpoint, t: Tenants, slug: str) -> str:
    return e.path.format(**{**t.ids, "slug": slug})


async def _call(client: Any, e: Endpoint, url: str, t: Tenants) -> httpx.Response:
    if e.method == "GET":
        return await client.get(url, params={"q": "victim"})
    if isinstance(client, httpx.AsyncClient):  # the REST API
        return await client.request(e.method, url, json=JSON.get(e.method))
    victim = {"user_id": t.ids["user_id"], "assignee": t.ids["user_id"], "team": t.ids["team_id"],
              "label": t.ids["label_id"]}
    return await client.post(url, {**FORM, **{k: str(v) for k, v in victim.items()}})


def _invalid_body(resp: httpx.Response) -> bool:
    """A 422 of request validation (FastAPI checks the body before the handler looks anything up)."""
    try:
        return resp.json().get("code") == "invalid_request"
    except ValueError:
        return False


async def test_the_other_workspaces_ids_answer_404_and_reveal_nothing(tenants: Tenants):
    t = tenants
    api = httpx.AsyncClient(transport=t.stack.router, base_url="http://chatdesk.test", timeout=CLIENT_TIMEOUT,
                            headers={"Authorization": f"Bearer {t.attacker_token}"})
    failures: list[str] = []
    try:
        for e in endpoints(t.stack.app):
            kind = _kind(e)
            calls: list[tuple[str, Any, str, set[int]]] = []
            if kind == "api":
                if e.key not in STREAMS:
                    # no id in the path: the caller's own workspace (a create refuses the matrix's body)
                    own = {200} if e.method == "GET" else {200, 201, 202, 422}
                    calls.append(("token", api, _url(e, t, ""), {404} if e.params else own))
            elif kind == "inbox":
                # the victim's slug: not a member, so 404 whatever follows
                calls.append(("victim slug", t.attacker, _url(e, t, VICTIM_SLUG), {404}))
                if len(e.params) > 1:  # own slug, the victim's ids
                    calls.append(("own slug", t.attacker, _url(e, t, ATTACKER_SLUG), {404}))
                elif e.key not in STREAMS:  # own pages and forms: nothing of the victim's in them
                    calls.append(("own slug", t.attacker, _url(e, t, ATTACKER_SLUG), set(range(200, 500))))
            for who, client, url, expected in calls:
                resp = await _call(client, e, url, t)
                if resp.status_code == 422 and _invalid_body(resp):
                    continue  # the matrix's body did not fit the route: refused before any lookup
                if resp.status_code not in expected:
                    failures.append(f"{e.method} {url} ({who}): {resp.status_code}")
                if leaked := t.leaks(resp.text):
                    failures.append(f"{e.method} {url} ({who}): shows {leaked}")
    finally:
        await api.aclose()
    assert failures == [], failures
    await _victim_untouched(t)


async def test_every_admin_action_is_refused_to_an_agent(tenants: Tenants):
    t = tenants
    admin = [e for e in endpoints(t.stack.app) if e.admin_only]
    sections = {"".join(e.path.split("/")[4:5]) for e in admin}
    assert sections >= {"workspace", "channels", "agents", "teams", "labels", "canned"}
    failures = []
    for e in admin:
        resp = await _call(t.victim_agent, e, _url(e, t, VICTIM_SLUG), t)
        if resp.status_code != 403:
            failures.append(f"{e.key}: {resp.status_code}")
    assert failures == [], failures
    await _victim_untouched(t)


async def _victim_untouched(t: Tenants) -> None:
    """None of the refused calls changed anything of the victim's."""
    from chatdesk.accounts.models import Membership, Workspace
    from chatdesk.conversations.models import CannedResponse, Conversation, Label, Message
    from chatdesk.teams.models import Team, TeamMember

    async with t.stack.rt.db.session() as s:
        conv = await s.get(Conversation, t.ids["conversation_id"])
        assert conv is not None and conv.status == "open"
        assert len((await s.scalars(select(Message.id).where(Message.conversation_id == conv.id))).all()) == 2
        for model, key in ((Label, "label_id"), (Team, "team_id"), (CannedResponse, "canned_id")):
            assert await s.get(model, t.ids[key]) is not None, model
        assert (await s.scalars(select(TeamMember.user_id))).all() == []
        role = await s.scalar(select(Membership.role).where(Membership.user_id == t.ids["user_id"]))
        assert role == "agent"
        assert (await s.get(Workspace, t.stack.workspace_id)).name == "Test Shop"  # type: ignore[union-attr]


async def test_the_other_workspaces_agent_cannot_join_ones_own_team(tenants: Tenants):
    """An id in a form body, not the path: the attacker's own team, the victim's agent."""
    from chatdesk.teams.models import Team

    t = tenants
    assert (await t.attacker.post(f"/w/{ATTACKER_SLUG}/settings/teams", {"name": "Raiders"})).status_code < 400
    async with t.stack.rt.db.session() as s:
        own = (await s.scalars(select(Team.id).where(Team.name == "Raiders"))).one()
    resp = await t.attacker.post(f"/w/{ATTACKER_SLUG}/settings/teams/{own}/members", {"user_id": str(t.ids["user_id"])})
    assert resp.status_code == 404
    assert t.leaks(resp.text) == []
    await _victim_untouched(t)


async def test_the_other_workspaces_ids_in_a_body_are_refused(tenants: Tenants):
    """Ids in a body, not the path: the attacker's own conversation, the victim's agent, team and label."""
    t = tenants
    own = await attacker_conversation(t)
    api = {"Authorization": f"Bearer {t.attacker_token}"}
    for patch in ({"assignee_id": t.ids["user_id"]}, {"team_id": t.ids["team_id"]},
                  {"label_ids": [t.ids["label_id"]]}):
        resp = await t.stack.api.patch(f"/api/v1/conversations/{own}", json=patch, headers=api)
        assert resp.status_code in (404, 422), (patch, resp.status_code)
        assert resp.headers["content-type"] == "application/problem+json" and t.leaks(resp.text) == []
    for path, form in (("assign", {"assignee": str(t.ids["user_id"])}), ("assign", {"team": str(t.ids["team_id"])}),
                       ("labels", {"label": str(t.ids["label_id"])})):
        resp = await t.attacker.post(f"/w/{ATTACKER_SLUG}/c/{own}/{path}", form)
        assert resp.status_code in (404, 422), (path, form, resp.status_code)
        assert t.leaks(resp.text) == []
    from chatdesk.conversations.models import Conversation, ConversationLabel
    async with t.stack.rt.db.session() as s:
        conv = await s.get(Conversation, own)
        assert conv is not None and conv.assignee_id is None and conv.team_id is None
        assert (await s.scalars(select(ConversationLabel.label_id))).all() == []
    await _victim_untouched(t)
