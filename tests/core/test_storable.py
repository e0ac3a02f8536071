"""core.storable: the values both databases can store (NUL stripped, non-finite numbers null)."""
from __future__ import annotations

import json
import math

from chatdesk.core.storable import dumps, storable


def test_json_with_nul_and_non_finite_numbers_is_stored_cleaned():
    value = {"a\u0000": ["x\u0000y", math.nan, math.inf, -math.inf, 1.5, {"n": None, "b": True}]}
    assert json.loads(dumps(value)) == {"a": ["xy", None, None, None, 1.5, {"n": None, "b": True}]}
    assert storable(("t\u0000",)) == ["t"]


def test_ordinary_json_is_unchanged():
    value = {"text": "hé \\u0000 is six characters here", "n": [1, 2.5, None], "emoji": "❤️"}
    assert dumps(value) == json.dumps(value)
