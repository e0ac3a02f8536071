"""Every string the templates translate has a Dutch and a German entry; language choice works."""
from __future__ import annotations

import re
from pathlib import Path

from chatdesk.inbox import i18n
from chatdesk.inbox.catalog import DE, NL

TEMPLATES = Path(i18n.__file__).parent / "templates"


def template_strings() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        found |= {m.group(2) for m in re.finditer(r"""(?<![\w.])_\(\s*(['"])(.*?)(?<!\\)\1""", text)}
        for m in re.finditer(r"""ngettext\(\s*'(.*?)',\s*'(.*?)'""", text):
            found |= {m.group(1), m.group(2)}
    return found


def test_catalogs_cover_every_template_string():
    strings = template_strings()
    assert len(strings) > 100
    assert not sorted(strings - NL.keys()), "missing Dutch"
    assert not sorted(strings - DE.keys()), "missing German"


def test_placeholders_survive_translation():
    for catalog in (NL, DE):
        for en, tr in catalog.items():
            assert set(re.findall(r"%\(\w+\)s", en)) == set(re.findall(r"%\(\w+\)s", tr)), en


def test_language_choice():
    assert i18n.pick(None, "de-DE,de;q=0.9,en;q=0.8") == "de"
    assert i18n.pick(None, "fr-FR,nl;q=0.5,en;q=0.7") == "en"
    assert i18n.pick("nl", "de") == "nl"
    assert i18n.pick(None, None) == "en"


def test_template_values_are_escaped():
    tr = i18n.template_translator("nl")
    assert str(tr.gettext("Assigned to %(name)s", name="<b>x</b>")) == "Toegewezen aan &lt;b&gt;x&lt;/b&gt;"


def test_policy_refusals_are_translated_with_their_values():
    """Refusals come from shared policy code with values (the channel, the window): every message
    policy can produce has a Dutch and a German entry, and the values' words are translated too."""
    from datetime import UTC, datetime, timedelta

    from chatdesk.channels.whatsapp.adapter import CAPABILITIES as WA
    from chatdesk.conversations import policy

    now = datetime(2026, 11, 30, tzinfo=UTC)
    refusals = [policy.check_outbound(WA, type="text", text="hi", last_inbound_at=now - timedelta(days=2), now=now),
                policy.check_outbound(WA, type="text", text="hi", last_inbound_at=None, now=now),
                policy.check_outbound(WA, type="text", text="x" * 5000, last_inbound_at=now, now=now),
                policy.check_outbound(WA, type="carousel", text=None, last_inbound_at=now, now=now),
                policy.check_media(WA, type="image", size=0), policy.check_media(WA, type="image", size=2**30)]
    for refusal in refusals:
        assert refusal is not None
        assert refusal.message in NL and refusal.message in DE, refusal.message
        assert refusal.title in NL and refusal.title in DE, refusal.title
    nl = i18n.template_translator("nl").problem_detail(refusals[0].problem())
    assert "24 uur" in nl and "WhatsApp" in nl and "sjabloon" in nl
    de = i18n.template_translator("de").problem_detail(refusals[2].problem())
    assert "4096" in de and "5000" in de and "Zeichen" in de


def test_every_platform_error_explanation_is_translated_and_stored_text_stays_escaped():
    from markupsafe import Markup

    from chatdesk.channels.meta.errors import EXPLANATIONS
    from chatdesk.inbox.i18n import template_translator

    for text in EXPLANATIONS.values():
        assert text in NL and text in DE, text
    de = template_translator("de")
    assert de.untrusted(EXPLANATIONS[131026]).startswith("Die Nachricht konnte nicht zugestellt werden")
    hostile = de.untrusted("The message could not be sent: <img src=x onerror=alert(1)> (code 9).")
    assert not isinstance(hostile, Markup) and "<img" in hostile  # plain text: Jinja escapes it
