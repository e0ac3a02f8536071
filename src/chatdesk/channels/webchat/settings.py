"""A web chat channel's settings: where the widget may be embedded, how it looks, and the widget
secret that signs visitor tokens and verifies ``user_hash``."""
from __future__ import annotations

import secrets
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field

from ..base import ChannelRow, ChannelSettings

POSITIONS = ("right", "left")
LANGUAGES = ("browser", "en", "nl", "de")
GREETING_MAX = 300
ORIGINS_MAX = 20


def origin_of(value: str) -> str:
    """``scheme://host[:port]`` exactly as a browser sends it in ``Origin``, or ValueError."""
    parts = urlsplit(value.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ValueError(f"{value!r} is not an origin such as https://shop.example")
    default_port = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def _listed(value: object) -> object:
    """The connect form sends one text (origins split by spaces or commas); the CLI a list."""
    return [value] if isinstance(value, str) else value


def _origins(values: list[str]) -> list[str]:
    flat = [v for value in values for v in value.replace(",", " ").split()]
    if not flat:
        raise ValueError("name at least one origin the widget may be embedded on")
    if len(flat) > ORIGINS_MAX:
        raise ValueError(f"at most {ORIGINS_MAX} origins")
    return list(dict.fromkeys(origin_of(v) for v in flat))


def _colour(value: str) -> str:
    if len(value) != 7 or value[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in value[1:]):
        raise ValueError("must be a colour such as #1f6feb")
    return value.lower()


def _name(value: str) -> str:
    if not value or len(value) > 100:
        raise ValueError("must be 1 to 100 characters")
    return value


class WebchatSettings(ChannelSettings):
    # the connect form has its own "Name" input (the channel's name): not asked twice there
    name: Annotated[str, AfterValidator(_name)] = Field(
        "Web chat", title="Name", description="What agents see, e.g. the site's name",
        json_schema_extra={"cli_required": True, "form": False})
    allowed_origin: Annotated[list[str], BeforeValidator(_listed), AfterValidator(_origins)] = Field(
        title="Allowed origins", description="Sites the widget may be embedded on, e.g. https://shop.example",
        json_schema_extra={"wide": True, "cli_required": True, "placeholder": "https://shop.example"})
    colour: Annotated[str, AfterValidator(_colour)] = Field(
        "#1f6feb", title="Colour", description="The bubble's and header's colour")
    greeting: str = Field("", max_length=GREETING_MAX, title="Greeting",
                          description="Shown when a visitor opens the chat")
    position: Literal["right", "left"] = Field("right", title="Position", description="right or left")
    language: Literal["browser", "en", "nl", "de"] = Field(
        "browser", title="Language", description="browser (the visitor's), en, nl or de")
    prechat: bool = Field(False, title="Pre-chat form", description="Ask name and email before the chat",
                          json_schema_extra={"form": False})
    public_key: str = Field(default_factory=lambda: "wc_" + secrets.token_urlsafe(12), title="Public key",
                            json_schema_extra={"form": False}, pattern=r"^wc_[A-Za-z0-9_-]{8,40}$")
    widget_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32), title="Widget secret",
        description="Signs visitor tokens; your site computes user_hash = HMAC-SHA256(secret, user_id)",
        json_schema_extra={"secret": True, "form": False})

    def to_row(self) -> ChannelRow:
        config = {"allowed_origins": self.allowed_origin, "colour": self.colour, "greeting": self.greeting,
                  "position": self.position, "language": self.language, "prechat": self.prechat}
        return ChannelRow(self.public_key, self.name, config, {"widget_secret": self.widget_secret}, 50.0)
