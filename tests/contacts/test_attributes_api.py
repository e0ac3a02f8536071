"""Attribute definitions, values and filters through the REST API."""
from __future__ import annotations

from chatdesk.contacts.models import Contact


async def make_contact(stack, name: str, phone: str | None = None, **attrs) -> int:
    async with stack.rt.db.session() as s:
        c = Contact(workspace_id=stack.workspace_id, name=name, phone=phone, attributes=attrs,
                    created_at=stack.clock.now(), updated_at=stack.clock.now())
        s.add(c)
        await s.flush()
        return c.id


async def _define(stack, **body) -> dict:
    resp = await stack.api.post("/api/v1/contact-attributes", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_definitions_crud(bare):
    tier = await _define(bare, key="tier", label="Tier", type="choice", choices=["gold", "silver"])
    assert (await bare.api.post("/api/v1/contact-attributes", json={"key": "tier", "type": "text"})).status_code == 409
    bad = await bare.api.post("/api/v1/contact-attributes", json={"key": "Tier!", "type": "text"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_attribute"
    changed = await bare.api.patch(f"/api/v1/contact-attributes/{tier['id']}", json={"choices": ["gold", "bronze"]})
    assert changed.json()["choices"] == ["gold", "bronze"]
    assert [d["key"] for d in (await bare.api.get("/api/v1/contact-attributes")).json()] == ["tier"]
    assert (await bare.api.delete(f"/api/v1/contact-attributes/{tier['id']}")).status_code == 204
    assert (await bare.api.get("/api/v1/contact-attributes")).json() == []


async def test_patch_sets_values_by_type_and_names_a_bad_key(bare):
    await _define(bare, key="orders", type="number")
    await _define(bare, key="vip", type="bool")
    cid = await make_contact(bare, "Robin")
    ok = await bare.api.patch(f"/api/v1/contacts/{cid}", json={"attributes": {"orders": "3", "vip": "yes"},
                                                               "email": "robin@example.com"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["attributes"] == {"orders": 3, "vip": True} and ok.json()["email"] == "robin@example.com"
    bad = await bare.api.patch(f"/api/v1/contacts/{cid}", json={"attributes": {"orders": "lots"}})
    assert bad.status_code == 422 and bad.json()["key"] == "orders" and "orders" in bad.json()["detail"]
    unknown = await bare.api.patch(f"/api/v1/contacts/{cid}", json={"attributes": {"shoe": 1}})
    assert unknown.status_code == 422 and unknown.json()["key"] == "shoe"
    cleared = await bare.api.patch(f"/api/v1/contacts/{cid}", json={"attributes": {"vip": None}})
    assert cleared.json()["attributes"] == {"orders": 3}


async def test_list_filters_by_attribute_with_comparisons(bare):
    await _define(bare, key="orders", type="number")
    await _define(bare, key="city", type="text")
    await _define(bare, key="since", type="date")
    await make_contact(bare, "Ann", orders=1, city="Delft", since="2024-01-05")
    await make_contact(bare, "Bo", orders=5, city="Utrecht", since="2025-06-01")
    await make_contact(bare, "Cy", orders=12, city="Utrecht")

    async def names(**params) -> list[str]:
        resp = await bare.api.get("/api/v1/contacts", params=params)
        assert resp.status_code == 200, resp.text
        return sorted(i["name"] for i in resp.json()["items"])

    assert await names(**{"attr.city": "Utrecht"}) == ["Bo", "Cy"]
    assert await names(**{"attr.orders__gte": "5"}) == ["Bo", "Cy"]
    assert await names(**{"attr.orders__lt": "10", "attr.city": "Utrecht"}) == ["Bo"]
    assert await names(**{"attr.since__gte": "2025-01-01"}) == ["Bo"]
    bad = await bare.api.get("/api/v1/contacts", params={"attr.orders__gte": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_filter"
    assert (await bare.api.get("/api/v1/contacts", params={"attr.city__gte": "A"})).status_code == 422


async def test_search_finds_a_whole_number_in_the_workspace_region(bare):
    from chatdesk.accounts.models import Workspace

    async with bare.rt.db.session() as s:
        (await s.get(Workspace, bare.workspace_id)).default_region = "NL"
    await make_contact(bare, "Robin", phone="31612000444")
    await make_contact(bare, "Other", phone="4412000444")
    for q in ("06-12 00 04 44", "+31 6 12000444", "0031612000444"):
        resp = await bare.api.get("/api/v1/contacts", params={"q": q})
        assert [i["name"] for i in resp.json()["items"]] == ["Robin"], q
