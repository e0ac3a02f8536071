"""Messenger and Instagram personas: three languages on both platforms, conversations started
on their own, quick replies and postback buttons tapped, scenarios that end."""
from __future__ import annotations

from chatdesk.sandbox.social.personas import SOCIAL_PERSONAS
from tests.sandbox.sandbox_helpers import wait_for
from tests.sandbox.social_helpers import SOCIAL_URLS, events, send, text


def test_personas_cover_three_languages_on_both_platforms():
    for platform in ("messenger", "instagram"):
        languages = {p.language for p in SOCIAL_PERSONAS if p.platform == platform}
        assert languages == {"en", "nl", "de"}
    kinds = {spec["type"] for p in SOCIAL_PERSONAS for s in p.scenarios for spec in s.opening}
    assert {"postback", "image", "story_reply", "story_mention", "share"} <= kinds


async def test_active_personas_write_on_their_own(make_harness):
    h = await make_harness(customers=0, social_customers=6, customer_interval=0.01,
                           **SOCIAL_URLS)
    await wait_for(lambda: events(h, "page") and events(h, "instagram"))
    assert h.receiver.messages() == []   # no WhatsApp persona is active


async def test_a_persona_taps_a_quick_reply_then_finishes(make_harness):
    h = await make_harness(customers=0, social_customers=1, customer_interval=3600,
                           **SOCIAL_URLS)
    simulator = h.sandbox.social_simulator
    (user_id,) = simulator.active
    persona = simulator.users[user_id]
    await simulator.begin(user_id, persona.scenarios[0])
    body = text(user_id, "Pick one")
    body["message"]["quick_replies"] = [{"content_type": "text", "title": "Yes",
                                         "payload": "YES"}]
    assert (await send(h, body)).status_code == 200
    tapped = await wait_for(lambda: [e for e in events(h, "page")
                                     if e.get("message", {}).get("quick_reply")])
    assert tapped[0]["message"] == {"mid": tapped[0]["message"]["mid"], "text": "Yes",
                                    "quick_reply": {"payload": "YES"}}
    def written() -> int:
        return len([e for e in events(h, "page")
                    if "message" in e and not e["message"].get("is_echo")])

    for _ in range(len(persona.scenarios[0].followups) + 1):
        before = written()
        await send(h, text(user_id, "Anything else?"))
        await wait_for(lambda n=before: written() > n)
    assert simulator.conversations[user_id].ended
