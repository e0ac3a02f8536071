"""The Graph layer answers as Meta's does: object, path and token errors in Meta's words and
without ``error_data`` (SPEC §2.3), Meta's response headers, and the upload form variants."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx

from tests.conftest import payload
from tests.sandbox.sandbox_helpers import ALEX, PNID, TOKEN, Harness, assert_error, text

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def without_trace(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body["error"].items() if k != "fbtrace_id"}


def fixture(name: str) -> dict[str, Any]:
    return json.loads(payload(name))


async def test_unknown_phone_number_id_is_metas_unknown_object(h: Harness):
    response = await h.send(text(), pnid="109876543210988")
    assert_error(response, 100, 400)
    assert without_trace(response.json()) == without_trace(fixture("wa_error_unknown_object.json"))
    # A token the sandbox does not know fails authentication first, as on Meta.
    assert_error(await h.send(text(), token="EAAG-nobody", pnid="109876543210988"), 190, 401)


async def test_unknown_path_is_2500_in_the_graph_envelope(h: Harness):
    misspelled = await h.http.post(f"/v23.0/{PNID}/mesages", json=text(), headers=AUTH)
    assert_error(misspelled, 2500, 400)
    assert without_trace(misspelled.json()) == without_trace(fixture("wa_error_unknown_path.json"))
    version = await h.http.post(f"/v2.80/{PNID}/messages", json=text(), headers=AUTH)
    assert_error(version, 2500, details=f"Unknown path components: /{PNID}/messages")
    # The token is checked before the path, as on Meta.
    assert_error(await h.http.post(f"/v2.80/{PNID}/messages", json=text()), 190, 401)
    assert_error(await h.http.get("/v23.0/1/2/3", headers={"Authorization": "Bearer x"}), 190, 401)
    for method, path in (("GET", "/v23.0/1/2/3"), ("PUT", f"/v23.0/{PNID}/messages"),
                         ("POST", "/"), ("POST", f"/{PNID}/messages")):
        response = await h.http.request(method, path, headers=AUTH)
        assert_error(response, 2500)
        assert "detail" not in response.json()


async def test_control_api_keeps_its_own_errors(h: Harness):
    response = await h.http.get("/_sandbox/customers/000/inbox")
    assert response.status_code == 404 and "detail" in response.json()


async def test_missing_token_is_metas_parse_error(h: Harness):
    error = assert_error(await h.send(text(), token=None), 190, 401)
    assert error.message == "Invalid OAuth access token - Cannot parse access token"
    assert error.error_subcode is None


async def test_expired_token_answers_463_with_metas_sentence(h: Harness):
    expiry = h.clock.now + timedelta(hours=1)
    await h.http.post("/_sandbox/numbers", json={"phone_number_id": PNID,
                                                 "token_expires_at": expiry.isoformat()})
    assert (await h.send(text())).status_code == 200
    h.clock.advance(hours=2)
    response = await h.send(text())
    error = assert_error(response, 190, 401)
    assert error.error_subcode == 463
    recorded = fixture("wa_error_auth_expired.json")["error"]["message"]
    shape = r"Error validating access token: Session has expired on \w+, \d\d-\w{3}-\d\d " \
            r"\d\d:\d\d:\d\d P[SD]T\. The current time is \w+, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d P[SD]T\."
    assert re.fullmatch(shape, recorded) and re.fullmatch(shape, error.message)
    assert response.headers["www-authenticate"] == \
        f'OAuth "Facebook Platform" "invalid_token" "{error.message}"'


async def test_validation_errors_keep_error_data(h: Harness):
    response = await h.send(text(body="x" * 5000))
    error = assert_error(response, 131009)
    assert error.error_data == {"messaging_product": "whatsapp",
                                "details": "Text body is too long. Max length is 4096"}
    assert response.headers["www-authenticate"] == \
        'OAuth "Facebook Platform" "invalid_request" "(#131009) Parameter value is not valid"'


async def test_meta_headers_on_every_graph_answer(h: Harness):
    ok = await h.http.post(f"/v21.0/{PNID}/messages", json=text(), headers=AUTH)
    failed = await h.http.post(f"/v24.0/{PNID}/messages", json=text(to="1"), headers={})
    for response, version in ((ok, "v21.0"), (failed, "v24.0")):
        assert response.headers["facebook-api-version"] == version
        assert response.headers["x-fb-trace-id"] and response.headers["x-fb-request-id"]
    assert "www-authenticate" not in ok.headers
    assert failed.headers["x-fb-trace-id"] == failed.json()["error"]["fbtrace_id"]


async def test_upload_takes_messaging_product_from_the_query(h: Harness):
    response = await h.http.post(f"/v23.0/{PNID}/media?messaging_product=whatsapp", headers=AUTH,
                                 files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")})
    assert response.status_code == 200, response.text
    media_id = response.json()["id"]
    info = (await h.http.get(f"/v23.0/{media_id}", headers=AUTH)).json()
    assert info["mime_type"] == "image/png"
    wrong = await h.http.post(f"/v23.0/{PNID}/media?messaging_product=sms", headers=AUTH,
                              files={"file": ("a.png", b"x", "image/png")})
    assert_error(wrong, 131009)


async def test_a_send_to_a_known_customer_still_works_after_errors(h: Harness):
    await h.customer(ALEX, type="text", text="hi")
    assert_error(await h.send(text(), pnid="1"), 100)
    assert (await h.send(text())).status_code == 200


async def test_http_client_errors_are_never_framework_shapes(h: Harness):
    response = await h.http.request("PATCH", f"/v23.0/{PNID}/media", headers=AUTH)
    assert response.status_code == 400 and response.json()["error"]["code"] == 2500
    assert isinstance(response, httpx.Response)
