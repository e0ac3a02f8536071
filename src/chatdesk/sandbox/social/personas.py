"""Simulated customers on Messenger and Instagram, in the same three languages as the WhatsApp
personas (English, Dutch, German). Each scenario opens with one or more events (text, a
postback such as Get Started, a photo, a story mention or story reply, a share), follows up
with scripted texts in answer to the business, and ends with a thanks (and a reaction)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..personas import Scenario  # the same scenario shape as on WhatsApp


@dataclass(frozen=True)
class SocialPersona:
    platform: str
    first_name: str
    last_name: str
    language: str
    read_receipts: bool
    scenarios: tuple[Scenario, ...]
    username: str | None = None

    @property
    def seed(self) -> str:
        return f"persona:{self.first_name} {self.last_name}"


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": body}


SOCIAL_PERSONAS: tuple[SocialPersona, ...] = (
    SocialPersona("messenger", "Grace", "Taylor", "en", True, (
        Scenario("get_started", ({"type": "postback", "title": "Get Started",
                                        "payload": "GET_STARTED"},
                                       _text("Hi! Do you ship to Ireland?")),
                       ("How long does it usually take?",), "Great, thanks!", "👍"),
        Scenario("damaged_item", (_text("My mug arrived broken, order UK-20931."),
                                        {"type": "image"}),
                       ("A replacement please.",), "Perfect, thank you!"),
    )),
    SocialPersona("instagram", "Mia", "Wilson", "en", True, (
        Scenario("story_reply", ({"type": "story_reply",
                                        "text": "Love this colour! Price?"},),
                       ("Is it in stock in size M?",), "Thanks a lot!", "❤️"),
        Scenario("story_mention", ({"type": "story_mention"},
                                         _text("Tagged you in my story, love the shirt!")),
                       (), "😊 Thanks!"),
    ), username="mia.wilson"),
    SocialPersona("messenger", "Lotte", "Visser", "nl", True, (
        Scenario("opening_hours", (_text("Hoi, zijn jullie zondag open?"),),
                       ("En tot hoe laat?",), "Top, dank je wel!", "👍"),
    )),
    SocialPersona("instagram", "Bram", "de Boer", "nl", False, (
        Scenario("share", ({"type": "share",
                                  "url": "https://www.instagram.com/p/C0sandbox1/"},
                                 _text("Hebben jullie deze jas nog in het zwart?")),
                       ("Maat L graag.",), "Super, bedankt!"),
    ), username="bramdeboer"),
    SocialPersona("messenger", "Felix", "Wagner", "de", True, (
        Scenario("return", (_text("Hallo, wie kann ich Bestellung DE-61200 "
                                        "zurückschicken?"),),
                       ("Bekomme ich ein Rücksendeetikett?",), "Super, vielen Dank!"),
    )),
    SocialPersona("instagram", "Lena", "Hoffmann", "de", True, (
        Scenario("story_reply", ({"type": "story_reply",
                                        "text": "Gibt es das Kleid auch in Blau?"},),
                       ("Und in Größe 38?",), "Danke für die schnelle Antwort!", "🙏"),
    ), username="lena.hoffmann"),
)
