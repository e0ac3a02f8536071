"""What the customer sees when a template is sent with parameters: a pure function of the
template's components (as the provider returns them) and the send's parameters.

``render`` fills every ``{{variable}}`` of the header, body and button URLs; a variable left
without a value stays visible as ``{{name}}`` (a preview shows what is still to fill). The
inbox's preview and the stored message's text both come from here, so what an agent previews is
what the conversation shows once sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import shape
from .shape import Parameters


@dataclass(frozen=True)
class RenderedButton:
    type: str  # QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, FLOW
    text: str
    url: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A filled template: header text or media (its format, e.g. IMAGE, and link), body, footer
    and buttons, exactly as they appear in the customer's app."""

    body: str
    header: str | None = None
    header_media: str | None = None
    header_link: str | None = None
    footer: str | None = None
    buttons: list[RenderedButton] = field(default_factory=list)

    def text(self) -> str:
        """The words of the message in one text: header, body and footer, a blank line apart."""
        return "\n\n".join(part for part in (self.header, self.body, self.footer) if part)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``{{name}}`` that has a value replaced by it."""
    return shape.VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def render(components: list[dict[str, Any]], params: Parameters | None = None) -> Rendered:
    params = params or Parameters()
    slots = shape.slots(components)
    header = shape.component(components, "HEADER") or {}
    body = shape.component(components, "BODY") or {}
    footer = shape.component(components, "FOOTER") or {}
    header_values = shape.values_by_name(slots.header, params.header)
    media_link = None
    if slots.header_media:
        given = list(params.header.values()) if isinstance(params.header, dict) else params.header
        media_link = given[0] if given else None
    return Rendered(
        body=fill(str(body.get("text") or ""), shape.values_by_name(slots.body, params.body)),
        header=fill(str(header.get("text") or ""), header_values) or None if shape.header_format(components) == "TEXT"
        else None,
        header_media=slots.header_media, header_link=media_link,
        footer=str(footer.get("text") or "") or None,
        buttons=_buttons(components, slots, params.buttons))


def _buttons(components: list[dict[str, Any]], slots: shape.Slots, values: list[str]) -> list[RenderedButton]:
    by_index = dict(zip(slots.buttons, values, strict=False))
    out = []
    for i, button in enumerate(shape.buttons(components)):
        kind = str(button.get("type", "")).upper()
        url = button.get("url")
        if url and i in by_index:
            url = fill(str(url), {name: by_index[i] for name in shape.variables(str(url))})
        out.append(RenderedButton(type=kind, text=str(button.get("text") or ""), url=url,
                                  phone_number=button.get("phone_number")))
    return out
