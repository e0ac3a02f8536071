"""REST shapes of conversations and messages."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ..channels.content import (
    MEDIA_TYPES,
    Choice,
    Content,
    Interactive,
    Location,
    Media,
    Note,
    Reaction,
    Section,
    Template,
    Text,
)
from ..core.pages import TOTAL_CAP, Page  # noqa: F401  (re-exported: the conversations API's envelope)
from ..core.states import ConversationStatus, Priority
from .policy import CAPTIONED


class ContactBrief(BaseModel):
    id: int
    name: str
    phone: str | None


class ChannelBrief(BaseModel):
    id: int
    kind: str
    name: str


class ConversationOut(BaseModel):
    id: int
    status: str
    channel: ChannelBrief
    contact: ContactBrief
    assignee_id: int | None
    team_id: int | None
    priority: str
    snoozed_until: datetime | None
    last_message_at: datetime
    last_inbound_at: datetime | None
    window_closes_at: datetime | None = Field(description="When free-form replies stop being allowed")
    unread: int
    created_at: datetime
    awaiting_since: datetime | None = Field(
        default=None, description="Since when the customer has waited for our reply (null: answered)")


class ConversationPage(Page[ConversationOut]):
    next_cursor: str | None = Field(default=None, description=(
        "Pass as ``cursor`` (with the same ``sort`` and filters) for the next page; null on the last page"))


class ErrorOut(BaseModel):
    code: int | None
    title: str | None
    detail: str | None


class CostOut(BaseModel):
    """What the provider charges for an outbound message, as its receipts reported it (WhatsApp's
    per-message pricing); a field the receipts did not carry is null."""

    category: str | None = Field(description="marketing, utility, authentication, service, ...")
    type: str | None = Field(description="regular (charged), free_customer_service or free_entry_point")
    billable: bool | None
    pricing_model: str | None = Field(description="PMP (per message); CBP before July 2025")


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    direction: Literal["in", "out"]
    author_type: str
    author_id: int | None
    type: str
    text: str | None
    content: Content
    status: str
    error: ErrorOut | None
    provider_message_id: str | None
    reply_to_id: int | None
    media_url: str | None
    cost_category: str | None = Field(description="the same as cost.category (kept for existing clients)")
    cost: CostOut | None = Field(default=None, description="null until a receipt reports pricing")
    sent_at: datetime | None
    created_at: datetime


MEDIA = MEDIA_TYPES
INTERACTIVE = ("list", "buttons", "quick_replies")
SendType = Literal["text", "image", "audio", "video", "document", "sticker", "location", "reaction", "note", "list",
                   "buttons", "quick_replies", "template"]
Short = Annotated[str | None, Field(default=None, max_length=5000)]  # the channel's limits are checked later


class ChoiceIn(BaseModel):
    """A list row, reply button or quick reply (``payload`` is another name for ``id``)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(validation_alias=AliasChoices("id", "payload"), max_length=5000)
    title: Short = None
    description: Short = None


class SectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Short = None
    rows: list[ChoiceIn] = Field(default_factory=list, max_length=100)


class TemplateParametersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    header: list[str] | dict[str, str] = Field(default_factory=list, description="the header's variable, or a "
                                               "media header's link")
    body: list[str] | dict[str, str] = Field(default_factory=list, description="{{1}}, {{2}}... in order, or "
                                             "named variables as an object")
    buttons: list[str] = Field(default_factory=list, description="one value per button that takes one, in order")


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=1, max_length=16)
    parameters: TemplateParametersIn = Field(default_factory=TemplateParametersIn)


class SendMessageIn(BaseModel):
    """A reply. ``text`` is the body (text, note) or caption (image, video, document).
    Media is given by ``link`` here, or uploaded as multipart/form-data with a ``file`` part."""

    model_config = ConfigDict(extra="forbid")

    type: SendType
    text: str | None = None
    template: TemplateIn | None = Field(default=None, description="type template: which one, and its parameters")
    preview_url: bool = False
    link: str | None = Field(default=None, pattern=r"^https?://")
    filename: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    name: str | None = None
    address: str | None = None
    emoji: str | None = None
    message_id: int | None = Field(default=None, description="reaction: the message reacted to")
    reply_to_id: int | None = Field(default=None, description="quote this message of the conversation")
    header: Short = Field(default=None, description="list, buttons: the header text")
    footer: Short = Field(default=None, description="list, buttons: the footer text")
    button: Short = Field(default=None, description="list: the label of the button that opens it")
    sections: list[SectionIn] = Field(default_factory=list, max_length=100, description="list: its sections")
    buttons: list[ChoiceIn] = Field(default_factory=list, max_length=100, description="buttons: the reply buttons")
    quick_replies: list[ChoiceIn] = Field(default_factory=list, max_length=100,
                                          description="quick_replies (Messenger, Instagram): the options")

    mentions: list[int] = Field(default_factory=list, max_length=50,
                                description="note: the agents @mentioned (user ids; they are notified)")

    _content: Content | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _complete(self) -> SendMessageIn:
        if self.type == "location" and (self.latitude is None or self.longitude is None):
            raise ValueError("a location needs latitude and longitude")
        if self.type == "reaction" and self.message_id is None:
            raise ValueError("a reaction needs message_id, the message reacted to")
        if self.type == "template" and self.template is None:
            raise ValueError("a template message needs template: {name, language, parameters}")
        try:
            self._content = self._typed()
        except ValidationError as exc:  # reported like the request's own fields
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{self.type} content: {where}: {first['msg']}") from None
        return self

    def content(self) -> Content:
        """The typed content this request describes (media stored from an upload is added by the caller)."""
        assert self._content is not None
        return self._content

    def _typed(self) -> Content:
        if self.type == "text":
            return Text(body=self.text, preview_url=self.preview_url)
        if self.type in MEDIA:
            return Media.model_validate({"type": self.type, "link": self.link, "filename": self.filename,
                                         "caption": self.text if self.type in CAPTIONED else None})
        if self.type == "location":
            return Location(latitude=self.latitude, longitude=self.longitude, name=self.name, address=self.address)
        if self.type == "reaction":
            return Reaction(emoji=self.emoji or "")
        if self.type == "template" and self.template is not None:  # components built by the send check
            return Template(name=self.template.name, language=self.template.language)
        if self.type in INTERACTIVE:
            return self._interactive()
        return Note()

    def _interactive(self) -> Interactive:
        options = self.buttons if self.type == "buttons" else self.quick_replies
        return Interactive(kind=self.type, body=self.text, header=self.header, footer=self.footer,
                           button=self.button if self.type == "list" else None,
                           sections=[Section(title=s.title, rows=[_choice(r) for r in s.rows]) for s in self.sections]
                           if self.type == "list" else [],
                           buttons=[_choice(b) for b in options] if self.type != "list" else [])

    @property
    def draft_type(self) -> str:
        """The message's type: lists, buttons and quick replies are all interactive messages."""
        return "interactive" if self.type in INTERACTIVE else self.type


def _choice(given: ChoiceIn) -> Choice:
    return Choice(id=given.id, title=given.title, description=given.description)


class ConversationPatch(BaseModel):
    """Change a conversation's state; keys left out stay as they are. ``assignee_id`` and
    ``team_id`` take null to clear; ``label_ids`` replaces the whole set."""

    model_config = ConfigDict(extra="forbid")

    status: ConversationStatus | None = None
    snoozed_until: datetime | None = Field(default=None, description="with status snoozed: when it reopens")
    priority: Priority | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    label_ids: list[int] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _aware(self) -> ConversationPatch:
        if self.snoozed_until is not None and self.snoozed_until.tzinfo is None:
            raise ValueError("snoozed_until needs a time zone (e.g. 2026-12-01T09:00:00Z)")
        return self


class ContactMessageIn(SendMessageIn):
    """A message that starts (or continues) a conversation with a contact: ``channel_id`` names
    the channel (default: the one they last used)."""

    channel_id: int | None = None
