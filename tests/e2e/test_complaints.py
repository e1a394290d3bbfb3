"""A parcel arrives damaged: the buyer complains from the order's page on a phone with a
photo, the cooperative refuses, the buyer asks the OCOP office, which refunds part of it."""

from __future__ import annotations

import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from shop.models import Complaint, ComplaintStatus, Order, PartStatus, RefundKind
from shop.services import orders
from shop.services.payments.cod import record_cash_received
from tests.e2e.test_checkout import (
    add_to_cart,
    fill_delivery,
    go_to_checkout,
    order_number_on,
    place_order,
)
from tests.e2e.test_dashboards import ADMIN, VIBA_MEMBER

PHONE = {"width": 390, "height": 844}


def delivered_and_paid(e2e_db, number: str) -> None:
    """The courier delivered the parcel and handed the cash over."""
    from shop import transaction

    with e2e_db() as session:
        order = session.scalar(sa.select(Order).where(Order.number == number))
        for part in order.parts:
            for step in (PartStatus.PROCESSING, PartStatus.SHIPPED, PartStatus.DELIVERED):
                orders.transition(part, step, "e2e")
            record_cash_received(part)
        transaction.commit()


def test_a_damaged_parcel_is_refunded_after_the_office_decides(
    new_page, sign_in, e2e_db, tmp_path, screenshot
):
    buyer = new_page(viewport=PHONE)
    add_to_cart(buyer, "chuoi-say-deo-viba", "Chuối sấy dẻo Viba", 2)
    go_to_checkout(buyer)
    fill_delivery(buyer, "Đỗ Thu Trang", "thu.trang@example.vn")
    place_order(buyer, "Thanh toán khi nhận hàng")
    number = order_number_on(buyer)
    order_url = buyer.url
    delivered_and_paid(e2e_db, number)

    # The buyer complains with a photo, from the phone.
    buyer.goto(order_url)
    buyer.get_by_role("link", name="Khiếu nại / Trả hàng").click()
    buyer.get_by_role("button", name="Gửi khiếu nại").click()
    expect(buyer.locator(".field-error").first).to_be_visible()  # nothing typed: refused
    photo = tmp_path / "hop-chuoi-rach.png"
    Image.new("RGB", (1200, 900), (160, 90, 40)).save(photo)
    buyer.get_by_label("Vấn đề gặp phải").select_option(label="Hàng hỏng, vỡ")
    buyer.get_by_label("Hoàn một phần hoặc toàn bộ tiền; tôi giữ lại hàng").check()
    buyer.get_by_label("Số tiền hoàn (đồng)").fill("40000")
    buyer.get_by_label("Mô tả vấn đề").fill("Một hộp bị bẹp, chuối bên trong bị dập nát.")
    buyer.get_by_label("Ảnh kiện hàng và sản phẩm (1 đến 4 ảnh)").set_input_files(str(photo))
    screenshot(buyer, "complaint-form-phone")
    buyer.get_by_role("button", name="Gửi khiếu nại").click()
    expect(buyer.get_by_role("status")).to_contain_text("Đã gửi khiếu nại")

    # The cooperative refuses it.
    coop = new_page()
    sign_in(coop, VIBA_MEMBER)
    coop.goto("/coop/complaints")
    coop.get_by_role("link", name=number).click()
    coop.get_by_label("Từ chối", exact=True).check()
    coop.get_by_label("Lời nhắn cho người mua").fill("Hàng đóng gói kỹ, lỗi do vận chuyển.")
    coop.get_by_role("button", name="Gửi trả lời").click()
    expect(coop.get_by_role("status")).to_contain_text("Đã gửi câu trả lời")

    # The buyer disagrees and asks the office.
    buyer.goto(order_url)
    buyer.get_by_role("button", name="Đề nghị Văn phòng OCOP quyết định").first.click()
    expect(buyer.get_by_role("status")).to_contain_text("Văn phòng OCOP sẽ xem xét")

    # The office refunds 40,000 đồng, charged to the cooperative.
    office = new_page()
    sign_in(office, ADMIN)
    office.goto("/admin/complaints")
    office.get_by_role("link", name=number).first.click()
    office.get_by_label("Hoàn tiền cho người mua").check()
    office.get_by_label("Số tiền hoàn (đồng)").fill("40000")
    office.get_by_label("Lý do (người mua và hợp tác xã sẽ đọc)").fill(
        "Ảnh cho thấy hộp bị dập; hoàn 40.000 ₫."
    )
    office.get_by_role("button", name="Ghi nhận quyết định").click()
    expect(office.get_by_role("status")).to_contain_text("Đã ghi nhận quyết định")

    buyer.goto(order_url)
    screenshot(buyer, "order-with-complaint-phone")
    with e2e_db() as session:
        complaint = session.scalar(
            sa.select(Complaint).join(Complaint.part).join(Order).where(Order.number == number)
        )
        assert complaint.status is ComplaintStatus.REFUNDED
        [refund] = complaint.part.order.refunds
        assert (refund.amount, refund.kind, refund.part_id) == (
            40_000,
            RefundKind.GOODWILL,
            complaint.part_id,
        )
