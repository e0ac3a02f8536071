"""Profile lookups: a Messenger user's first/last name and picture, an Instagram user's name and
username, the Page's name and picture, ``/me`` for token checks, unknown fields refused."""
from __future__ import annotations

from tests.sandbox.sandbox_helpers import Harness
from tests.sandbox.social_helpers import (
    IG,
    IG_TOKEN,
    PAGE,
    PAGE_TOKEN,
    add_user,
    assert_meta_error,
    send,
    text,
    user_says,
)

AUTH = {"Authorization": f"Bearer {PAGE_TOKEN}"}


async def _bind(h: Harness, platform: str = "messenger") -> dict:
    user = await add_user(h, platform, username="alex.doe")
    await user_says(h, platform, user["id"], type="text", text="Hi")
    account, token = (PAGE, PAGE_TOKEN) if platform == "messenger" else (IG, IG_TOKEN)
    await send(h, text(user["id"]), account=account, token=token)
    return user


async def test_messenger_profile(h: Harness):
    user = await _bind(h)
    response = await h.http.get(f"/v23.0/{user['id']}",
                                params={"fields": "first_name,last_name,profile_pic"},
                                headers=AUTH)
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["first_name"] == "Alex" and profile["last_name"] == "Doe"
    assert profile["id"] == user["id"]
    picture = await h.http.get(profile["profile_pic"])
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")


async def test_instagram_profile(h: Harness):
    user = await _bind(h, "instagram")
    response = await h.http.get(f"/v23.0/{user['id']}?fields=name,username,profile_pic",
                                headers={"Authorization": f"Bearer {IG_TOKEN}"})
    assert response.json() | {"profile_pic": None} == {
        "id": user["id"], "name": "Alex Doe", "username": "alex.doe", "profile_pic": None}


async def test_page_info_and_me(h: Harness):
    await _bind(h)
    page = (await h.http.get(f"/v23.0/{PAGE}?fields=name,picture", headers=AUTH)).json()
    assert page["name"] == "Sandbox Shop" and page["id"] == PAGE
    assert page["picture"]["data"]["url"].startswith("http://sandbox.test/")
    me = await h.http.get(f"/v23.0/me?access_token={PAGE_TOKEN}")
    assert me.json() == {"id": PAGE, "name": "Sandbox Shop"}


async def test_profile_with_a_wrong_token_or_field(h: Harness):
    user = await _bind(h)
    wrong = await h.http.get(f"/v23.0/{user['id']}", headers={"Authorization": "Bearer nope"})
    assert_meta_error(wrong, 190, 467)
    field = await h.http.get(f"/v23.0/{user['id']}?fields=email", headers=AUTH)
    assert "nonexisting field (email)" in assert_meta_error(field, 100)
