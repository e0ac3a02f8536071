"""The agent inbox: server-rendered pages (Jinja2 + htmx) for signing in, working conversations
live, and setting a workspace up. ``router`` and ``static_files()`` are what the app wires in."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.staticfiles import StaticFiles

from . import (
    api_me,
    views_admin,
    views_auth,
    views_contact_merge,
    views_contacts,
    views_costs,
    views_inbox,
    views_me,
    views_notifications,
    views_queues,
    views_settings_templates,
    views_settings_webchat,
    views_templates,
)
from .web import InboxRoute, csrf_guard

STATIC = Path(__file__).parent / "static"
STATIC_PREFIX = "/static/inbox"

router = APIRouter(route_class=InboxRoute, include_in_schema=False, dependencies=[csrf_guard])
router.include_router(views_auth.router)
router.include_router(views_inbox.router)
router.include_router(views_admin.router)
router.include_router(views_templates.router)
router.include_router(views_settings_templates.router)
router.include_router(views_costs.router)
router.include_router(views_queues.router)
router.include_router(views_settings_webchat.router)
router.include_router(views_contact_merge.router)
router.include_router(views_contacts.router)
router.include_router(views_me.router)
router.include_router(views_notifications.router)
# JSON for the signed-in agent (problem+json errors, not pages): wired by the app beside the REST API
api_router = api_me.router


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC)
