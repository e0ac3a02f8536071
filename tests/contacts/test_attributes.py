"""Custom attribute values by type (pure, table-driven) and definitions."""
from __future__ import annotations

import pytest

from chatdesk.contacts.attributes import BadValue, Def, apply, check_def, coerce

CITY = Def("city", "text")
ORDERS = Def("orders", "number")
BORN = Def("born", "date")
VIP = Def("vip", "bool")
TIER = Def("tier", "choice", choices=("gold", "silver"))


@pytest.mark.parametrize(("d", "given", "stored"), [
    (CITY, "  Utrecht ", "Utrecht"),
    (CITY, 12, "12"),
    (ORDERS, "3", 3),
    (ORDERS, "2.5", 2.5),
    (ORDERS, "2,5", 2.5),
    (ORDERS, 4.0, 4),
    (BORN, "1990-02-01", "1990-02-01"),
    (VIP, "yes", True),
    (VIP, "Nee", False),
    (VIP, False, False),
    (TIER, "gold", "gold"),
    (CITY, "", None),
    (ORDERS, None, None),
])
def test_values_are_stored_in_their_type(d, given, stored):
    assert coerce(d, given) == stored


@pytest.mark.parametrize(("d", "given"), [
    (ORDERS, "three"), (ORDERS, True), (ORDERS, float("nan")), (BORN, "01-02-1990"), (BORN, 19900201),
    (VIP, "maybe"), (TIER, "bronze"), (CITY, "x" * 1001), (CITY, {"a": 1}),
])
def test_values_that_do_not_fit_are_refused(d, given):
    with pytest.raises(BadValue):
        coerce(d, given)


def test_apply_names_the_bad_key_and_clears_with_none():
    defs = {d.key: d for d in (CITY, ORDERS)}
    assert apply(defs, {"city": "Utrecht", "orders": 1}, {"city": None, "orders": "2"}) == {"orders": 2}
    with pytest.raises(BadValue, match=r"^orders: "):
        apply(defs, {}, {"city": "Delft", "orders": "many"})
    with pytest.raises(BadValue, match=r"^shoe: no such attribute"):
        apply(defs, {}, {"shoe": 42})


@pytest.mark.parametrize(("key", "type_", "choices"), [
    ("City", "text", None), ("1st", "text", None), ("phone", "text", None), ("tier", "choice", []),
    ("tier", "colour", None),
])
def test_bad_definitions_are_refused(key, type_, choices):
    with pytest.raises(BadValue):
        check_def(key, "", type_, choices)


def test_a_definition_keeps_choices_once_and_only_for_choice():
    assert check_def("tier", "", "choice", ["gold", " gold", "silver", ""]).choices == ("gold", "silver")
    assert check_def("city", "City", "text", ["x"]).choices == ()
    assert check_def("city", "", "text", None).label == "city"
