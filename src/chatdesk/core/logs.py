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

_FIELDS = ("request_id", "job_id", "job_kind", "worker_id", "message_id", "conversation_id")

# Set by the request-id middleware (app.py) and the job runner; every record logged while they
# are set carries them, so one request's or one job's lines can be found across processes.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id: ContextVar[str | None] = ContextVar("job_id", default=None)
job_kind: ContextVar[str | None] = ContextVar("job_kind", default=None)
_CONTEXT = (("request_id", request_id), ("job_id", job_id), ("job_kind", job_kind))
_SAFE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def accept_request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is a plain token (a proxy's id links its logs to ours),
    else a new one: an arbitrary header must not inject text into log lines."""
    if incoming and _SAFE_ID.fullmatch(incoming):
        return incoming
    return f"{random.getrandbits(128):032x}"  # uuid4's form; a uuid4 (os.urandom) per request showed in profiles


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
