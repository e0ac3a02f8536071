"""Sending a template: the pure check of a template send (``check``) and the draft it becomes.

``check`` is policy, a function of the channel's templates and the request: an unknown
template (``template_not_found``), a language it lacks (``template_language_missing``), one
not approved (``template_not_approved``), or missing or extra parameters
(``template_parameters``, naming the parameter) are refused before anything is queued. A send
that passes becomes typed ``Template`` content with the provider's components built and the
template's ``category``, and the message's text is what the customer will see.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..channels.content import Template, TemplateComponent
from ..channels.templates import service as templates
from ..channels.templates.models import MessageTemplate
from ..channels.templates.render import render
from ..channels.templates.shape import COPY_CODE, Parameters, Slots, buttons, slots, values_by_name
from ..core.states import AuthorType
from .models import Conversation
from .policy import Refusal
from .sending import Draft


@dataclass(frozen=True)
class TemplateRequest:
    name: str
    language: str
    parameters: Parameters


def check(rows: Sequence[MessageTemplate], req: TemplateRequest) -> tuple[Template, str] | Refusal:
    """The content and text to send, or why not. ``rows``: the channel's templates of that name."""
    said = {"name": req.name, "language": req.language}
    if not rows:
        return Refusal("template_not_found", "No such template", "There is no template %(name)s.", said)
    row = next((r for r in rows if r.language == req.language), None)
    if row is None:
        have = ", ".join(sorted(r.language for r in rows))
        return Refusal("template_language_missing", "The template lacks this language",
                       "Template %(name)s has no %(language)s version (it has: %(have)s).", {**said, "have": have})
    if row.status != templates.APPROVED:
        return Refusal("template_not_approved", "The template is not approved",
                       "Template %(name)s (%(language)s) is %(status)s, not approved.",
                       {**said, "status": row.status.lower()})
    wanted = slots(row.components)
    wrong = _parameter_problem(wanted, req.parameters)
    if wrong is not None:
        return Refusal("template_parameters", "The template's parameters do not match", wrong[1],
                       {**said, "parameter": wrong[0]})
    content = Template(name=row.name, language=row.language, category=row.category,
                       components=_components(row.components, wanted, req.parameters))
    return content, render(row.components, req.parameters).text()


def _parameter_problem(wanted: Slots, given: Parameters) -> tuple[str, str] | None:
    """(parameter, message) for the first parameter missing or extra, else None."""
    header_names = wanted.header or (["1"] if wanted.header_media else [])
    for part, names, values in (("header", header_names, given.header), ("body", wanted.body, given.body)):
        if isinstance(values, dict):
            keys = list(values)
        else:
            keys = names[:len(values)] if _named(names) else [str(i + 1) for i in range(len(values))]
            if len(values) > len(names):
                return f"{part}.{len(values)}", "Parameter %(parameter)s is extra: the template has no such variable."
        for name in names:
            if name not in keys or not str(_value(values, names, name)).strip():
                return f"{part}.{name}", "Parameter %(parameter)s is missing."
        extra = [k for k in keys if k not in names]
        if extra:
            return f"{part}.{extra[0]}", "Parameter %(parameter)s is extra: the template has no such variable."
    if len(given.buttons) < len(wanted.buttons):
        return f"buttons.{wanted.buttons[len(given.buttons)]}", "Parameter %(parameter)s is missing."
    if len(given.buttons) > len(wanted.buttons):
        return f"buttons.{len(given.buttons) - 1}", "Parameter %(parameter)s is extra: no such button takes one."
    return None


def _named(names: list[str]) -> bool:
    return any(not n.isdigit() for n in names)


def _value(values: list[str] | dict[str, str], names: list[str], name: str) -> str:
    return values_by_name(names, values).get(name, "")


def _components(components: list[dict[str, Any]], wanted: Slots, given: Parameters) -> list[TemplateComponent]:
    """The provider's send components: header, body and each button that takes a parameter."""
    out: list[TemplateComponent] = []
    if wanted.header_media:
        kind = wanted.header_media.lower()
        link = (list(given.header.values()) if isinstance(given.header, dict) else given.header)[0]
        out.append(TemplateComponent(type="header", parameters=[{"type": kind, kind: {"link": link}}]))
    elif wanted.header:
        out.append(TemplateComponent(type="header", parameters=_texts(wanted.header, given.header)))
    if wanted.body:
        out.append(TemplateComponent(type="body", parameters=_texts(wanted.body, given.body)))
    kinds = [str(b.get("type", "")).upper() for b in buttons(components)]
    for index, value in zip(wanted.buttons, given.buttons, strict=True):
        out.append(_button(index, kinds[index], value))
    return out


def _texts(names: list[str], given: list[str] | dict[str, str]) -> list[dict[str, Any]]:
    values = values_by_name(names, given)
    if _named(names):
        return [{"type": "text", "parameter_name": n, "text": values[n]} for n in names]
    return [{"type": "text", "text": values[n]} for n in sorted(names, key=int)]


def _button(index: int, kind: str, value: str) -> TemplateComponent:
    # a copy-code button takes a coupon code; a URL button the end of its URL
    if kind == COPY_CODE:
        return TemplateComponent(type="button", sub_type="copy_code", index=str(index),
                                 parameters=[{"type": "coupon_code", "coupon_code": value}])
    return TemplateComponent(type="button", sub_type="url", index=str(index),
                             parameters=[{"type": "text", "text": value}])


async def draft(session: AsyncSession, conv: Conversation, req: TemplateRequest, *,
                author_type: AuthorType = AuthorType.API, author_id: int | None = None) -> Draft:
    """The checked draft of a template send in ``conv`` (a refusal is raised as its problem)."""
    found = check(await templates.named(session, conv.channel_id, req.name), req)
    if isinstance(found, Refusal):
        raise found.problem()
    content, text = found
    return Draft(type="template", text=text, content=content, author_type=author_type, author_id=author_id)
