"""Issue 16 (r16a): the markup that makes phones, screen readers and emoji-less machines work:
the conversation page says it shows a conversation, the list is not a live region, icons are
SVG (no emoji anywhere in the inbox's templates or scripts), kinds are spelled as their platform
spells them, an unsupported message says so once, deletes ask first, the Mine view's empty text."""
from __future__ import annotations

import re
from pathlib import Path

from chatdesk.inbox import icons, present
from tests.conftest import settle
from tests.inbox.conftest import conversation_of

WS = "/w/test-shop"
INBOX = Path(icons.__file__).parent
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")  # arrows in prose are text


def test_no_emoji_or_arrows_as_icons_in_inbox_templates_and_scripts():
    files = [*INBOX.glob("templates/**/*.html"), INBOX / "static" / "inbox.js", INBOX / "static" / "builder.js"]
    found = {f.name: EMOJI.findall(f.read_text(encoding="utf-8")) for f in files}
    assert not {name: chars for name, chars in found.items() if chars}


def test_icons_are_inline_svg_hidden_unless_labelled():
    pin = icons.icon("map-pin")
    assert pin.startswith("<svg") and 'aria-hidden="true"' in pin and "<path" in pin
    labelled = icons.icon("download", "Download <now>")
    assert 'role="img"' in labelled and 'aria-label="Download &lt;now&gt;"' in labelled
    assert (INBOX / "static" / "vendor" / "icons.LICENSE").read_text().startswith("ISC License")


def test_kinds_are_spelled_as_the_platform_spells_them():
    assert present.kind_title("whatsapp") == "WhatsApp"
    assert present.kind_title("carrier-pigeon") == "Carrier-pigeon"


async def test_a_conversation_page_opens_on_a_phone_and_has_a_drawer_button(stack, owner):
    cid = await conversation_of(stack, "31600001601", "Is it in stock?", name="Phone Pia")
    page = (await owner.get(f"{WS}/c/{cid}")).text
    assert re.search(r'<body class="inbox has-conv"', page)         # the narrow layout shows the conversation
    assert 'id="back-btn"' in page and 'aria-controls="contact-pane"' in page and 'id="contact-pane"' in page
    assert 'id="conv-list" class="conv-list" role="list">' in page   # not aria-live: refreshes are not re-read
    assert 'id="list-status"' in page and "New conversation: %(name)s" in page
    listing = (await owner.get(f"{WS}/")).text
    assert '<body class="inbox"' in listing


async def test_media_in_the_list_and_thread_has_svg_icons_and_unsupported_is_said_once(stack, owner):
    cid = await conversation_of(stack, "31600001602", "Hi", name="Pin Pieter")
    await stack.customer_says("31600001602", type="location", latitude=52.37, longitude=4.89, name="Dam")
    await settle(lambda: _has(owner, f"{WS}/c/{cid}", "Dam"))
    listing = (await owner.get(f"{WS}/")).text
    item = listing.split(f'id="ci-{cid}"')[1].split("</a>")[0]
    assert "icon" in item and "<svg" in item and "📍" not in item and "Dam" in item
    await stack.customer_says("31600001602", type="unsupported")
    await settle(lambda: _has(owner, f"{WS}/c/{cid}", "Message type unknown"))
    thread = (await owner.get(f"{WS}/c/{cid}")).text
    assert "This message type is not supported: Message type unknown" in thread
    assert "(unsupported)" not in thread and "[unsupported]" not in (await owner.get(f"{WS}/")).text


async def _has(owner, url: str, text: str) -> bool:
    return text in (await owner.get(url)).text


async def test_the_empty_mine_view_says_nothing_is_assigned(stack, owner):
    page = (await owner.get(f"{WS}/?view=mine")).text
    assert "Nothing is assigned to you" in page
    assert "as customers write in" not in page


async def test_channel_chips_say_whatsapp_and_deletes_ask_first(stack, owner):
    channels = (await owner.get(f"{WS}/settings/channels")).text
    assert ">WhatsApp</span>" in channels and "Whatsapp" not in channels
    assert "data-keep-on-error=" in channels
    await owner.post(f"{WS}/settings/labels", {"name": "Refund", "color": "red", "csrf_token": owner.csrf}, htmx=False)
    labels = (await owner.get(f"{WS}/settings/labels")).text
    assert "data-confirm=\"Delete the label “Refund”?\"" in labels
    assert 'id="confirm-dialog"' in labels
