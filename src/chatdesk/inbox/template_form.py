"""The template picker's pure parts: which templates come first (the customer's language), what
each variable is prefilled with (from the contact and the conversation, where its name says
what it is), and the send's parameters read back from the picker's form.

Form fields: ``header.<variable>``, ``body.<variable>``, ``button.<index>`` and ``media`` (a
media header's link). Positional variables (``{{1}}``, ``{{2}}``) come back as a list in their
order, named ones (``{{first_name}}``) as an object, as the send API takes them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

# Variable names that say what they hold, each with the fact it is filled from.
ALIASES = {
    "name": "name", "full_name": "name", "customer_name": "name", "contact_name": "name",
    "first_name": "first_name", "firstname": "first_name", "given_name": "first_name",
    "last_name": "last_name", "lastname": "last_name", "surname": "last_name", "family_name": "last_name",
    "phone": "phone", "phone_number": "phone", "email": "email", "email_address": "email",
    "agent": "agent_name", "agent_name": "agent_name", "conversation_id": "conversation_id",
    "ticket": "conversation_id", "ticket_id": "conversation_id", "company": "workspace", "business": "workspace",
}


class Languaged(Protocol):
    @property
    def language(self) -> str: ...
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=Languaged)


def language_rank(template_language: str, customer_language: str | None) -> int:
    """0: the customer's language exactly (``nl_NL`` for ``nl_NL``, ``nl`` for ``nl``); 1: the
    same language another way (``en_US`` for ``en``); 2: any other."""
    mine = (customer_language or "").replace("-", "_").lower()
    theirs = template_language.replace("-", "_").lower()
    if mine and theirs == mine:
        return 0
    if mine and theirs.split("_")[0] == mine.split("_")[0]:
        return 1
    return 2


def offer_order(templates: Iterable[T], customer_language: str | None) -> list[T]:
    """The templates with the customer's language first, then by name and language."""
    return sorted(templates, key=lambda t: (language_rank(t.language, customer_language), t.name, t.language))


def facts(*, name: str, phone: str | None, email: str | None, attributes: Mapping[str, Any] | None,
          agent_name: str, conversation_id: int | None, workspace: str) -> dict[str, str]:
    """What a template variable can be filled from, by fact name. The contact's own attributes
    count too, by their key (``order_number`` fills ``{{order_number}}``)."""
    parts = name.split()
    known = {"name": name, "first_name": parts[0] if parts else "", "last_name": " ".join(parts[1:]),
             "phone": ("+" + phone if phone and not phone.startswith("+") else phone or ""), "email": email or "",
             "agent_name": agent_name, "conversation_id": str(conversation_id or ""), "workspace": workspace}
    for key, value in (attributes or {}).items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            known.setdefault(f"attr:{key.lower()}", str(value))
    return known


def prefill(variables: Iterable[str], known: Mapping[str, str]) -> dict[str, str]:
    """A value for each variable whose name says what it is; positional ones (``1``) stay empty."""
    out: dict[str, str] = {}
    for variable in variables:
        key = variable.strip().lower()
        value = known.get(f"attr:{key}") or known.get(ALIASES.get(key, ""), "")
        out[variable] = value
    return out


@dataclass(frozen=True)
class FormParameters:
    """The send's parameters as the API takes them: lists for positional, objects for named."""

    header: list[str] | dict[str, str]
    body: list[str] | dict[str, str]
    buttons: list[str]


def _values(form: Mapping[str, str], prefix: str, names: list[str]) -> list[str] | dict[str, str]:
    values = {n: form.get(f"{prefix}.{n}", "").strip() for n in names}
    if all(n.isdigit() for n in names):
        return [values[n] for n in sorted(names, key=int)]
    return values


def read_form(form: Mapping[str, str], *, header: list[str], body: list[str], buttons: list[int],
              media: bool) -> FormParameters:
    """The parameters the picker's form gives for a template with these slots."""
    link = form.get("media", "").strip()
    header_values = ([link] if link else []) if media else _values(form, "header", header)
    return FormParameters(header=header_values, body=_values(form, "body", body),
                          buttons=[form.get(f"button.{i}", "").strip() for i in buttons])
