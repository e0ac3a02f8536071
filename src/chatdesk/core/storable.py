"""Values made storable on both databases, at the one place every value passes on its way in:
the engine (its JSON serializer, and its statements' parameters).

PostgreSQL refuses a NUL character in text and in JSON (``invalid byte sequence for encoding
"UTF8": 0x00``; ``unsupported Unicode escape sequence``) and NaN or Infinity in JSON; SQLite
takes them all. A customer's message can carry either (Meta passes on what the phone sent),
and the REST API takes what a client posts: so NULs are stripped (no text means anything by
one) and non-finite numbers in JSON are stored as null, on both databases alike.
"""
from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

NUL = "\x00"


def storable(value: Any) -> Any:
    """``value`` with NULs stripped from every string (keys included) and non-finite floats as
    None, through dicts, lists and tuples."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """The engine's JSON serializer: plain ``json.dumps`` for the values that need nothing
    (the common case costs one substring search), the storable form of the others."""
    try:
        text = json.dumps(value, allow_nan=False)
    except ValueError:  # NaN or Infinity somewhere
        return json.dumps(storable(value), allow_nan=False)
    return json.dumps(storable(value), allow_nan=False) if "\\u0000" in text else text


def _params(params: Any) -> Any:
    """One statement's parameters (a sequence or a mapping) with NULs stripped from strings."""
    if isinstance(params, dict):
        if any(type(v) is str and NUL in v for v in params.values()):
            return {k: storable(v) if type(v) is str else v for k, v in params.items()}
        return params
    if isinstance(params, (list, tuple)) and any(type(v) is str and NUL in v for v in params):
        return type(params)(storable(v) if type(v) is str else v for v in params)
    return params


def _before_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                    executemany: bool) -> tuple[str, Any]:
    # decided by shape, not by ``executemany``: a batch of "insertmanyvalues" comes flagged as
    # many but with its rows' values flattened into one sequence
    if isinstance(parameters, list) and parameters and isinstance(parameters[0], (dict, list, tuple)):
        return statement, [_params(p) for p in parameters]
    return statement, _params(parameters)


def install(engine: AsyncEngine) -> None:
    """Strip NULs from every text parameter the engine sends (names, texts, notes, search
    terms: whatever the column). JSON is made storable by ``dumps``, the engine's serializer."""
    event.listen(engine.sync_engine, "before_cursor_execute", _before_execute, retval=True)
