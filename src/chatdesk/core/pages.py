"""The REST API's page envelope, shared by every domain's list endpoints."""
from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")
# Totals are counted up to this many rows: an exact COUNT(*) over a big workspace costs more
# than the page it comes with. Clients page on until a page comes back short.
TOTAL_CAP = 10_000


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int = Field(description=f"Matching rows, counted up to {TOTAL_CAP:,}: a total of {TOTAL_CAP:,} "
                                   f"means at least that many")
