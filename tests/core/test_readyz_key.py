"""Issue 12, defect 7: ``/readyz`` says not ready when the secret key cannot open the stored
channel secrets (every webhook would answer 500, and Meta disables a failing webhook)."""
from __future__ import annotations

import httpx

from chatdesk.app import build_runtime, create_app
from chatdesk.core.settings import Settings


async def test_readyz_is_503_when_the_key_cannot_decrypt_the_stored_secrets(stack):
    assert (await stack.api.get("/readyz")).status_code == 200
    other = Settings(data_dir=stack.settings.data_dir, database_url=stack.settings.database_url,
                     secret_key="another-key-0123456789abcdefghijklmnop")
    rt = build_runtime(other)
    app = create_app(runtime=rt, run_worker=False)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as client:
            resp = await client.get("/readyz")
    finally:
        await rt.http.aclose()
        await rt.db.dispose()
    assert resp.status_code == 503
    assert resp.json()["code"] == "bad_secret_key"
