"""A buyer looks around: the home page, a product, its producer, on a phone too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SIX_GROUPS = [
    "Thực phẩm",
    "Đồ uống",
    "Thảo dược",
    "Thủ công mỹ nghệ",
    "Sinh vật cảnh",
    "Dịch vụ du lịch cộng đồng",
]


def test_home_page_shows_groups_and_products(page: Page, screenshot):
    page.goto("/")

    expect(page).to_have_title("Sản phẩm OCOP gắn sao · Chợ OCOP")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sản phẩm OCOP gắn sao của Việt Nam, mua thẳng từ hợp tác xã"
    )
    groups = page.get_by_role("region", name="Nhóm sản phẩm").get_by_role("link")
    expect(groups).to_have_text(SIX_GROUPS)
    top_rated = page.get_by_role("region", name="Xếp hạng cao nhất")
    expect(top_rated.get_by_role("listitem").first).to_contain_text(re.compile(r"\d\s₫"))
    expect(top_rated.get_by_role("link", name="Chè Tân Cương đặc biệt")).to_be_visible()

    screenshot(page, "home-vi")  # fails if an image is missing


def test_open_a_product_and_its_producer(page: Page, screenshot):
    page.goto("/")
    page.get_by_role("link", name="Chè xanh Mỹ Tân").first.click()

    expect(page).to_have_url(re.compile(r"/products/che-xanh-my-tan$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè xanh Mỹ Tân")
    expect(page).to_have_title("Chè xanh Mỹ Tân · Chợ OCOP")
    # 120.000 ₫, with a (no-break) space before the sign
    expect(page.get_by_text(re.compile(r"^120\.000\s₫$"))).to_be_visible()

    rating = page.get_by_role("region", name="Xếp hạng OCOP")
    expect(rating).to_contain_text("★★★★☆")
    expect(rating.get_by_title("4 sao OCOP")).to_be_visible()
    expect(rating.get_by_role("term").filter(has_text="Số giấy chứng nhận")).to_be_visible()
    expect(rating.get_by_role("definition").first).to_have_text(re.compile(r"^OCOP-\d{4}-\d+$"))
    screenshot(page, "product-vi")

    producer = page.get_by_role("region", name="Nhà sản xuất")
    producer.get_by_role("link", name="Hợp tác xã Nông nghiệp Mỹ Tân").click()

    expect(page).to_have_url(re.compile(r"/cooperatives/htx-nong-nghiep-my-tan$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hợp tác xã Nông nghiệp Mỹ Tân")
    expect(page.get_by_role("heading", name="Sản phẩm", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Chè xanh Mỹ Tân")).to_be_visible()


def test_an_expired_rating_shows_no_stars(page: Page):
    page.goto("/products/long-nhan-say-vai-dao")

    expect(page.get_by_role("heading", level=1)).to_have_text("Long nhãn sấy Vai Đào")
    rating = page.get_by_role("region", name="Xếp hạng OCOP")
    expect(rating).to_contain_text("đã hết hạn ngày")
    expect(page.get_by_role("main")).not_to_contain_text("★")


def test_phone_screen_has_no_horizontal_scroll(new_page, screenshot):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    for path in ("/", "/products", "/products/che-xanh-my-tan", "/cooperatives/htx-chuoi-viba"):
        page.goto(path)
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, f"{path} scrolls sideways on a phone"
        if path == "/":
            screenshot(page, "home-vi-phone")


# The phone's share sheet, as a phone browser offers it: calls are recorded for the test.
SHARE_SHEET = (
    "navigator.share = (data) => { (window.shared ||= []).push(data); return Promise.resolve(); };"
)


def test_share_opens_the_phones_share_sheet_and_is_hidden_without_it(new_page):
    phone = new_page(viewport={"width": 360, "height": 780})
    phone.add_init_script(SHARE_SHEET)
    phone.goto("/products/chuoi-say-deo-viba")
    phone.get_by_role("button", name="Chia sẻ qua Zalo hoặc ứng dụng khác").click()
    (shared,) = phone.evaluate("window.shared")
    assert shared["url"].endswith("/products/chuoi-say-deo-viba")
    assert shared["title"] == "Chuối sấy dẻo Viba"

    desktop = new_page()  # no share sheet: only the plain links show
    desktop.add_init_script("delete Navigator.prototype.share")
    desktop.goto("/products/chuoi-say-deo-viba")
    expect(desktop.get_by_role("link", name="Chia sẻ lên Facebook")).to_be_visible()
    expect(desktop.get_by_role("button", name="Chia sẻ qua Zalo hoặc ứng dụng khác")).to_be_hidden()
    without_script = new_page(java_script_enabled=False)
    without_script.add_init_script(SHARE_SHEET)
    without_script.goto("/products/chuoi-say-deo-viba")
    expect(without_script.get_by_role("button", name="Chia sẻ qua Zalo")).to_be_hidden()
