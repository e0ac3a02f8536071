"""The composer's attachments: several files at once, each its own message; a type the channel
cannot send is refused in place before anything is stored."""
from __future__ import annotations

from tests.inbox.conftest import conversation_of

WS = "/w/test-shop"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100055fe2dc0000000049454e44ae426082")


async def test_several_files_go_as_one_message_each_with_the_text_on_the_first(stack, owner):
    cid = await conversation_of(stack, "31600000101", "Send me the invoice and a photo", name="Files Customer")
    resp = await owner.post(f"{WS}/c/{cid}/messages", {"text": "Here you go", "mode": "reply"},
                            files=[("file", ("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf")),
                                   ("file", ("photo.png", PNG, "image/png"))])
    assert resp.status_code == 200, resp.text
    assert resp.text.count('class="msg out') == 2
    outs = [m for m in await stack.messages(cid) if m["direction"] == "out"]
    assert [m["type"] for m in outs] == ["document", "image"]
    assert outs[0]["content"].get("caption") == "Here you go" or outs[0]["text"] == "Here you go"
    assert not outs[1]["text"]


async def test_a_zip_is_refused_in_the_composer_and_nothing_is_sent(stack, owner):
    cid = await conversation_of(stack, "31600000102", "Can you send the files?", name="Zip Customer")
    resp = await owner.post(f"{WS}/c/{cid}/messages", {"text": "", "mode": "reply"},
                            files=[("file", ("ok.pdf", b"%PDF-1.4 ok", "application/pdf")),
                                   ("file", ("photos.zip", b"PK\x03\x04zip", "application/zip"))])
    assert resp.status_code == 422
    assert 'data-code="media_type_unsupported"' in resp.text and "application/zip" in resp.text
    assert [m for m in await stack.messages(cid) if m["direction"] == "out"] == []  # all or none
