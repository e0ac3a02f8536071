"""Logging: readable lines for people, or one JSON object per line for log pipelines.

Log records carry ids (request, job, message), never message bodies or secrets.
"""
from __future__ import annotations

import json
import logging
import random
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

_FIELDS = ("request_id", "job_id", "job_kind", "worker_id", "message_id", "conversation_id",
           "method", "path", "status", "duration_ms", "workspace", "workspace_id", "version", "settings")
_SECRET_NAMES = re.compile(r"secret|key|password|token", re.IGNORECASE)

# Set by the request-id middleware (app.py) and the job runner; every record logged while they
# are set carries them, so one request's or one job's lines can be found across processes.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
job_kind: ContextVar[str | None] = ContextVar("job_kind", default=None)
# What a request learns about itself on the way (the workspace its token names), for its access
# line: a dict the middleware owns, so a dependency running in a copied context can still fill it.
request_notes: ContextVar[dict[str, object] | None] = ContextVar("request_notes", default=None)
_CONTEXT = (("request_id", request_id), ("job_id", job_id), ("job_kind", job_kind))
_SAFE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def accept_request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is a plain token (a proxy's id links its logs to ours),
    else a new one: an arbitrary header must not inject text into log lines."""
    if incoming and _SAFE_ID.fullmatch(incoming):
        return incoming
    return f"{random.getrandbits(128):032x}"  # uuid4's form; a uuid4 (os.urandom) per request showed in profiles


def note(**fields: object) -> None:
    """Adds fields to the current request's access line (no-op outside a request)."""
    notes = request_notes.get()
    if notes is not None:
        notes.update(fields)


def masked_settings(values: dict[str, object]) -> dict[str, object]:
    """Settings as a start-up line may show them: secrets hidden, database passwords removed."""
    out: dict[str, object] = {}
    for name, value in values.items():
        if _SECRET_NAMES.search(name) and value is not None:
            out[name] = "***"
        elif isinstance(value, str) and "://" in value:
            out[name] = re.sub(r"(://[^:/@]*:)[^/]*@", r"\1***@", value)
        else:
            out[name] = value if isinstance(value, bool | int | float | type(None)) else str(value)
    return out


class ContextFilter(logging.Filter):
    """Copies the request and job ids from the context onto each record (never overwriting
    ids a caller passed explicitly with ``extra=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _CONTEXT:
            value = var.get()
            if value is not None and not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(), "level": record.levelname,
               "logger": record.name, "msg": record.getMessage()}
        for name in _FIELDS:
            if hasattr(record, name):
                out[name] = getattr(record, name)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out)


def setup(level: str = "INFO", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if as_json else
                         logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries that log every request or migration step at INFO drown ours.
    for noisy in ("httpx", "httpcore", "alembic", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
