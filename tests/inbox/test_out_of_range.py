"""Issue 12, defect 8 in the inbox: an id beyond 64 bits in a URL is an error page, not a 500."""
from __future__ import annotations

BIG = 2**63


async def test_an_inbox_url_with_an_id_beyond_64_bits_is_not_a_500(stack, owner):
    resp = await owner.get(f"/w/test-shop/conversations/{BIG}")
    assert resp.status_code in (404, 422), resp.text
