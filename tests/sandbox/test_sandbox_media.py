"""Media endpoints: upload → info → download with the bearer, URL expiry, delete, and media that
customers send being downloadable by chatdesk."""
from __future__ import annotations

import base64
import hashlib

from chatdesk.channels.whatsapp.payloads import MediaInfo, MediaUploadResponse, WebhookEnvelope
from chatdesk.sandbox.media_gen import png
from tests.sandbox.sandbox_helpers import ALEX, PNID, TOKEN, Harness, assert_error, wait_for

AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def upload(h: Harness, data: bytes, mime: str = "image/png", **extra: str):
    fields = {"messaging_product": "whatsapp", "type": mime, **extra}
    return await h.http.post(f"/v23.0/{PNID}/media", data=fields,
                             files={"file": ("photo.png", data, mime)}, headers=AUTH)


async def test_upload_info_download_delete(h: Harness):
    data = png()
    response = await upload(h, data)
    assert response.status_code == 200
    media_id = MediaUploadResponse.model_validate(response.json()).id
    assert media_id.isdigit() and len(media_id) >= 15

    info = MediaInfo.model_validate((await h.http.get(f"/v23.0/{media_id}", headers=AUTH)).json())
    assert info.id == media_id and info.mime_type == "image/png"
    assert info.sha256 == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert int(info.file_size) == len(data)
    assert info.url.startswith("http://sandbox.test/")

    assert (await h.http.get(info.url)).status_code == 401
    download = await h.http.get(info.url, headers=AUTH)
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "image/png"

    # The media can now be sent by id.
    image = {"messaging_product": "whatsapp", "to": ALEX, "type": "image",
             "image": {"id": media_id, "caption": "Your receipt"}}
    assert (await h.http.post(f"/v23.0/{PNID}/messages", json=image, headers=AUTH)
            ).status_code == 200

    deleted = await h.http.delete(f"/v23.0/{media_id}", headers=AUTH)
    assert deleted.json() == {"success": True}
    assert_error(await h.http.get(f"/v23.0/{media_id}", headers=AUTH), 100)


async def test_download_url_expires_after_five_minutes(h: Harness):
    media_id = (await upload(h, png())).json()["id"]
    url = (await h.http.get(f"/v23.0/{media_id}", headers=AUTH)).json()["url"]
    h.clock.advance(minutes=4)
    assert (await h.http.get(url, headers=AUTH)).status_code == 200
    h.clock.advance(minutes=2)
    assert (await h.http.get(url, headers=AUTH)).status_code == 404
    fresh = (await h.http.get(f"/v23.0/{media_id}", headers=AUTH)).json()["url"]
    assert (await h.http.get(fresh, headers=AUTH)).status_code == 200


async def test_upload_checks(h: Harness):
    assert_error(await h.http.post(f"/v23.0/{PNID}/media", data={"type": "image/png"},
                                   files={"file": ("a.png", b"x", "image/png")}), 190, 401)
    no_product = await h.http.post(f"/v23.0/{PNID}/media", data={"type": "image/png"},
                                   files={"file": ("a.png", b"x", "image/png")}, headers=AUTH)
    assert_error(no_product, 131008)
    no_file = await h.http.post(f"/v23.0/{PNID}/media", headers=AUTH,
                                data={"messaging_product": "whatsapp", "type": "image/png"},
                                files={"other": ("a", b"x", "text/plain")})
    assert_error(no_file, 131008)
    assert_error(await upload(h, b"x", mime="application/x-msdownload"), 131009)
    assert_error(await upload(h, b"x" * (5 * 1024 * 1024 + 1)), 131009)


async def test_unknown_media_and_wrong_token(h: Harness):
    assert_error(await h.http.get("/v23.0/999999999999999", headers=AUTH), 100)
    media_id = (await upload(h, png())).json()["id"]
    wrong = {"Authorization": "Bearer someone-else"}
    assert_error(await h.http.get(f"/v23.0/{media_id}", headers=wrong), 190, 401)
    # A token nobody knows fails authentication before the lookup, as on Meta.
    for call in (h.http.get, h.http.delete):
        error = assert_error(await call("/v23.0/999999999999999", headers=wrong), 190, 401)
        assert error.error_subcode == 467


async def test_customer_media_is_downloadable(h: Harness):
    result = await h.customer(ALEX, type="image", caption="Broken mug")
    value = WebhookEnvelope.model_validate(result["webhook"]).entry[0].changes[0].value
    image = value.messages[0].image
    assert image.mime_type == "image/png" and image.caption == "Broken mug"
    info = (await h.http.get(f"/v23.0/{image.id}", headers=AUTH)).json()
    data = (await h.http.get(info["url"], headers=AUTH)).content
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert base64.b64encode(hashlib.sha256(data).digest()).decode() == image.sha256
    await wait_for(lambda: h.receiver.bodies)


async def test_customer_documents_and_voice_notes_are_real_files(h: Harness):
    for spec, magic in (({"type": "document", "filename": "i.pdf"}, b"%PDF-"),
                        ({"type": "audio"}, b"OggS"), ({"type": "sticker"}, b"RIFF"),
                        ({"type": "video"}, b"\x00\x00\x00\x1cftyp")):
        result = await h.customer(ALEX, **spec)
        value = WebhookEnvelope.model_validate(result["webhook"]).entry[0].changes[0].value
        message = value.messages[0]
        media = getattr(message, spec["type"])
        info = (await h.http.get(f"/v23.0/{media.id}", headers=AUTH)).json()
        data = (await h.http.get(info["url"], headers=AUTH)).content
        assert data.startswith(magic), spec
