"""A buyer switches to English, and the shop remembers it, then back to Vietnamese."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_switch_to_english_and_back(page: Page, screenshot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="All products", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Product groups")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search products")).to_be_visible()

    page.get_by_role("link", name="All products", exact=True).click()  # no ?lang= in this link
    expect(page).to_have_url(re.compile(r"/products$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("All products")

    page.goto("/products/che-xanh-my-tan")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My Tan green tea")
    expect(page.get_by_text(re.compile(r"^₫\s?120,000$"))).to_be_visible()
    rating = page.get_by_role("region", name="OCOP rating")
    expect(rating.get_by_title("4 OCOP stars")).to_be_visible()
    expect(rating.get_by_role("term").filter(has_text="Certificate number")).to_be_visible()
    screenshot(page, "product-en")

    page.get_by_role("link", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè xanh Mỹ Tân")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("link", name="Tất cả sản phẩm", exact=True)).to_be_visible()
