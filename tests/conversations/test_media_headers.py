"""Issue 12, defect 9: REST media responses are never sniffed or run as a page, and the files
chatdesk creates for customers' data are its own alone."""
from __future__ import annotations

import stat

from chatdesk.core.migrate import upgrade
from chatdesk.core.settings import Settings
from tests.conftest import settle


async def test_rest_media_is_served_with_nosniff_and_a_sandbox_csp(stack):
    await stack.customer_says("31612000777", type="image", caption="Foto")

    async def media_url():
        for conv in await stack.conversations():
            for msg in await stack.messages(conv["id"]):
                if msg["media_url"]:
                    return msg["media_url"]
        return None
    resp = await stack.api.get(await settle(media_url))
    assert resp.status_code == 200
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in resp.headers["content-security-policy"]


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_dir_media_folder_and_database_are_private(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_data_dir()
    upgrade(settings.db_url)
    assert _mode(settings.data_dir) == 0o700
    assert _mode(settings.media_dir) == 0o700
    assert _mode(settings.data_dir / "chatdesk.db") == 0o600


def test_media_folders_per_workspace_are_private(tmp_path):
    from chatdesk.core.media import MediaStore

    store = MediaStore(tmp_path / "media")
    key = store.save(7, b"\x89PNG....", "image/png")
    assert _mode((tmp_path / "media" / key).parent) == 0o700
