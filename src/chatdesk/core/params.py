"""Query parameters shared by the REST API, and ids read from text. An empty value (``?status=&page=``,
as HTML forms and hand-built URLs send) means the parameter was not given, not an invalid one."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator


def blank_is(default: Any) -> BeforeValidator:
    """Read an empty or all-blank query value as ``default``."""
    return BeforeValidator(lambda v: default if isinstance(v, str) and not v.strip() else v)


# Query(...) first: FastAPI reads the bounds for the OpenAPI schema from the first metadata item.
PageNo = Annotated[int, Query(ge=1, description="1-based page number"), blank_is(1)]


def page_size(default: int, maximum: int = 100) -> Any:
    """An ``int`` query parameter for items per page, blank meaning ``default``."""
    return Annotated[int, Query(ge=1, le=maximum, description=f"items per page (≤ {maximum})"), blank_is(default)]


PerPage = page_size(25)


OptionalText = Annotated[str | None, blank_is(None)]


MAX_ID = 2**63 - 1  # the database's BIGINT; a larger number can name no row


def text_id(value: str) -> int | None:
    """The row id a text names, or None. ASCII digits only: ``str.isdigit`` also accepts ``²`` and
    other digits that ``int`` refuses, and a number beyond 64 bits makes the database raise."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else None
