"""``GET /widget/{public key}.js``: the widget script with its channel's look and allowed
origins built in. Any page may load it (a script tag sends no Origin); the script itself renders
nothing on a page whose origin the channel does not allow, and the API refuses such pages."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ..core.runtime import Runtime, use_runtime
from .access import channel_for

router = APIRouter(prefix="/widget", tags=["widget"])
STATIC = Path(__file__).parent / "static"

STRINGS = {
    "en": {"open": "Open chat", "close": "Close chat", "title": "Chat with us", "messages": "Messages",
           "placeholder": "Write a message…", "send": "Send", "attach": "Attach a file", "typing": "typing…",
           "name": "Your name", "email": "Your email", "start": "Start chat",
           "error": "Something went wrong; try again.", "message": "Your message",
           "offline": "We are away right now. Leave a message and we will get back to you.",
           "thanks": "Thank you! We will get back to you."},
    "nl": {"open": "Chat openen", "close": "Chat sluiten", "title": "Chat met ons", "messages": "Berichten",
           "placeholder": "Schrijf een bericht…", "send": "Verstuur", "attach": "Bestand toevoegen",
           "typing": "typt…", "name": "Je naam", "email": "Je e-mailadres", "start": "Chat starten",
           "error": "Er ging iets mis; probeer het opnieuw.", "message": "Je bericht",
           "offline": "We zijn nu afwezig. Laat een bericht achter, dan nemen we contact met je op.",
           "thanks": "Dank je! We nemen contact met je op."},
    "de": {"open": "Chat öffnen", "close": "Chat schließen", "title": "Schreiben Sie uns", "messages": "Nachrichten",
           "placeholder": "Nachricht schreiben…", "send": "Senden", "attach": "Datei anhängen",
           "typing": "schreibt…", "name": "Ihr Name", "email": "Ihre E-Mail", "start": "Chat starten",
           "error": "Etwas ist schiefgegangen; bitte erneut versuchen.", "message": "Ihre Nachricht",
           "offline": "Wir sind gerade nicht da. Hinterlassen Sie eine Nachricht, wir melden uns.",
           "thanks": "Vielen Dank! Wir melden uns."},
}


@cache
def _source() -> tuple[str, str]:
    return (STATIC / "widget.js").read_text(encoding="utf-8"), (STATIC / "widget.css").read_text(encoding="utf-8")


def api_base(request: Request, public_url: str | None) -> str:
    return (public_url or str(request.base_url)).rstrip("/") + "/widget"


@router.get("/{key}.js")
async def script(key: str, request: Request, rt: Runtime = Depends(use_runtime)) -> Response:
    ref = await channel_for(rt, key)
    js, css = _source()
    c = ref.config
    config = {"key": key, "api": f"{api_base(request, rt.settings.public_url)}/{key}",
              "origins": c.get("allowed_origins", []), "colour": c.get("colour", "#1f6feb"),
              "greeting": c.get("greeting", ""), "position": c.get("position", "right"),
              "language": c.get("language", "browser"), "prechat": bool(c.get("prechat")),
              "strings": STRINGS, "css": css}
    # "</" escaped: the JSON can never close a script element it is pasted into
    text = js.replace("/*CONFIG*/null", json.dumps(config).replace("</", "<\\/"))
    return Response(text, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=60", "X-Content-Type-Options": "nosniff"})
