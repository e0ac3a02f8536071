"""The agent inbox in a real browser against a real chatdesk + sandbox (see conftest)."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import AGENT, OUTSIDER, shot

pytestmark = pytest.mark.e2e
XSS = "<img src=x onerror=alert(1)>"


def _until(fn, timeout: float = 15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_sign_in_page_and_wrong_password(new_page):
    page = new_page(None)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    shot(page, "01-sign-in")
    page.fill("input[name=email]", "owner@e2e.shop")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".alert.error")).to_contain_text("do not match")


def test_live_message_reply_ticks_and_note(new_page, servers):
    page = new_page()
    expect(page.locator(".list-pane")).to_be_visible()
    servers.customer_says("31611111111", "Hi! Where is my order #1042?\nIt was due yesterday.", name="Sanne Jansen")
    item = page.locator(".conv-item", has_text="Sanne Jansen")
    expect(item).to_be_visible(timeout=30000)          # arrived live, no reload
    expect(item.locator(".badge")).to_have_text("1")
    item.click()
    expect(page.locator("#conv-header")).to_contain_text("Sanne Jansen")
    expect(page.locator(".msg.in").last).to_contain_text("Where is my order #1042?")

    page.fill("#composer-text", "Hi Sanne, it ships today. Track it at https://example.com/t/1042")
    page.keyboard.press("Enter")
    out = page.locator(".msg.out").last
    expect(out).to_contain_text("it ships today")
    expect(out.locator("a[href='https://example.com/t/1042']")).to_have_attribute("rel", re.compile("noopener"))
    _until(lambda: any("ships today" in (r["request"].get("text") or {}).get("body", "")
                       for r in servers.received("31611111111")))
    expect(out.locator(".ticks.read")).to_be_visible(timeout=30000)   # sent → delivered → read, live

    page.click(".ctab[data-mode=note]")
    page.fill("#composer-text", "Customer is upset, offer a discount code")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.note").last).to_contain_text("offer a discount code")
    servers.customer_says("31611111111", "Thanks!")
    expect(page.locator(".msg.in").last).to_contain_text("Thanks!", timeout=30000)
    time.sleep(1)
    assert not any("discount" in str(r["request"]) for r in servers.received("31611111111"))
    shot(page, "02-conversation")


def test_a_message_delivered_late_goes_where_it_was_sent(new_page, servers):
    """Meta does not deliver in order: an open conversation puts a late message in its place."""
    page = new_page()
    servers.customer_says("31622222222", "Second: are you there?", name="Late Lotte")
    page.locator(".conv-item", has_text="Late Lotte").click()
    expect(page.locator(".msg.in").last).to_contain_text("Second: are you there?")
    servers.customer_says("31622222222", "First: my parcel is damaged", timestamp=int(time.time()) - 300)
    expect(page.locator(".msg.in")).to_have_count(2, timeout=30000)
    expect(page.locator(".msg.in").first).to_contain_text("First: my parcel is damaged")
    expect(page.locator(".msg.in").last).to_contain_text("Second: are you there?")
    page.reload()
    expect(page.locator(".msg.in").first).to_contain_text("First: my parcel is damaged")


def wait_until(page, expression: str, seconds: float = 10) -> None:
    """Poll a page expression from Python: the inbox's Content-Security-Policy forbids the
    string evaluation that Playwright's wait_for_function polls with."""
    end = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"page never satisfied {expression}"
        page.wait_for_timeout(50)


def test_actions_assign_label_resolve_reopen(new_page, servers):
    admin = new_page()
    admin.goto("/w/e2e-shop/settings/labels")
    admin.fill("input[name=name]", "VIP")
    admin.check("input[name=color][value=violet]", force=True)
    admin.click("text=Create label")
    expect(admin.locator(".label-chip", has_text="VIP")).to_be_visible()
    shot(admin, "05-settings-labels")

    admin.goto("/w/e2e-shop/")
    servers.customer_says("31622222222", "Can I change my delivery address?", name="Jonas Becker")
    admin.locator(".conv-item", has_text="Jonas Becker").click(timeout=30000)
    admin.click("#assign-me")
    expect(admin.locator("#assignee-select")).to_have_value(re.compile(r"\d+"))
    admin.click("summary:has-text('Labels')")
    admin.check("input[name=label]")
    admin.click("text=Apply")
    expect(admin.locator("#conv-header .conv-sub .label-chip", has_text="VIP")).to_be_visible()
    # a person is never faster than htmx wiring a freshly swapped header (a few ms); a robot can be
    wait_until(admin, "!!((document.querySelector('select[name=priority]') || {})['htmx-internal-data'] || {})"
                      ".initHash")
    admin.select_option("select[name=priority]", "high")
    expect(admin.locator("select[name=priority]")).to_have_value("high")
    expect(admin.locator(".conv-item", has_text="Jonas Becker").locator(".prio-high")).to_be_visible()
    expect(admin.locator(".conv-item", has_text="Jonas Becker").locator(".label-chip")).to_have_text("VIP")
    admin.click("#resolve-btn")
    expect(admin.locator(".status-pill")).to_have_text("Resolved")
    expect(admin.locator(".conv-item", has_text="Jonas Becker")).to_have_count(0)  # left the "open" list
    admin.click("#reopen-btn")
    expect(admin.locator(".status-pill")).to_have_text("Open")
    expect(admin.locator(".conv-item", has_text="Jonas Becker")).to_be_visible()


CHANGE_ON_ARRIVAL = """() => {  // the moment the opened conversation's header is in the page, pick a priority
  new MutationObserver(function (records, observer) {
    const select = document.querySelector("#conv-header select[name=priority]");
    if (!select) return;
    observer.disconnect();
    select.value = "urgent";
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }).observe(document.body, { childList: true, subtree: true });
}"""


def test_a_control_is_live_the_moment_it_is_shown(new_page, servers):
    """A change made as soon as the conversation is on screen is applied: htmx's default left new
    content inert for 20 ms (a fast hand, a script or a test lost its change there)."""
    servers.customer_says("31611119999", "Quick one", name="Swift Sofie")
    page = new_page()
    item = page.locator(".conv-item", has_text="Swift Sofie")
    expect(item).to_be_visible(timeout=30000)
    page.evaluate(CHANGE_ON_ARRIVAL)
    with page.expect_request(re.compile(r"/c/\d+/priority$"), timeout=30000):  # a guard: returns once sent
        item.click()
    expect(page.locator("#conv-header select[name=priority]")).to_have_value("urgent")
    page.reload()
    expect(page.locator("#conv-header select[name=priority]")).to_have_value("urgent")  # stored


def test_two_agents_see_each_other(new_page, servers):
    servers.customer_says("31633333333", "Is anyone there?", name="Lotte Visser")
    a, b = new_page(), new_page(AGENT)
    for p in (a, b):
        p.locator(".conv-item", has_text="Lotte Visser").click(timeout=30000)
        expect(p.locator("#composer-text")).to_be_visible()
    b.type("#composer-text", "Yes, one moment", delay=30)
    expect(a.locator("#typing")).to_contain_text("is replying", timeout=10000)
    b.keyboard.press("Enter")
    expect(a.locator(".msg.out").last).to_contain_text("Yes, one moment", timeout=10000)
    shot(a, "03-collision")


def test_hostile_names_render_as_text(new_page, servers):
    page = new_page()
    servers.customer_says("31644444444", XSS, name=XSS)
    item = page.locator(".conv-item", has_text=XSS)
    expect(item).to_be_visible(timeout=30000)
    item.click()
    expect(page.locator(".msg.in").last).to_contain_text(XSS)
    expect(page.locator("img[src=x]")).to_have_count(0)
    time.sleep(0.5)
    assert page.dialogs == []


def test_other_workspace_gets_404(new_page, servers):
    owner = new_page()
    servers.customer_says("31655555555", "private stuff", name="Private Person")
    owner.locator(".conv-item", has_text="Private Person").click(timeout=30000)
    expect(owner).to_have_url(re.compile(r"/c/\d+"))
    url = owner.url
    outsider = new_page(OUTSIDER)
    response = outsider.goto(url)
    assert response.status == 404
    assert "Private Person" not in outsider.content()
    other_slug_url = re.sub(r"/w/[^/]+/", "/w/other-shop/", url)
    assert outsider.goto(other_slug_url).status == 404


def test_keyboard(new_page, servers):
    page = new_page()
    servers.customer_says("31666666666", "Testing the keys", name="Kim Keys")
    expect(page.locator(".conv-item", has_text="Kim Keys")).to_be_visible(timeout=30000)
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type("Kim Keys")
    expect(page.locator(".conv-item")).to_have_count(1)
    page.keyboard.press("Escape")
    page.locator("#search").fill("")
    page.locator("body").click(position={"x": 900, "y": 400})
    page.keyboard.press("j")
    expect(page.locator("#conv")).to_be_visible()
    page.keyboard.press("n")
    expect(page.locator("#composer")).to_have_attribute("data-mode", "note")
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.locator("#composer")).to_have_attribute("data-mode", "reply")
    shot(page, "04-inbox-keyboard")


def test_connect_whatsapp_channel(new_page, servers):
    servers.sandbox_call("POST", "/_sandbox/numbers", {"phone_number_id": "111222333444555",
                                                       "display_phone_number": "15550002222",
                                                       "waba_id": "999888777", "access_token": "new-token"})
    page = new_page()
    page.goto("/w/e2e-shop/settings/channels")
    page.fill("input[name=phone_number_id]", "111222333444555")
    page.fill("input[name=waba_id]", "999888777")
    page.fill("input[name=access_token]", "wrong-token")
    page.fill("input[name=app_secret]", "s3cret")
    page.click("#connect-whatsapp .connect-btn")
    expect(page.locator(".alert.error")).to_contain_text("did not work")
    page.fill("input[name=access_token]", "new-token")
    page.fill("input[name=app_secret]", "s3cret")
    page.click("#connect-whatsapp .connect-btn")
    expect(page.locator("#webhook-url")).to_have_text(f"{servers.base}/webhooks/whatsapp")
    expect(page.locator("#verify-token")).not_to_be_empty()
    expect(page.locator("#health")).to_have_text("Connected")
    shot(page, "06-channel-connected")


def test_dutch_interface_from_accept_language(new_page, servers):
    servers.customer_says("31677777777", "Hallo, ik heb een vraag", name="Daan de Boer")
    page = new_page(locale="nl-NL")
    expect(page.locator(".conv-item").first).to_be_visible(timeout=30000)
    expect(page.locator(".tabs")).to_contain_text("Niet toegewezen")
    page.locator(".conv-item").first.click()
    expect(page.locator("#send-btn")).to_contain_text("Versturen")
    shot(page, "07-inbox-dutch")
