"""Pure policy for interactive messages we send: a list, reply buttons or quick replies checked
against the channel's limits (``Capabilities.interactive``). Every offending field is reported
at once, named as the API's request names it (``sections[1].rows[0].title``), so a form can
mark each one. No I/O."""
from __future__ import annotations

from dataclasses import dataclass

from ..channels.base import Capabilities
from ..channels.content import Choice, Interactive
from ..channels.interactive_limits import InteractiveLimits
from ..core.errors import Problem

SENDABLE = ("list", "buttons", "quick_replies")


@dataclass(frozen=True)
class FieldError:
    """One field over a limit (or missing); ``limit`` is the number it broke, when there is one."""

    field: str
    message: str
    limit: int | None = None

    def json(self) -> dict[str, object]:
        out: dict[str, object] = {"field": self.field, "msg": self.message}
        if self.limit is not None:
            out["limit"] = self.limit
        return out


def check(caps: Capabilities, c: Interactive) -> list[FieldError]:
    """Every reason ``c`` may not go out on the channel of ``caps``; empty: it may (customers'
    replies are not ours to check)."""
    if c.kind not in SENDABLE:
        return []
    limits = caps.interactive
    if limits is None or c.kind not in limits.kinds:
        return [FieldError("type", f"{caps.title} does not send {c.kind} messages")]
    errors = _common(limits, c)
    if c.kind == "list":
        errors += _list(limits, c)
    elif c.kind == "buttons":
        errors += _choices(c.buttons, "buttons", limits.buttons_max, limits.button_title_max, limits.button_id_max)
    else:
        errors += _choices(c.buttons, "quick_replies", limits.quick_replies_max, limits.quick_reply_title_max,
                           limits.quick_reply_payload_max)
    return errors


def problem(errors: list[FieldError]) -> Problem:
    """The 422 answer naming every offending field."""
    fields = ", ".join(e.field for e in errors)
    return Problem(422, "interactive_invalid", "The interactive message breaks the channel's limits",
                   f"Check these fields: {fields}.", errors=[e.json() for e in errors])


def _text(value: str | None, field: str, limit: int, required: bool, label: str) -> list[FieldError]:
    if value is None or not value.strip():
        return [FieldError(field, f"{label} is required")] if required else []
    if len(value) > limit:
        return [FieldError(field, f"{label} is at most {limit} characters; this has {len(value)}", limit)]
    return []


def _common(limits: InteractiveLimits, c: Interactive) -> list[FieldError]:
    body_max = limits.body_max.get(c.kind, 1024)
    return [*_text(c.body, "text", body_max, True, "The text"),
            *_text(c.header, "header", limits.header_max, False, "The header"),
            *_text(c.footer, "footer", limits.footer_max, False, "The footer")]


def _list(limits: InteractiveLimits, c: Interactive) -> list[FieldError]:
    errors = _text(c.button, "button", limits.list_button_max, True, "The button text")
    if not c.sections:
        return [*errors, FieldError("sections", "A list needs at least one section")]
    if len(c.sections) > limits.sections_max:
        errors.append(FieldError("sections", f"At most {limits.sections_max} sections", limits.sections_max))
    rows = [row for section in c.sections for row in section.rows]
    if len(rows) > limits.rows_max:
        errors.append(FieldError("sections", f"At most {limits.rows_max} rows in all sections", limits.rows_max))
    seen: set[str] = set()
    for s, section in enumerate(c.sections):
        where = f"sections[{s}]"
        # a section's title is required once there is more than one (Meta's rule)
        errors += _text(section.title, f"{where}.title", limits.section_title_max, len(c.sections) > 1,
                        "The section title")
        if not section.rows:
            errors.append(FieldError(f"{where}.rows", "A section needs at least one row"))
        for r, row in enumerate(section.rows):
            errors += _choice(row, f"{where}.rows[{r}]", limits.row_title_max, limits.row_id_max, seen)
            errors += _text(row.description, f"{where}.rows[{r}].description", limits.row_description_max,
                            False, "The description")
    return errors


def _choices(choices: list[Choice], name: str, most: int, title_max: int, id_max: int) -> list[FieldError]:
    if not choices:
        return [FieldError(name, "At least one option is required")]
    errors = [FieldError(name, f"At most {most} options", most)] if len(choices) > most else []
    seen: set[str] = set()
    for i, choice in enumerate(choices):
        errors += _choice(choice, f"{name}[{i}]", title_max, id_max, seen)
    return errors


def _choice(choice: Choice, where: str, title_max: int, id_max: int, seen: set[str]) -> list[FieldError]:
    errors = _text(choice.title, f"{where}.title", title_max, True, "The title")
    errors += _text(choice.id, f"{where}.id", id_max, True, "The id")
    if choice.id != choice.id.strip():
        errors.append(FieldError(f"{where}.id", "An id may not start or end with spaces"))
    if choice.id in seen:
        errors.append(FieldError(f"{where}.id", "Ids must be unique"))
    seen.add(choice.id)
    return errors
