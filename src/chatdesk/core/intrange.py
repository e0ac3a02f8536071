"""Integers the database cannot store answer a 422 problem, not a 500 (issue 12, defect 8).

Any request number (a path id, ``?page=``, ``reply_to_id`` in a body, a form field, an inbox URL)
ends up as a statement parameter; one beyond 64 bits made SQLite raise ``OverflowError`` and
asyncpg ``value out of int64 range``, each a 500 with a traceback. Checked once here, before
every single-row statement on both databases, instead of bounding every id in every route.
Bulk inserts (``executemany``) carry rows chatdesk built itself and are not checked (hot path).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from .errors import Problem

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def out_of_range(parameters: Any) -> int | None:
    """The first integer parameter outside 64 bits, if any."""
    values = parameters.values() if isinstance(parameters, dict) else parameters
    for value in values or ():
        if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
            return value
    return None


def _check(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    if executemany:
        return
    value = out_of_range(parameters)
    if value is not None:
        shown = str(value) if len(str(value)) <= 30 else f"{str(value)[:27]}..."
        raise Problem(422, "number_out_of_range", "A number in the request is out of range",
                      f"{shown} is beyond what can be stored (ids and numbers are 64-bit)")


def guard(engine: AsyncEngine) -> None:
    """Refuse out-of-range integers on every statement this engine runs."""
    event.listen(engine.sync_engine, "before_cursor_execute", _check)
