"""In a real browser: an agent merges two contacts from the contact panel ("Merge with…", a
search, a confirmation); the conversation opens again with both customers' identities and the
merge on the timeline (the other number's conversation resolved: one open per customer and number)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import Servers, shot

pytestmark = pytest.mark.e2e


def test_merge_two_contacts_from_the_contact_panel(new_page, servers: Servers):
    page = new_page()
    servers.customer_says("31647000901", "Hi, it's Mila", name="Mila Mergetest")
    servers.customer_says("31647000902", "Mila again, other phone", name="Mila Second Phone")
    page.locator(".conv-item", has_text="Mila Mergetest").click()
    expect(page.locator(".msg.in").last).to_contain_text("Hi, it's Mila")
    links = page.locator("#contact-links")
    expect(links.locator("#merge-with-btn")).to_be_visible()

    links.locator("#merge-with-btn").click()
    search = links.locator(".merge-pick input[type=search]")
    search.fill("Mila Second")
    candidate = links.locator(".merge-candidate", has_text="Mila Second Phone")
    expect(candidate).to_have_count(1)
    expect(links.locator(".merge-candidate", has_text="Mila Mergetest")).to_have_count(0)  # not itself
    candidate.click()
    expect(links.locator(".merge-confirm")).to_contain_text("Merge Mila Second Phone into Mila Mergetest?")
    links.locator("#merge-confirm-btn").click()

    # the conversation opens again: both numbers are the one customer's, the merge is on the timeline
    expect(page.locator(".idents")).to_contain_text("31647000902", timeout=10000)
    expect(page.locator(".idents")).to_contain_text("31647000901")
    expect(page.locator("#contact-timeline")).to_contain_text("Merged with Mila Second Phone")
    expect(page.locator("#contact-timeline")).to_contain_text("Mila again, other phone")
    shot(page, "contact-merge")
    # one open conversation per customer and number: the other one was resolved by the merge
    expect(page.locator("#contact-timeline .tl-conversation", has_text="Mila again")).to_contain_text("Resolved")
    expect(page.locator(".conv-item", has_text="Mila Second Phone")).to_have_count(0)
