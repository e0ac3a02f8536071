"""The sandbox's in-memory world: numbers (with their bound tokens), customers, the messages in
both directions, service windows, rejections and injected faults. No I/O happens here.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import identity
from .config import SandboxConfig, SandboxNumber
from .errors import expired_token, invalid_token, malformed_token, unknown_object


@dataclass
class Customer:
    """A WhatsApp user. ``wa_id`` is the sandbox's key for them (control API paths, records): the
    phone number, or for a customer without one (``has_phone`` false) their BSUID."""

    wa_id: str
    name: str
    language: str = "en"
    read_receipts: bool = True
    persona: bool = False
    user_id: str = ""              # BSUID; derived from the phone number when not given
    username: str | None = None    # e.g. "@robin.vale", for users who adopted one
    has_phone: bool = True
    platform: str = "whatsapp"     # the phone page's switch: whatsapp, messenger or instagram

    def __post_init__(self) -> None:
        if not self.user_id:
            self.user_id = (identity.phone_user_id(self.wa_id) if self.has_phone
                            else self.wa_id)

    @property
    def phone(self) -> str | None:
        """The phone number as webhooks show it (``wa_id``/``from``), None when not shared."""
        return self.wa_id if self.has_phone else None

    @property
    def handle(self) -> str:
        """How a person would recognise them: the number, else the username, else the BSUID."""
        return f"+{self.wa_id}" if self.has_phone else (self.username or self.user_id)

    @property
    def parent_user_id(self) -> str:
        return identity.parent_of(self.user_id)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["key"] = self.wa_id
        data["wa_id"] = self.phone
        data["parent_user_id"] = self.parent_user_id
        data["handle"] = self.handle
        return data


@dataclass
class Outbound:
    """A business message the Graph endpoint accepted."""

    seq: int
    wamid: str
    phone_number_id: str
    to: str
    wa_id: str
    type: str
    request: dict[str, Any]
    accepted_at: datetime
    accepted_monotonic: float
    category: str = "service"                   # pricing category / conversation origin
    pricing_type: str = "free_customer_service"  # or "regular" (charged)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    addressed_by: str = "to"                    # or "recipient" (a BSUID / parent BSUID)
    api_version: int = 23                       # major Graph version of the send request
    failure: int | None = None                  # error code of the ``failed`` status to come

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["accepted_at"] = self.accepted_at.isoformat()
        return data


@dataclass
class Inbound:
    """A message a customer sent to a business number (as delivered in the webhook)."""

    seq: int
    wamid: str
    phone_number_id: str
    wa_id: str
    time: datetime
    message: dict[str, Any]
    read_by_business: bool = False

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["time"] = self.time.isoformat()
        return data


@dataclass
class Fault:
    phone_number_id: str | None
    remaining: int
    http_status: int
    error_code: int | None
    drop: bool


def provisioned_number(phone_number_id: str) -> SandboxNumber:
    """A number first seen on an authenticated request: derive stable fake ids from its id."""
    digits = "".join(ch for ch in phone_number_id if ch.isdigit()) or "0"
    return SandboxNumber(phone_number_id=phone_number_id,
                         display_phone_number="1555" + digits[-7:].zfill(7),
                         waba_id="10" + digits[-13:].zfill(13))


class SandboxState:
    def __init__(self, config: SandboxConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.clock = clock
        self.reset()

    def reset(self) -> None:
        self.numbers = {n.phone_number_id: dataclasses.replace(n) for n in self.config.numbers}
        # Numbers someone configured (not provisioned on first use): once there is one, an
        # unknown phone-number id is Meta's "object does not exist" (100 / 33).
        self.configured = set(self.numbers)
        self.customers: dict[str, Customer] = {}
        self.windows: dict[tuple[str, str], datetime] = {}
        self.outbound: list[Outbound] = []
        self.outbound_by_id: dict[str, Outbound] = {}
        self.inbound: list[Inbound] = []
        self.inbound_by_id: dict[str, Inbound] = {}
        self.rejected: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self._seq = itertools.count(1)

    def next_seq(self) -> int:
        return next(self._seq)

    # ------------------------------------------------------------------ numbers and tokens

    def authenticate(self, phone_number_id: str, token: str | None,
                     method: str = "post") -> SandboxNumber:
        """Bearer check (190), then the number itself (100 / 33 once numbers are configured);
        with no configured numbers, unknown or token-less numbers bind the first token used."""
        if not token:
            raise malformed_token()
        number = self.numbers.get(phone_number_id)
        if number is None:
            if self.configured:
                raise unknown_object(phone_number_id, method) if self.token_known(token) \
                    else invalid_token()
            number = self.numbers[phone_number_id] = provisioned_number(phone_number_id)
        if number.access_token is None:
            number.access_token = token   # trust on first use
        if token != number.access_token:
            raise invalid_token()
        if number.token_expires_at is not None and self.clock() >= number.token_expires_at:
            raise expired_token(number.token_expires_at, self.clock())
        return number

    def token_known(self, token: str | None) -> bool:
        return bool(token) and any(n.access_token == token for n in self.numbers.values())

    def default_number(self) -> SandboxNumber:
        if not self.numbers:
            raise LookupError("the sandbox has no business numbers configured")
        return next(iter(self.numbers.values()))

    def upsert_number(self, number: SandboxNumber) -> SandboxNumber:
        self.numbers[number.phone_number_id] = number
        self.configured.add(number.phone_number_id)
        return number

    # ------------------------------------------------------------------ customers and windows

    def customer(self, wa_id: str) -> Customer:
        """The customer with this key; recipients never seen before are created ad hoc (a BSUID
        key makes a customer without a phone number)."""
        if wa_id not in self.customers:
            if identity.is_bsuid(wa_id):
                self.customers[wa_id] = Customer(wa_id=wa_id, name=wa_id, has_phone=False)
            else:
                self.customers[wa_id] = Customer(wa_id=wa_id, name=f"+{wa_id}")
        return self.customers[wa_id]

    def by_user_id(self, user_id: str) -> Customer | None:
        """The customer a BSUID or parent BSUID belongs to, if the sandbox knows them."""
        for customer in self.customers.values():
            if user_id in (customer.user_id, customer.parent_user_id):
                return customer
        return None

    def note_inbound(self, phone_number_id: str, wa_id: str, at: datetime) -> None:
        """The customer wrote in at ``at``: (re)start the service window from that moment
        (a message stamped earlier than the latest one does not shorten the window)."""
        key = (phone_number_id, wa_id)
        latest = self.windows.get(key)
        self.windows[key] = at if latest is None else max(latest, at)

    def window_start(self, phone_number_id: str, wa_id: str) -> datetime | None:
        return self.windows.get((phone_number_id, wa_id))

    def window_open(self, phone_number_id: str, wa_id: str, now: datetime) -> bool | None:
        """True/False for customers who wrote in; None when the sandbox never saw them write."""
        start = self.window_start(phone_number_id, wa_id)
        if start is None:
            return None
        return now - start < timedelta(hours=self.config.window_hours)

    # ------------------------------------------------------------------ messages

    def add_outbound(self, record: Outbound) -> None:
        self.outbound.append(record)
        self.outbound_by_id[record.wamid] = record

    def add_inbound(self, record: Inbound) -> None:
        self.inbound.append(record)
        self.inbound_by_id[record.wamid] = record

    def mark_read(self, phone_number_id: str, wamid: str) -> None:
        """Reading a message marks it and every earlier one in that chat as read (as on Meta)."""
        target = self.inbound_by_id.get(wamid)
        if target is None or target.phone_number_id != phone_number_id:
            return
        for record in self.inbound:
            if (record.wa_id == target.wa_id and record.phone_number_id == phone_number_id
                    and record.seq <= target.seq):
                record.read_by_business = True

    def reject(self, entry: dict[str, Any]) -> None:
        self.rejected.append(entry)

    # ------------------------------------------------------------------ faults

    def take_fault(self, phone_number_id: str) -> Fault | None:
        for fault in self.faults:
            if fault.remaining > 0 and fault.phone_number_id in (None, phone_number_id):
                fault.remaining -= 1
                return fault
        return None
