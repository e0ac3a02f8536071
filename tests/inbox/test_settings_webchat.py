"""Settings → Channels → Web chat: connect from the form, the snippet, the look, business hours
and a widget secret shown once."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from chatdesk.channels.models import Channel
from chatdesk.widget import tokens

WS = "/w/test-shop"


async def test_connect_a_web_chat_and_set_it_up(stack, owner):
    await owner.get(f"{WS}/settings/channels")
    bad = await owner.post(f"{WS}/settings/channels", {"kind": "webchat", "allowed_origin": "shop.example",
                                                       "csrf_token": owner.csrf}, htmx=False)
    assert bad.status_code == 422 and "not an origin" in html.unescape(bad.text)
    ok = await owner.post(f"{WS}/settings/channels", {"kind": "webchat", "name": "Our <site>",
                                                      "allowed_origin": "https://shop.example https://www.shop.example/",
                                                      "csrf_token": owner.csrf}, htmx=False)
    assert ok.status_code == 303
    moved = await owner.get(ok.headers["location"])  # the channel's page is the widget's own
    assert moved.status_code == 303 and moved.headers["location"].endswith("/widget?new=1")
    page = await owner.get(moved.headers["location"])
    assert page.status_code == 200
    snippet = html.unescape(re.search(r'id="embed-snippet">([^<]+)<', page.text).group(1))
    key = re.search(r"/widget/(wc_[\w-]+)\.js", snippet).group(1)
    assert "Our &lt;site&gt;" in page.text  # escaped
    async with stack.rt.db.reader() as session:
        channel = (await session.execute(select(Channel).where(Channel.external_id == key))).scalar_one()
    assert channel.config["allowed_origins"] == ["https://shop.example", "https://www.shop.example"]
    url = f"{WS}/settings/channels/{channel.id}/widget"

    saved = await owner.post(url, {"colour": "#ff0000", "position": "left", "language": "nl", "greeting": "Hoi!",
                                   "prechat": "on", "csrf_token": owner.csrf}, htmx=False)
    assert saved.status_code == 303
    script = (await owner.client.get(f"/widget/{key}.js")).text
    assert '"colour": "#ff0000"' in script and '"position": "left"' in script and '"prechat": true' in script
    refused = await owner.post(url, {"colour": "red", "csrf_token": owner.csrf}, htmx=False)
    assert refused.status_code == 422

    hours = await owner.post(f"{url}/hours", {"mon_open": "09:00", "mon_close": "17:00", "csrf_token": owner.csrf},
                             htmx=False)
    assert hours.status_code == 303
    assert 'value="09:00"' in (await owner.get(url)).text
    wrong = await owner.post(f"{url}/hours", {"mon_open": "17:00", "mon_close": "09:00", "csrf_token": owner.csrf},
                             htmx=False)
    assert wrong.status_code == 422

    shown = await owner.post(f"{url}/secret", {"csrf_token": owner.csrf}, htmx=False)
    secret = re.search(r'id="new-secret">([^<]+)<', shown.text).group(1)
    assert secret not in (await owner.get(url)).text  # shown once
    async with stack.rt.db.reader() as session:
        channel = (await session.execute(select(Channel).where(Channel.external_id == key))).scalar_one()
    assert stack.rt.cipher.decrypt(channel.secrets)["widget_secret"] == secret
    visitor = await owner.client.post(f"/widget/{key}/session", headers={"Origin": "https://shop.example"},
                                      json={"user_id": "u1", "user_hash": tokens.user_hash(secret, "u1")})
    assert visitor.json()["verified"] is True
