"""``GET /{version}/{waba-id}/message_templates``: Meta's list shape, cursor paging and filters."""
from __future__ import annotations

from typing import Any

from tests.sandbox.sandbox_helpers import TOKEN, WABA, Harness, assert_error

AUTH = {"Authorization": f"Bearer {TOKEN}"}
URL = f"/v23.0/{WABA}/message_templates"


async def listing(h: Harness, url: str = URL, **params: Any) -> dict[str, Any]:
    response = await h.http.get(url, params=params, headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["facebook-api-version"] == "v23.0"
    return response.json()


async def test_lists_the_catalogue_in_metas_shape(h: Harness):
    body = await listing(h)
    assert set(body) == {"data", "paging"}
    names = [(t["name"], t["language"]) for t in body["data"]]
    assert names == [(t["name"], t["language"]) for t in (await h.control("templates"))["templates"]]
    for template in body["data"]:
        assert set(template) == {"name", "components", "language", "status", "category", "id"}
        assert template["status"] == "APPROVED" and template["id"].isdigit()
    order_nl = next(t for t in body["data"] if (t["name"], t["language"]) == ("order_update", "nl"))
    assert order_nl["category"] == "UTILITY"
    assert order_nl["components"] == [
        {"type": "BODY", "text": "Hoi {{1}}, je bestelling {{2}} is verzonden en onderweg.",
         "example": {"body_text": [["example 1", "example 2"]]}},
        {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Bestelling volgen"},
                                        {"type": "QUICK_REPLY", "text": "Contact opnemen"}]}]
    hello = next(t for t in body["data"] if t["name"] == "hello_world")
    assert hello["components"][0] == {"type": "HEADER", "format": "TEXT", "text": "Hello World"}
    assert set(body["paging"]["cursors"]) == {"before", "after"}
    assert "next" not in body["paging"] and "previous" not in body["paging"]


async def test_cursor_paging_walks_forward_and_back(h: Harness):
    everything = [t["id"] for t in (await listing(h))["data"]]
    seen, page = [], await listing(h, limit=2)
    pages = [page]
    while True:
        seen += [t["id"] for t in page["data"]]
        if "next" not in page["paging"]:
            break
        assert "after=" in page["paging"]["next"] and "limit=2" in page["paging"]["next"]
        page = (await h.http.get(page["paging"]["next"], headers=AUTH)).json()
        pages.append(page)
    assert seen == everything and len(pages) == 3
    assert "previous" not in pages[0]["paging"] and "previous" in pages[-1]["paging"]
    back = await listing(h, limit=2, before=pages[-1]["paging"]["cursors"]["before"])
    assert back["data"] == pages[-2]["data"]
    after = await listing(h, limit=2, after=pages[0]["paging"]["cursors"]["after"])
    assert after["data"] == pages[1]["data"]


async def test_filters_and_fields(h: Harness):
    by_name = await listing(h, name="order_")
    assert {t["name"] for t in by_name["data"]} == {"order_update", "order_confirmation"}
    assert [t["name"] for t in (await listing(h, category="MARKETING"))["data"]] == ["winter_sale"]
    assert (await listing(h, status="REJECTED,PAUSED"))["data"] == []
    assert len((await listing(h, status="APPROVED"))["data"]) == 6
    assert {t["name"] for t in (await listing(h, language="de,nl"))["data"]} == {"order_update"}
    slim = await listing(h, fields="name,status", limit=1)
    assert set(slim["data"][0]) == {"name", "status", "id"}
    assert "summary" not in slim
    counted = await listing(h, name="order", limit=1, summary="total_count,message_template_count")
    assert counted["summary"] == {"total_count": 4, "message_template_count": 6}


async def test_added_templates_are_listed(h: Harness):
    await h.http.post("/_sandbox/templates", json={"name": "refund_done", "language": "en_US",
                                                   "body_params": 1, "body_text": "Refunded {{1}}"})
    body = await listing(h, name="refund")
    assert [(t["name"], t["components"]) for t in body["data"]] == [
        ("refund_done", [{"type": "BODY", "text": "Refunded {{1}}",
                          "example": {"body_text": [["example 1"]]}}])]


async def test_errors(h: Harness):
    assert_error(await h.http.get("/v23.0/999/message_templates", headers=AUTH), 100)
    assert_error(await h.http.get(URL), 190, 401)
    assert_error(await h.http.get(URL, headers={"Authorization": "Bearer nope"}), 190, 401)
    assert_error(await h.http.get(URL, params={"limit": "many"}, headers=AUTH), 100)
    assert_error(await h.http.get(f"/v99.0/{WABA}/message_templates", headers=AUTH), 2500)
