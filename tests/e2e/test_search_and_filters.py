"""A buyer searches (often without accents) and narrows the catalog down."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

STARS_4_OR_5 = re.compile(r"^[45] sao OCOP$")


def search(page: Page, words: str) -> None:
    page.get_by_role("searchbox", name="Tìm sản phẩm").fill(words)
    page.get_by_role("button", name="Tìm kiếm").click()


def results(page: Page):
    return page.get_by_role("main").get_by_role("list").get_by_role("listitem")


def test_search_without_accents_and_open_the_product(page: Page):
    page.goto("/")
    search(page, "cao xa den")

    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả cho “cao xa den”")
    expect(page.get_by_role("searchbox", name="Tìm sản phẩm")).to_have_value("cao xa den")
    results(page).get_by_role("link", name="Cao xạ đen Cao Dương").click()

    expect(page).to_have_url(re.compile(r"/products/cao-xa-den-cao-duong$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cao xạ đen Cao Dương")


@pytest.mark.parametrize(
    ("words", "product"),
    [("nhan", "Nhãn chín muộn Vai Đào"), ("che my tan", "Chè xanh Mỹ Tân")],
)
def test_search_finds_accented_names(page: Page, words: str, product: str):
    page.goto("/products")
    search(page, words)

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kết quả cho “{words}”")
    expect(results(page).get_by_role("link", name=product)).to_be_visible()


def test_filter_by_four_stars_and_up(page: Page, screenshot):
    page.goto("/products")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tất cả sản phẩm")
    screenshot(page, "listing-vi")

    page.get_by_text("Lọc và sắp xếp", exact=True).click()
    page.get_by_label("Số sao OCOP").select_option(label="Từ 4 sao trở lên")
    page.get_by_role("button", name="Áp dụng").click()

    expect(page).to_have_url(re.compile(r"[?&]stars=4(&|$)"))
    page.wait_for_load_state()  # the whole list is there before counting
    expect(page.get_by_role("navigation", name="Trang")).to_have_count(0)  # all on this page
    cards = results(page)
    count = page.get_by_role("status").filter(has_text="sản phẩm")
    expect(count).to_have_text(f"{cards.count()} sản phẩm")
    assert cards.count() >= 10  # the demo catalog has a dozen 4- and 5-star products
    for card in cards.all():
        expect(card.get_by_title(STARS_4_OR_5)).to_have_count(1)
        expect(card).to_contain_text(re.compile(r"★★★★[★☆]"))
    expect(page.get_by_role("link", name="Chuối sấy dẻo Viba")).to_have_count(0)

    page.get_by_text("Lọc và sắp xếp", exact=True).click()
    expect(page.get_by_label("Số sao OCOP")).to_have_value("4")  # the choice is kept


def test_search_and_filter_without_javascript(new_page):
    page = new_page(java_script_enabled=False)
    page.goto("/")
    search(page, "che")

    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả cho “che”")
    expect(results(page).get_by_role("link", name="Chè móc câu Mỹ Tân")).to_be_visible()

    page.get_by_text("Lọc và sắp xếp", exact=True).click()
    page.get_by_label("Số sao OCOP").select_option(label="Từ 4 sao trở lên")
    page.get_by_role("button", name="Áp dụng").click()

    expect(page).to_have_url(re.compile(r"[?&]q=che&.*stars=4"))
    page.wait_for_load_state()
    found = results(page)
    expect(found.get_by_role("link", name="Chè xanh Mỹ Tân")).to_be_visible()
    expect(found.get_by_role("link", name="Chè Tân Cương đặc biệt")).to_be_visible()
    # its 3-star rating has expired: no longer "4 stars and up", nor any stars
    expect(found.get_by_role("link", name="Chè móc câu Mỹ Tân")).to_have_count(0)
    for card in found.all():
        expect(card.get_by_title(STARS_4_OR_5)).to_have_count(1)
