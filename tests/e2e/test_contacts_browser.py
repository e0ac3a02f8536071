"""In a real browser: the contacts page finds a WhatsApp customer by their number typed in
another format, filters by an attribute set on the contact page, labels selected contacts in
bulk, and imports a small CSV uploaded from the page, showing the report of its rejected row."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.e2e
CORA, DIRK = "31687650001", "31687650002"  # numbers only this test uses


def _until_listed(page, url: str, name: str) -> None:
    """Inbound messages become contacts asynchronously: reload until the row is there."""
    end = time.monotonic() + 15
    page.goto(url)
    while page.locator("#contacts-table tr", has_text=name).count() == 0 and time.monotonic() < end:
        time.sleep(0.3)
        page.goto(url)
    expect(page.locator("#contacts-table tr", has_text=name)).to_have_count(1)


def test_contacts_search_filter_bulk_label_and_import(new_page, servers, tmp_path):
    page = new_page()
    ws = page.url.split("/w/")[1].split("/")[0]
    page.goto(f"/w/{ws}/settings/attributes")
    page.fill("#region-form input[name=region]", "NL")
    page.click("#region-form button")
    page.fill("#attribute-form input[name=key]", "c11c_tier")
    page.fill("#attribute-form input[name=label]", "Loyalty tier")
    page.select_option("#attribute-form select[name=type]", "choice")
    page.fill("#attribute-form input[name=choices]", "gold,silver")
    page.click("#attribute-form button")
    expect(page.locator("#attributes-table tr[data-key='c11c_tier']")).to_be_visible()

    servers.customer_says(CORA, "Hallo", name="Cora Contactpagina")
    servers.customer_says(DIRK, "Hoi", name="Dirk Contactpagina")
    _until_listed(page, f"/w/{ws}/contacts?q=06%208765%200001", "Cora Contactpagina")   # national format
    expect(page.locator("#contacts-table tr", has_text="Dirk Contactpagina")).to_have_count(0)

    page.click("#contacts-table a:text('Cora Contactpagina')")
    page.select_option("#contact-attributes select[name='attr.c11c_tier']", "gold")
    page.click("#contact-attributes button")
    expect(page.locator("#contact-attributes select[name='attr.c11c_tier']")).to_have_value("gold")

    page.goto(f"/w/{ws}/contacts")
    page.select_option("#contacts-filter select[name='attr.c11c_tier']", "gold")
    page.click("#contacts-filter button")
    expect(page.locator("#contacts-table tr", has_text="Cora Contactpagina")).to_have_count(1)
    expect(page.locator("#contacts-table tr", has_text="Dirk Contactpagina")).to_have_count(0)

    _until_listed(page, f"/w/{ws}/contacts", "Dirk Contactpagina")
    for name in ("Cora Contactpagina", "Dirk Contactpagina"):
        page.locator("#contacts-table tr", has_text=name).locator("input[type=checkbox]").check()
    page.fill("#contacts-bulk input[name=label]", "c11c-bulk")
    page.click("#contacts-bulk button")
    page.goto(f"/w/{ws}/contacts?label=c11c-bulk")
    expect(page.locator("#contacts-table tbody tr")).to_have_count(2)

    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,phone,c11c_tier\nEva Import,06 8765 0003,silver\nBad Number,12,\n", encoding="utf-8")
    page.set_input_files("#contacts-import input[type=file]", str(csv_file))
    page.click("#contacts-import button")
    expect(page.locator("#import-state")).to_have_attribute("data-status", "done", timeout=30000)
    expect(page.locator("#import-created")).to_have_text("1")
    expect(page.locator("#import-rejected")).to_have_text("1")
    expect(page.locator("#import-report")).to_be_visible()
    shot(page, "contacts-import")
    page.goto(f"/w/{ws}/contacts?q=%2B31687650003")
    expect(page.locator("#contacts-table tr", has_text="Eva Import")).to_have_count(1)
