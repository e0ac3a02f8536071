"""The phone page renders, escapes customer data, and its assets are served by the sandbox."""
from __future__ import annotations

from chatdesk.sandbox.personas import PERSONAS
from tests.sandbox.sandbox_helpers import ALEX, Harness


async def test_phone_page_lists_personas(h: Harness):
    response = await h.http.get("/phone")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for persona in PERSONAS:
        assert persona.name in page
    assert 'name="viewport"' in page
    assert 'src="/phone/static/phone.js"' in page and "http" not in page.split("<body>")[0]


async def test_phone_page_escapes_customer_names(h: Harness):
    await h.http.post("/_sandbox/customers",
                      json={"wa_id": "31600000123", "name": "<script>alert(1)</script>"})
    page = (await h.http.get("/phone?wa_id=31600000123")).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-selected="31600000123"' in page


async def test_phone_assets_are_served_and_never_use_inner_html(h: Harness):
    script = await h.http.get("/phone/static/phone.js")
    assert script.status_code == 200
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    assert "textContent" in script.text
    css = await h.http.get("/phone/static/phone.css")
    assert css.status_code == 200 and "#075e54" in css.text


async def test_inbox_has_what_the_phone_needs(h: Harness):
    await h.customer(ALEX, type="text", text="Hello")
    template = {"name": "order_update", "language": {"code": "en_US"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "Alex"},
                                        {"type": "text", "text": "#4471"}]}]}
    await h.send({"messaging_product": "whatsapp", "to": ALEX, "type": "template",
                  "template": template})
    inbox = await h.control(f"customers/{ALEX}/inbox")
    received = inbox["received"][0]
    assert received["template_text"] == ("Hi Alex, your order #4471 has been shipped and is on "
                                         "its way.")
    assert [b["title"] for b in received["template_buttons"]] == ["Track order", "Talk to us"]
    assert inbox["sent"][0]["message"]["text"]["body"] == "Hello"
    assert inbox["sent"][0]["seq"] < received["seq"]
