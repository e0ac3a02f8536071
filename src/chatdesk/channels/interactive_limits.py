"""What interactive messages a channel sends and their limits (``Capabilities.interactive``).

Data only: the policy that applies them is ``conversations/interactive_policy.py``, and a channel
that sends none leaves ``Capabilities.interactive`` at None. Kinds are ``Interactive.kind``
values: ``list`` and ``buttons`` (WhatsApp), ``quick_replies`` (Messenger, Instagram).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InteractiveLimits:
    kinds: frozenset[str]
    body_max: dict[str, int]  # by kind: WhatsApp allows a list's body 4,096, reply buttons' 1,024
    header_max: int = 60
    footer_max: int = 60
    list_button_max: int = 20  # the label of the list's menu
    sections_max: int = 10
    rows_max: int = 10  # across all sections
    section_title_max: int = 24
    row_id_max: int = 200
    row_title_max: int = 24
    row_description_max: int = 72
    buttons_max: int = 3
    button_id_max: int = 256
    button_title_max: int = 20
    quick_replies_max: int = 13
    quick_reply_title_max: int = 20
    quick_reply_payload_max: int = 1000
