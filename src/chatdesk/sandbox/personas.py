"""The simulated customers: who they are and what they write about.

Each persona has a name, a wa_id in a realistic (fictional-range) format, a language and whether
they send read receipts, plus scenarios. Some have adopted a WhatsApp username; one of them
(Robin Vale) writes by username only: no phone number reaches the business, only the BSUID,
which is then the persona's key (``wa_id`` here). Scenarios are: an opening (one or more inbound messages), follow-ups
sent in answer to successive business messages, and a closing thanks after which the scenario
is over (so a persona never loops). Messages are in the persona's own language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .identity import user_id_for


@dataclass(frozen=True)
class Scenario:
    key: str
    opening: tuple[dict[str, Any], ...]
    followups: tuple[str, ...]
    closing: str
    react: str | None = None   # reaction to the business's last message once the scenario ends


@dataclass(frozen=True)
class Persona:
    name: str
    wa_id: str
    language: str
    read_receipts: bool
    scenarios: tuple[Scenario, ...]
    username: str | None = None
    has_phone: bool = True


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": body}


def _image(caption: str) -> dict[str, Any]:
    return {"type": "image", "caption": caption}


def _location(lat: float, lng: float, name: str, address: str) -> dict[str, Any]:
    return {"type": "location", "latitude": lat, "longitude": lng, "name": name,
            "address": address}


NL_THANKS = ("Top, dank je wel!", "Super, bedankt voor de snelle hulp!")
DE_THANKS = ("Super, vielen Dank!", "Alles klar, danke für die schnelle Hilfe!")
EN_THANKS = ("Great, thanks a lot!", "Perfect, thank you for your help!")

PERSONAS: tuple[Persona, ...] = (
    Persona("Sanne de Vries", "31612345678", "nl", True, (
        Scenario("where_is_my_order", (_text("Hoi! Waar blijft mijn bestelling? Ordernummer "
                                             "NL-48213, besteld op maandag."),),
                 ("Oké, en wanneer kan ik hem ongeveer verwachten?",
                  "Moet ik thuis zijn om te tekenen?"), NL_THANKS[0], "👍"),
        Scenario("change_address", (_text("Ik ben net verhuisd. Kunnen jullie bestelling "
                                          "NL-48302 naar mijn nieuwe adres sturen?"),
                                    _location(52.3676, 4.9041, "Nieuw adres",
                                              "Prinsengracht 263, 1016 GV Amsterdam")),
                 ("Ja, dat is het goede adres.",), NL_THANKS[1]),
    )),
    Persona("Daan Jansen", "31687654321", "nl", False, (
        Scenario("damaged_item", (_text("Mijn pakket is vandaag aangekomen maar de mok is "
                                        "kapot 😞"), _image("Zo kwam het pakket aan")),
                 ("Het ordernummer is NL-47730.", "Een nieuwe mok is prima."), NL_THANKS[0]),
        Scenario("opening_hours", (_text("Hoe laat zijn jullie zaterdag open in de winkel in "
                                         "Utrecht?"),),
                 ("En op zondag?",), NL_THANKS[1]),
    )),
    Persona("Lukas Schneider", "4915112345678", "de", True, (
        Scenario("product_question", (_text("Hallo, habt ihr die Laufschuhe Aero 2 in Größe 44 "
                                            "noch auf Lager?"),),
                 ("Fallen die eher klein oder groß aus?", "Dann nehme ich die 44."),
                 DE_THANKS[0], "🙏"),
        Scenario("return", (_text("Ich möchte meine Bestellung DE-51877 zurückschicken, die "
                                  "Jacke passt leider nicht. Wie funktioniert das?"),),
                 ("Bekomme ich das Geld auf dieselbe Karte zurück?",), DE_THANKS[1]),
    )),
    Persona("Anna Müller", "4915223456789", "de", False, (
        Scenario("change_address", (_text("Guten Tag, bitte liefert meine Bestellung DE-50342 "
                                          "an: Lindenstraße 12, 10969 Berlin. Danke!"),),
                 ("Ja, genau diese Adresse.",), DE_THANKS[0]),
        Scenario("where_is_my_order", (_text("Hallo, meine Bestellung DE-50118 ist seit einer "
                                             "Woche unterwegs. Wo ist sie?"),),
                 ("Gibt es eine Sendungsnummer?", "Okay, ich warte noch bis Freitag."),
                 DE_THANKS[1]),
    )),
    Persona("Oliver Smith", "447700900123", "en", True, (
        Scenario("where_is_my_order", (_text("Hi, where is my order #UK-10492? The tracking "
                                             "hasn't updated since Tuesday."),),
                 ("Will it arrive before the weekend?", "OK, fingers crossed."),
                 EN_THANKS[0], "👍"),
        Scenario("damaged_item", (_text("My order arrived today but the lamp shade is "
                                        "cracked."), _image("This is how it arrived")),
                 ("Order number is UK-10511.", "A replacement would be great."), EN_THANKS[1]),
    )),
    Persona("Emily Clarke", "447700900456", "en", True, (
        Scenario("back_in_stock", (_text("Hello! Will the linen shirt in medium be back in "
                                         "stock soon?"),),
                 ("Can you let me know when it's back?",), EN_THANKS[0], "❤️"),
        Scenario("opening_hours", (_text("What are your opening hours on bank holidays?"),),
                 ("And is the Manchester store open on Sunday?",), EN_THANKS[1]),
    ), username="@emily.clarke"),
    Persona("Michael Johnson", "14155550123", "en", False, (
        Scenario("return", (_text("I'd like to return order US-77120, it's the wrong size. "
                                  "What do I need to do?"),),
                 ("Do I need to print a label?", "Got it, I'll drop it off tomorrow."),
                 EN_THANKS[0]),
        Scenario("change_address", (_text("Can you ship order US-77245 to my office "
                                          "instead? Sending the location."),
                                    _location(37.7897, -122.3972, "Office",
                                              "101 Mission St, San Francisco, CA 94105")),
                 ("Yes, 4th floor reception.",), EN_THANKS[1]),
    )),
    Persona("Sophie Bakker", "31623456789", "nl", True, (
        Scenario("size_question", (_text("Hoi, valt de wollen jas klein? Ik twijfel tussen M "
                                         "en L."),),
                 ("Is de L nog op voorraad in het zwart?",), NL_THANKS[0], "😊"),
        Scenario("return", (_text("Ik wil graag bestelling NL-48877 retourneren. Kan dat nog? "
                                  "Ik heb hem 20 dagen geleden ontvangen."),),
                 ("Moet ik de originele doos gebruiken?",), NL_THANKS[1]),
    )),
    Persona("Jonas Weber", "4917612345678", "de", True, (
        Scenario("damaged_item", (_text("Hallo, der Bilderrahmen aus Bestellung DE-52011 ist "
                                        "beschädigt angekommen."), _image("Das Glas ist "
                                                                          "gesprungen")),
                 ("Ein Ersatz wäre super.",), DE_THANKS[0]),
    ), username="@jonas_weber"),
    # Username only: the business never sees a phone number, the BSUID is the only id.
    Persona("Robin Vale", user_id_for("@robin.vale", "NL"), "nl", True, (
        Scenario("shipping_question", (_text("Hoi, ik vond jullie via je gebruikersnaam. "
                                             "Versturen jullie ook naar Utrecht?"),),
                 ("En hoe lang duurt de levering ongeveer?",), NL_THANKS[0], "👍"),
        Scenario("product_question", (_text("Hebben jullie de canvas rugzak nog in het "
                                            "groen?"),),
                 ("Kan ik hem in de winkel ophalen?",), NL_THANKS[1]),
    ), username="@robin.vale", has_phone=False),
)


def by_wa_id() -> dict[str, Persona]:
    return {persona.wa_id: persona for persona in PERSONAS}


