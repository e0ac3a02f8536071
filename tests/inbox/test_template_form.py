"""The template picker's pure parts, table-driven: the customer's language first, variables
prefilled by what their name says, and the form read back into the send's parameters."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from chatdesk.inbox.template_form import FormParameters, facts, language_rank, offer_order, prefill, read_form


@dataclass
class T:
    name: str
    language: str


@pytest.mark.parametrize(("template", "customer", "rank"), [
    ("nl", "nl", 0), ("nl_NL", "nl_NL", 0), ("en_US", "en-us", 0), ("en_US", "en", 1), ("en", "en_GB", 1),
    ("de", "nl", 2), ("en_US", None, 2), ("pt_BR", "", 2),
])
def test_language_rank(template, customer, rank):
    assert language_rank(template, customer) == rank


def test_the_customers_language_comes_first():
    offered = [T("order_update", "en_US"), T("order_update", "nl"), T("hello_world", "en_US"),
               T("winter_sale", "de"), T("hello", "nl_BE")]
    assert [(t.name, t.language) for t in offer_order(offered, "nl")] == [
        ("order_update", "nl"), ("hello", "nl_BE"), ("hello_world", "en_US"), ("order_update", "en_US"),
        ("winter_sale", "de")]


KNOWN = facts(name="Anna de Vries", phone="31612345678", email="anna@example.nl",
              attributes={"order_number": "A-1001", "vip": True, "Tier": "gold"},
              agent_name="Olivia", conversation_id=42, workspace="Test Shop")


@pytest.mark.parametrize(("variable", "value"), [
    ("name", "Anna de Vries"), ("first_name", "Anna"), ("FirstName", "Anna"), ("last_name", "de Vries"),
    ("phone", "+31612345678"), ("email", "anna@example.nl"), ("agent_name", "Olivia"), ("ticket", "42"),
    ("order_number", "A-1001"), ("tier", "gold"), ("vip", ""), ("1", ""), ("2", ""), ("coupon", ""),
    ("company", "Test Shop"),
])
def test_variables_are_prefilled_by_their_name(variable, value):
    assert prefill([variable], KNOWN) == {variable: value}


def test_a_one_word_name_has_no_last_name():
    known = facts(name="Cher", phone=None, email=None, attributes=None, agent_name="A", conversation_id=None,
                  workspace="W")
    assert prefill(["first_name", "last_name", "phone"], known) == {"first_name": "Cher", "last_name": "", "phone": ""}


@pytest.mark.parametrize(("form", "slots", "expected"), [
    ({"body.1": " Anna ", "body.2": "A-1"}, {"header": [], "body": ["1", "2"], "buttons": [], "media": False},
     FormParameters([], ["Anna", "A-1"], [])),
    ({"body.2": "two", "body.10": "ten", "body.1": "one"},
     {"header": [], "body": ["1", "2", "10"], "buttons": [], "media": False},
     FormParameters([], ["one", "two", "ten"], [])),
    ({"body.first_name": "Anna", "header.order": "A-1", "button.1": "abc"},
     {"header": ["order"], "body": ["first_name"], "buttons": [1], "media": False},
     FormParameters({"order": "A-1"}, {"first_name": "Anna"}, ["abc"])),
    ({"media": "https://example.com/invoice.pdf", "body.1": "x"},
     {"header": [], "body": ["1"], "buttons": [], "media": True},
     FormParameters(["https://example.com/invoice.pdf"], ["x"], [])),
    ({}, {"header": [], "body": [], "buttons": [], "media": True}, FormParameters([], [], [])),
])
def test_the_form_reads_back_as_the_sends_parameters(form, slots, expected):
    assert read_form(form, **slots) == expected
