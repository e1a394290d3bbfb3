"""A new cooperative's business, end to end in the browser: it applies and is approved (and
told), fills its profile and payout account, sends a certificate the office verifies, lists a
product in two sizes with photos, sells the 1 kg box to a buyer in another region at the
weight-based fee, ships with a tracking link (the buyer hears on Zalo, as chosen), and sees
the money on its statement once the office has paid it out."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from shop.clock import today
from shop.models import Order
from shop.services import gs1
from tests import factories
from tests.e2e.test_checkout import fill_delivery, order_number_on, place_order
from tests.e2e.test_dashboards import fill_label
from tests.fake_gateways import gateways_on

ADMIN = "admin@ocop.example.vn"
COOP = "Hợp tác xã Mật ong Bảo Lộc"
SMALL, BOX = gs1.make_gtin14("89360779", 1), gs1.make_gtin14("89360779", 2)


def png(colour: str) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), colour).save(buffer, "PNG")
    return {
        "name": f"{colour.strip('#')}.png",
        "mimeType": "image/png",
        "buffer": buffer.getvalue(),
    }


def certificate_pdf() -> dict:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "VietGAP VG-LD-2026-15")
    page.save()
    return {"name": "vietgap.pdf", "mimeType": "application/pdf", "buffer": buffer.getvalue()}


def test_a_cooperative_runs_its_business(new_page, sign_in, e2e_app, e2e_db, screenshot):
    with e2e_db():
        factories.user(email="baoloc@example.vn", name="Lê Văn Lộc")
        factories.user(email="lan@example.vn", name="Nguyễn Thị Lan")
    mails = e2e_app.extensions["mailman"].outbox = []

    # It applies ...
    coop = new_page()
    sign_in(coop, "baoloc@example.vn", factories.PASSWORD)
    coop.goto("/account/apply")
    coop.get_by_label("Tên hợp tác xã hoặc cơ sở").fill(COOP)
    coop.get_by_label("Tỉnh, thành phố").select_option(label="Lâm Đồng")
    coop.get_by_label("Phường, xã").fill("Phường 2 - Bảo Lộc")
    coop.get_by_label("Địa chỉ", exact=True).fill("Số 9 đường Trần Phú")
    coop.get_by_label("Điện thoại").fill("0263 3864 999")
    coop.get_by_label("Mã số đăng ký kinh doanh hoặc mã số thuế").fill("5801234567")
    coop.get_by_label("Trang Zalo (không bắt buộc)").fill("https://zalo.me/0263386499")
    coop.get_by_role("button", name="Gửi đơn đăng ký").click()
    expect(coop.get_by_role("status")).to_contain_text("Văn phòng OCOP sẽ xem xét")

    # ... the office approves it, and it is told.
    office = new_page()
    sign_in(office, ADMIN)
    office.goto("/admin/cooperatives")
    office.get_by_role("row").filter(has_text=COOP).get_by_role("button", name="Duyệt").click()
    expect(office.get_by_role("status")).to_contain_text(COOP)
    assert any("duyệt" in m.subject and m.to == ["baoloc@example.vn"] for m in mails)

    # Its profile and the account payouts go to, which the office confirms.
    coop.goto("/coop/profile")
    coop.get_by_label("Câu chuyện của bạn", exact=True).fill("Mật ong hoa cà phê Bảo Lộc.")
    coop.get_by_label("Trang web").fill("https://matongbaoloc.vn")
    coop.get_by_label("Vĩ độ").fill("11.548")
    coop.get_by_label("Kinh độ").fill("107.807")
    coop.get_by_role("button", name="Lưu").click()
    expect(coop.get_by_role("status")).to_have_text("Đã lưu hồ sơ.")
    coop.get_by_label("Ngân hàng").select_option(label="Agribank")
    coop.get_by_label("Số tài khoản").fill("5400 205 123456")
    coop.get_by_label("Chủ tài khoản").fill("HTX Mật ong Bảo Lộc")
    coop.get_by_role("button", name="Đề nghị chuyển tiền vào tài khoản này").click()
    expect(coop.get_by_role("status")).to_contain_text("xác nhận tài khoản mới")

    # A certificate, verified by the office before buyers see it.
    coop.goto("/coop/certificates")
    coop.get_by_label("Loại hình").select_option(label="VietGAP")
    coop.get_by_label("Số giấy chứng nhận").fill("VG-LD-2026-15")
    coop.get_by_label("Cơ quan cấp").fill("Chi cục Trồng trọt Lâm Đồng")
    coop.get_by_label("Hiệu lực từ").fill(f"{today().replace(day=1):%Y-%m-%d}")
    coop.get_by_label("Giấy chứng nhận (PDF hoặc ảnh)").set_input_files(certificate_pdf())
    coop.get_by_role("button", name="Gửi để xác minh").click()
    expect(coop.get_by_role("row").filter(has_text="VG-LD-2026-15")).to_contain_text(
        "Đang chờ xác minh"
    )
    office.goto("/admin/papers")
    screenshot(office, "admin-papers")
    office.get_by_role("row").filter(has_text="VG-LD-2026-15").get_by_role(
        "button", name="Xác minh"
    ).click()
    office.get_by_role("row").filter(has_text="5400205123456").get_by_role(
        "button", name="Xác nhận"
    ).click()
    expect(office.get_by_role("status")).to_contain_text("tài khoản mới")

    # A product in two sizes, with photos.
    coop.goto("/coop/products/new")
    coop.get_by_label("Tên (tiếng Việt)").fill("Mật ong hoa cà phê")
    coop.get_by_label("Nhóm sản phẩm").select_option(value="processed-food")
    coop.get_by_label("Đơn vị tính").fill("chai 500 g")
    coop.get_by_label("Giá", exact=True).fill("150000")
    coop.get_by_label("Tồn kho ban đầu").fill("30")
    coop.get_by_label("Mã GTIN").fill(SMALL)
    fill_label(coop, "Mật ong hoa cà phê 100 %.")
    coop.get_by_label("Ảnh").set_input_files([png("#c98a00"), png("#7a5200")])
    coop.get_by_role("button", name="Lưu").click()
    coop.get_by_role("link", name="Mật ong hoa cà phê").click()
    sizes = coop.get_by_role("region", name="Quy cách đóng gói")
    sizes.get_by_label("Quy cách, như trên nhãn").fill("hộp quà 1 kg")
    sizes.get_by_label("Giá (đồng)").fill("240000")
    sizes.get_by_label("Số lượng trong kho").fill("10")
    sizes.get_by_label("Mã GTIN").fill(BOX)
    sizes.get_by_role("button", name="Thêm quy cách này").click()
    expect(coop.get_by_role("status")).to_contain_text("hộp quà 1 kg")
    screenshot(coop, "coop-product-sizes")

    # A buyer in the south, who reads the shop's news on Zalo, buys the gift box.
    with gateways_on(e2e_app) as gateways:
        shop = new_page()
        sign_in(shop, "lan@example.vn", factories.PASSWORD)
        shop.goto("/account/")
        shop.get_by_label("Số di động nhận Zalo và SMS").fill("0912 345 678")
        shop.get_by_label("Zalo", exact=True).check()
        shop.get_by_role("button", name="Lưu lựa chọn").click()
        expect(shop.get_by_role("status")).to_contain_text("Đã lưu lựa chọn")

        shop.goto("/products?q=mat+ong+hoa+ca+phe")
        card = shop.locator("li.card").filter(has_text="Mật ong hoa cà phê")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("từ 150.000")
        card.get_by_role("link").click()
        expect(shop.get_by_role("region", name="Chứng nhận")).to_contain_text("VG-LD-2026-15")
        shop.get_by_role("navigation", name="Quy cách").get_by_role(
            "link", name=re.compile("hộp quà 1 kg")
        ).click()
        delivery = shop.get_by_role("region", name="Giao hàng")
        expect(delivery).to_contain_text("1050 g")
        expect(delivery).to_contain_text("49.000")  # to the south: 40,000 + one 500 g step
        screenshot(shop, "product-gift-box")
        shop.get_by_role("button", name="Thêm vào giỏ").click()
        shop.goto("/checkout")
        fill_delivery(shop, "Nguyễn Thị Lan", "lan@example.vn")
        place_order(shop, "Thanh toán khi nhận hàng")
        number = order_number_on(shop)
        with e2e_db() as session:
            order = session.scalar(sa.select(Order).where(Order.number == number))
            assert (order.subtotal, order.delivery_total) == (240_000, 49_000)

        # The cooperative ships it with GHN; the buyer hears on Zalo, with the tracking link.
        coop.goto("/coop/orders")
        part = coop.locator("section.order-part").filter(has_text=number)
        part.get_by_role("button", name="Bắt đầu chuẩn bị").click()
        part = coop.locator("section.order-part").filter(has_text=number)
        part.get_by_label("Đơn vị vận chuyển").fill("GHN")
        part.get_by_label("Mã vận đơn").fill("GHN5X7Q2")
        part.get_by_role("button", name="Đã gửi hàng").click()
        shipped = [m for m in gateways.zalo if m["template_data"]["event"] == "part.shipped"]
        assert shipped and shipped[0]["phone"] == "84912345678"
        assert shipped[0]["template_data"]["link"] == "https://donhang.ghn.vn/?order_code=GHN5X7Q2"

    part = coop.locator("section.order-part").filter(has_text=number)
    part.get_by_role("button", name="Đã giao hàng").click()
    part = coop.locator("section.order-part").filter(has_text=number)
    part.get_by_role("button", name="Đã nhận tiền mặt").click()

    # The office pays the cooperative out; the statement shows the sale, the fee, the payout.
    office.goto("/admin/payouts")
    row = office.get_by_role("row").filter(has_text=COOP)
    owed = 240_000 + 49_000 - 12_000  # the parcel, less 5 % of the goods
    expect(row).to_contain_text("277.000")
    row.get_by_label("Ngày chuyển").fill(f"{today():%Y-%m-%d}")
    row.get_by_label("Mã giao dịch ngân hàng").fill("FT26335BL01")
    row.get_by_role("button", name="Ghi nhận khoản chuyển").click()
    expect(office.get_by_role("status")).to_contain_text(COOP)
    coop.goto("/coop/money")
    expect(coop.get_by_role("main")).to_contain_text("FT26335BL01")
    expect(coop.get_by_role("main")).to_contain_text(number)
    expect(coop.locator(".lead")).to_contain_text("0 ₫")
    screenshot(coop, "coop-money-statement")
    assert owed == 277_000
