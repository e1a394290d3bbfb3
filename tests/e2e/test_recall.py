"""A recall in the browser: a parcel ships with its lot, the cooperative recalls the lot,
the product's sales pause, the buyer is emailed, sales resume, the recall is closed."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from shop.models import Product
from shop.services import inventory
from tests import factories
from tests.e2e.test_checkout import (
    add_to_cart,
    fill_delivery,
    go_to_checkout,
    order_number_on,
    place_order,
)

VIBA_MEMBER = "htx-chuoi-viba@ocop.example.vn"
SLUG, NAME = "banh-chuoi-viba", "Bánh chuối nướng Viba"


def test_a_recall_from_shipment_to_resolution(new_page, sign_in, e2e_app, e2e_db, screenshot):
    with e2e_db() as session:
        cake = session.scalar(sa.select(Product).where(Product.slug == SLUG))
        inventory.adjust(cake, 20, "baked for the test")  # the demo's cake is sold out
        factories.lot(cake, "BCN-RECALL")
        gtin = cake.gtin

    buyer = new_page()
    add_to_cart(buyer, SLUG, NAME)
    go_to_checkout(buyer)
    fill_delivery(buyer, "Trần Thị Mai", "mai@example.vn")
    place_order(buyer, "Thanh toán khi nhận hàng")
    number = order_number_on(buyer)

    coop = new_page()
    sign_in(coop, VIBA_MEMBER)
    coop.goto("/coop/orders")
    part = coop.locator("section.order-part").filter(has_text=number)
    part.get_by_role("button", name="Bắt đầu chuẩn bị").click()
    part = coop.locator("section.order-part").filter(has_text=number)
    part.get_by_label("Đơn vị vận chuyển").fill("Viettel Post")
    part.get_by_label("Mã vận đơn").fill("VTP-E2E-1")
    lot = part.get_by_label(f"Lô của {NAME}")
    lot.select_option(lot.locator("option", has_text="BCN-RECALL").get_attribute("value"))
    screenshot(coop, "coop-orders-ship-with-lot")
    part.get_by_role("button", name="Đã gửi hàng").click()
    expect(coop.locator("section.order-part").filter(has_text=number)).to_contain_text(
        "lô BCN-RECALL"
    )

    mails = e2e_app.extensions["mailman"].outbox = []
    coop.goto("/coop/products")
    coop.get_by_role("row").filter(has_text=NAME).get_by_role("link", name="Các lô").click()
    coop.get_by_role("link", name="BCN-RECALL").click()
    coop.get_by_text("Thu hồi lô này").click()
    coop.get_by_label("Lý do thu hồi lô").fill("Bánh bị ẩm mốc do bao bì hở.")
    coop.get_by_label("Người mua cần làm gì").fill(
        "Không ăn; mang hộp về nơi mua để được hoàn tiền."
    )
    coop.get_by_label("Người mua liên hệ ai (điện thoại, email)").fill("0218 3 888 999")
    coop.get_by_role("button", name="Bắt đầu thu hồi").click()
    expect(coop.get_by_role("status").first).to_contain_text("đang báo cho 1 người mua")
    screenshot(coop, "coop-recall-started")

    office = new_page()
    sign_in(office, "admin@ocop.example.vn")
    office.goto("/admin/recalls")
    expect(office.get_by_role("row").filter(has_text="BCN-RECALL")).to_contain_text(
        "1 kiện hàng, 1 người mua, đã báo 1"
    )
    screenshot(office, "admin-recalls")

    assert [address for mail in mails for address in mail.to] == ["mai@example.vn"]
    assert "mang hộp về nơi mua" in mails[0].body

    buyer.goto(f"/products/{SLUG}")
    expect(buyer.get_by_role("alert")).to_contain_text("Tạm ngừng bán")
    expect(buyer.get_by_role("button", name="Thêm vào giỏ")).to_have_count(0)
    screenshot(buyer, "product-recall-paused")
    buyer.goto(f"/01/{gtin}/10/BCN-RECALL")
    expect(buyer.get_by_role("alert").filter(has_text="Thu hồi")).to_contain_text("0218 3 888 999")

    coop.goto("/coop/products")
    coop.get_by_role("row").filter(has_text=NAME).get_by_role(
        "button", name="Hàng trong kho thuộc lô khác: bán lại"
    ).click()
    buyer.goto(f"/products/{SLUG}")
    expect(buyer.get_by_role("button", name="Thêm vào giỏ")).to_be_visible()

    coop.goto("/coop/products")
    coop.get_by_role("row").filter(has_text=NAME).get_by_role("link", name="Các lô").click()
    coop.get_by_role("link", name="BCN-RECALL").click()
    coop.get_by_label("Đợt thu hồi đã được xử lý thế nào").fill("Đã thu hồi và tiêu hủy 35 hộp.")
    coop.get_by_role("button", name="Kết thúc đợt thu hồi").click()
    buyer.goto(f"/01/{gtin}/10/BCN-RECALL")
    expect(buyer.get_by_role("status").filter(has_text="Cách xử lý")).to_contain_text(
        "Đã thu hồi và tiêu hủy 35 hộp."
    )
