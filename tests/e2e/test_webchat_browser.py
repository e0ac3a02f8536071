"""The web chat widget in chromium: a page on another origin embeds the snippet; the visitor
writes, the agent sees it live and replies, the visitor sees the reply live; a reload keeps the
conversation; a page on an origin that is not allowed gets no widget and no API access."""
from __future__ import annotations

import http.server
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility_browser import assert_accessible

pytestmark = pytest.mark.e2e


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def site(html: str) -> Iterator[str]:
    """A tiny web server of a business's own site, on a port (an origin) of its own."""
    with site_serving() as (origin, set_html):
        set_html(html)
        yield origin


def page_with(snippet: str, visitor_name: str) -> str:
    return (f"<!doctype html><html lang=en><head><title>Shop</title></head><body><h1>Our shop</h1>"
            f"<script>window.chatdeskSettings = {{name: {visitor_name!r}}};</script>{snippet}</body></html>")


def connect_widget(page, origin: str) -> str:
    """Settings → Channels → Connect Web chat; the snippet the page then shows."""
    page.goto("/w/e2e-shop/settings/channels")
    form = page.locator("#connect-webchat")
    form.locator("input[name=allowed_origin]").fill(origin)
    form.locator("input[name=name]").fill(f"Site {uuid.uuid4().hex[:6]}")
    form.locator("button.connect-btn").click()
    expect(page).to_have_url(re.compile(r"/widget\?new=1"))
    return page.locator("#embed-snippet").inner_text()


def agent_types_until_shown(agent, indicator) -> None:
    """The agent keeps typing, as agents do, until the visitor sees "typing…". Typing is
    ephemeral (never stored): the inbox tells the server at most every 2.5 s, so one notice
    sent while the visitor's stream was reconnecting is made up for by the next."""
    for _ in range(6):
        agent.locator("#composer-text").press_sequentially("Hi ")
        try:
            expect(indicator).to_have_text("typing…", timeout=3000)
            return
        except AssertionError:
            continue
    expect(indicator).to_have_text("typing…")


def visitor_types_until_shown(box, indicator, text: str) -> None:
    """The visitor writes (the widget tells the server at most every 3 s) until the agent's
    conversation says so: agents see the customer typing, not only the other way round."""
    for _ in range(6):
        box.press_sequentially("Do you ")
        try:
            expect(indicator).to_have_text(text, timeout=3500)
            return
        except AssertionError:
            continue
    expect(indicator).to_have_text(text)


def test_a_visitor_and_an_agent_chat_live_across_origins(new_page, browser, servers):
    agent = new_page()
    tag = uuid.uuid4().hex[:8]
    with site_serving() as (origin, set_html):  # its page is set once the widget is connected
        snippet = connect_widget(agent, origin)
        assert re.fullmatch(r'<script src="http://127\.0\.0\.1:\d+/widget/wc_[\w-]+\.js" async></script>', snippet)
        set_html(page_with(snippet, f"Visitor {tag}"))
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
        visitor = context.new_page()
        visitor.goto(origin + "/")
        bubble = visitor.locator("#chatdesk-widget button.bubble")
        expect(bubble).to_be_visible(timeout=30000)
        bubble.click()
        box = visitor.locator("#chatdesk-widget textarea")
        expect(box).to_be_focused()
        box.fill(f"Hello from the site {tag} <b>bold?</b>")
        box.press("Enter")

        agent.goto("/w/e2e-shop/")
        item = agent.locator(".conv-item", has_text=f"Visitor {tag}")
        expect(item).to_be_visible(timeout=30000)
        item.click()
        expect(agent.locator(".msg.in").last).to_contain_text(f"Hello from the site {tag} <b>bold?</b>")
        agent_types_until_shown(agent, visitor.locator("#chatdesk-widget .typing"))
        agent.fill("#composer-text", f"Hi visitor {tag}, how can I help?")
        agent.keyboard.press("Enter")

        reply = visitor.locator("#chatdesk-widget .msg.out", has_text=f"Hi visitor {tag}")
        expect(reply).to_be_visible(timeout=30000)  # live, no reload
        visitor_types_until_shown(box, agent.locator("#typing"), f"Visitor {tag} is typing…")
        expect(visitor.locator("#chatdesk-widget .msg.in")).to_contain_text("<b>bold?</b>")  # shown as text
        expect(agent.locator(".msg.out").last.locator(".ticks.read")).to_be_visible(timeout=30000)

        visitor.reload()
        visitor.locator("#chatdesk-widget button.bubble").click()
        expect(visitor.locator("#chatdesk-widget .msg.out", has_text=f"Hi visitor {tag}")).to_be_visible(timeout=30000)
        expect(visitor.locator("#chatdesk-widget .msg.in", has_text=f"site {tag}")).to_be_visible()
        visitor.keyboard.press("Escape")
        expect(visitor.locator("#chatdesk-widget .panel")).to_be_hidden()
        expect(visitor.locator("#chatdesk-widget button.bubble")).to_be_focused()

        with site(page_with(snippet, "Intruder")) as other:
            stranger = context.new_page()
            stranger.goto(other + "/")
            stranger.wait_for_load_state("networkidle")
            expect(stranger.locator("#chatdesk-widget")).to_have_count(0)
            api = re.search(r'src="([^"]+)\.js"', snippet).group(1)
            outcome = stranger.evaluate(
                """async (url) => { try { await fetch(url + "/session", {method: "POST",
                     headers: {"Content-Type": "application/json"}, body: "{}"}); return "answered"; }
                     catch (e) { return "refused"; } }""", api)
            assert outcome == "refused"
        context.close()


@contextmanager
def site_serving() -> Iterator[tuple[str, Callable[[str], None]]]:
    """A site whose page is set once its origin (needed to connect the widget) is known."""
    holder = {"html": "<!doctype html><title>empty</title>"}

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = holder["html"].encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", _port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", lambda html: holder.__setitem__("html", html)
    finally:
        server.shutdown()
        server.server_close()


def test_the_widget_preview_follows_the_look_form_before_saving(new_page):
    """Settings → the web chat: the preview shows the widget's colour, words, greeting, pre-chat
    form and side as the admin changes the form, and the page's CSP refuses nothing on the way."""
    page = new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    connect_widget(page, f"http://127.0.0.1:{_port()}")
    preview = page.locator("#widget-preview")
    head = preview.locator(".wp-head")
    expect(head).to_contain_text("Chat with us")
    expect(preview.locator("#wp-greeting")).to_be_hidden()
    expect(preview.locator("#wp-compose")).to_contain_text("Write a message…")
    assert_accessible(page, "web chat settings")

    def background(locator) -> str:
        return locator.evaluate("el => getComputedStyle(el).backgroundColor")

    assert background(head) == "rgb(31, 111, 235)"  # the default colour, set without an inline style
    look = page.locator("#widget-look")
    look.locator("input[name=colour]").fill("#aa3300")
    assert background(head) == background(preview.locator(".wp-bubble")) == "rgb(170, 51, 0)"
    look.locator("input[name=greeting]").fill("Hallo! Wie können wir helfen?")
    expect(preview.locator("#wp-greeting")).to_have_text("Hallo! Wie können wir helfen?")
    look.locator("select[name=language]").select_option("de")
    expect(head).to_contain_text("Schreiben Sie uns")
    expect(preview.locator("#wp-compose")).to_contain_text("Nachricht schreiben…")
    look.locator("input[name=prechat]").check()
    expect(preview.locator("#wp-prechat")).to_contain_text("Ihr Name")
    expect(preview.locator("#wp-compose")).to_be_hidden()
    right = preview.locator(".wp-panel").bounding_box()["x"]
    look.locator("select[name=position]").select_option("left")
    assert preview.locator(".wp-panel").bounding_box()["x"] < right
    assert refused == []

    look.locator("button.btn.primary").click()  # saved: the page comes back showing what was saved
    expect(page).to_have_url(re.compile(r"saved=1"))
    expect(head).to_contain_text("Schreiben Sie uns")
    assert background(head) == "rgb(170, 51, 0)"
    expect(page.locator("#wp-greeting")).to_have_text("Hallo! Wie können wir helfen?")
    expect(page.locator("#wp-prechat")).to_be_visible()
