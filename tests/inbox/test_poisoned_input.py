"""Issue 12, defects 5 and 6 through the inbox: NUL in a search or a note answers normally, and a
note over its length is refused in place."""
from __future__ import annotations

from chatdesk.conversations import policy
from tests.inbox.conftest import conversation_of

WS = "/w/test-shop"


async def test_nul_in_a_search_and_in_a_note_answer_normally(stack, owner):
    cid = await conversation_of(stack, "31600000091", "Hallo", name="Nul Person")
    for q in ("\x00", "Nul\x00"):
        resp = await owner.get(f"{WS}/", params={"q": q})
        assert resp.status_code == 200, q
    note = await owner.post(f"{WS}/c/{cid}/messages", {"text": "bel\x00 terug", "mode": "note"})
    assert note.status_code == 200
    assert [m["text"] for m in await stack.messages(cid)] == ["Hallo", "bel terug"]


async def test_a_note_over_its_length_is_refused_in_place(stack, owner):
    cid = await conversation_of(stack, "31600000092", "Hallo", name="Long Note")
    resp = await owner.post(f"{WS}/c/{cid}/messages", {"text": "n" * (policy.NOTE_MAX + 1), "mode": "note"})
    assert resp.status_code == 422 and "The note is too long" in resp.text
    assert [m["text"] for m in await stack.messages(cid)] == ["Hallo"]
