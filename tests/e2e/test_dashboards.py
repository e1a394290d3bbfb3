"""The people behind the shop: a cooperative adds a product and its lot, the OCOP office
approves a new producer and records a council's rating."""

from __future__ import annotations

import re
from datetime import timedelta

from PIL import Image
from playwright.sync_api import Page, expect

from shop.clock import today
from shop.services.gs1 import make_gtin14
from shop.services.ratings import add_months

VIBA_MEMBER = "htx-chuoi-viba@ocop.example.vn"
ADMIN = "admin@ocop.example.vn"


def dashboard(page: Page):
    return page.get_by_role("navigation", name="Bảng điều khiển")


def photo(tmp_path) -> str:
    path = tmp_path / "mut-chuoi.png"
    Image.new("RGB", (800, 600), (214, 168, 62)).save(path)
    return str(path)


def fill_label(page: Page, ingredients: str) -> None:
    """What the package's label says: goods go on sale only with it (the net quantity is
    read from the unit)."""
    page.get_by_label("Xuất xứ (nơi trồng hoặc sản xuất)").fill("Xã Liên Sơn, tỉnh Phú Thọ")
    page.get_by_label("Thành phần hoặc nguyên liệu").fill(ingredients)
    page.get_by_label("Bảo quản và sử dụng").fill("Nơi khô ráo, thoáng mát.")
    page.get_by_label("Hạn sử dụng", exact=True).fill("12 tháng kể từ ngày sản xuất")


def test_cooperative_adds_a_product_a_lot_and_a_harvest(page: Page, sign_in, tmp_path, screenshot):
    name, gtin = "Mứt chuối gừng Viba", make_gtin14("89360777", 1)
    sign_in(page, VIBA_MEMBER)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hợp tác xã Chuối Viba")

    dashboard(page).get_by_role("link", name="Sản phẩm").click()
    page.get_by_role("link", name="Sản phẩm mới").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sản phẩm mới")
    page.get_by_label("Tên (tiếng Việt)").fill(name)
    page.get_by_label("Nhóm sản phẩm").select_option(label="— Thực phẩm chế biến")
    page.get_by_label("Đơn vị tính").fill("hộp 250 g")
    page.get_by_label("Giá", exact=True).fill("65000")
    page.get_by_label("Tồn kho ban đầu", exact=True).fill("40")
    page.get_by_label("Mã GTIN").fill(gtin)
    fill_label(page, "Chuối tiêu hồng, gừng, đường.")
    page.get_by_label("Ảnh").set_input_files(photo(tmp_path))
    page.get_by_role("button", name="Lưu", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="Đã lưu.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sản phẩm")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    expect(row).to_contain_text(f"GTIN {gtin}")
    expect(row).to_contain_text("65.000 ₫")
    expect(row.locator("strong")).to_have_text("40")
    row.get_by_label(f"Số lượng thêm (+) hoặc bớt (−) cho {name}").fill("12")
    row.get_by_role("button", name="Thay đổi").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    expect(row.locator("strong")).to_have_text("52")

    row.get_by_role("link", name="Các lô").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Các lô của {name}")
    lot_code = f"MCG-{today():%y%m%d}"
    page.get_by_label("Mã lô").fill(lot_code)
    page.get_by_role("button", name="Lưu lô").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lô {lot_code} · {name}")
    harvested = today() - timedelta(days=2)
    page.get_by_label("Công đoạn").select_option(label="Thu hoạch")
    page.get_by_label("Ngày giờ").fill(f"{harvested:%Y-%m-%d}T07:30")
    page.get_by_label("Địa điểm").fill("Đồi chuối Liên Sơn")
    page.get_by_label("Mô tả").fill("Cắt buồng chuối tiêu hồng chín cây.")
    page.get_by_role("button", name="Lưu sự kiện").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu.")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("listitem").first).to_contain_text(
        "Đồi chuối Liên Sơn"
    )
    screenshot(page, "coop-lot")

    page.get_by_role("link", name="Xem trang người mua thấy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("heading", name=f"Lô {lot_code}")).to_be_visible()
    journey = page.get_by_role("region", name="Hành trình").get_by_role("listitem")
    expect(journey).to_have_count(1)
    expect(journey).to_contain_text(f"{harvested:%d/%m/%Y} 07:30")
    expect(journey).to_contain_text("Thu hoạch · Đồi chuối Liên Sơn")
    expect(journey).to_contain_text("Cắt buồng chuối tiêu hồng chín cây.")
    screenshot(page, "trace-new-lot")

    page.get_by_role("link", name="Mua sản phẩm này").click()  # the shop is approved: on sale
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("img", name=name).first).to_have_attribute("src", re.compile(r"\.webp"))
    screenshot(page, "product-new-with-photo")  # fails if the uploaded photo does not show


def test_ocop_office_approves_a_producer_and_rates_a_product(
    new_page, sign_in, e2e_app, screenshot
):
    # A producer registers and applies to sell (the shop in Vietnamese, as by default).
    coop_name = "Hợp tác xã Mật ong Đà Lạt"
    applicant = new_page()
    applicant.goto("/")
    applicant.get_by_role("link", name="Đăng nhập").click()
    applicant.get_by_role("link", name="Tạo tài khoản").click()
    mails = e2e_app.extensions["mailman"].outbox = []
    applicant.get_by_label("Họ và tên").fill("Phạm Thu Hà")
    applicant.get_by_label("Email").fill("thuha@matong-dalat.example.vn")
    applicant.get_by_role("main").get_by_role("button", name="Tạo tài khoản").click()
    expect(applicant.get_by_role("status")).to_contain_text(
        "Chúng tôi đã gửi email tới thuha@matong-dalat.example.vn"
    )
    # The link in the email proves the address; the password is chosen there.
    link = re.search(r"https?://\S+/account/register/\S+", mails[-1].body).group(0)
    applicant.goto(link)
    applicant.get_by_label("Mật khẩu", exact=True).fill("mat-ong-da-lat-2026")
    applicant.get_by_label("Nhập lại mật khẩu").fill("mat-ong-da-lat-2026")
    applicant.get_by_label("Tôi đã đọc và đồng ý").check()
    applicant.get_by_role("button", name="Tạo tài khoản của tôi").click()
    expect(applicant.get_by_role("status")).to_have_text(
        "Chào mừng! Tài khoản của bạn đã sẵn sàng."
    )

    applicant.get_by_role("link", name="Tài khoản", exact=True).click()
    applicant.get_by_role("link", name="Bán hàng trên Chợ OCOP").click()
    applicant.get_by_label("Tên hợp tác xã hoặc cơ sở").fill(coop_name)
    applicant.get_by_label("Loại hình").select_option(label="Hợp tác xã")
    applicant.get_by_label("Tỉnh, thành phố").select_option(label="Lâm Đồng")
    applicant.get_by_label("Phường, xã").fill("Phường Lâm Viên - Đà Lạt")
    applicant.get_by_label("Địa chỉ", exact=True).fill("Số 5 đường Mai Anh Đào")
    applicant.get_by_label("Điện thoại").fill("0263 3822 123")
    applicant.get_by_label("Mã số đăng ký kinh doanh hoặc mã số thuế").fill("5800123456")
    applicant.get_by_label("Trang Zalo (không bắt buộc)").fill("https://zalo.me/02633822123")
    applicant.get_by_label("Sản phẩm và câu chuyện của bạn").fill("Mật ong hoa cà phê.")
    applicant.get_by_role("button", name="Gửi đơn đăng ký").click()
    expect(applicant.get_by_role("status")).to_have_text(
        "Cảm ơn bạn! Văn phòng OCOP sẽ xem xét đơn đăng ký."
    )
    expect(applicant.get_by_text("Gian hàng đang chờ văn phòng OCOP duyệt")).to_be_visible()

    # The OCOP office approves it. Its screens are not translated yet: it reads them in English.
    office = new_page()
    sign_in(office, ADMIN)
    office.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="English").click()
    office.get_by_role("link", name="OCOP office").click()
    nav = office.get_by_role("navigation", name="OCOP office")
    nav.get_by_role("link", name="Cooperatives").click()
    row = office.get_by_role("row").filter(has_text=coop_name)
    expect(row).to_contain_text("Waiting for approval")
    row.get_by_role("button", name="Approve").click()
    expect(office.get_by_role("status")).to_contain_text(f"{coop_name} is approved")
    expect(row).to_contain_text("Approved")
    row.get_by_role("link", name="Public page").click()
    expect(office.get_by_role("heading", level=1)).to_have_text(coop_name)

    # ... and records a provincial council's decision for a product without a rating.
    office.go_back()
    nav.get_by_role("link", name="Ratings").click()
    office.get_by_label("GTIN or name").fill("Bánh chuối nướng")
    office.get_by_role("main").get_by_role("button", name="Search").click()
    office.get_by_role("link", name="Bánh chuối nướng Viba").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Ratings of Bánh chuối nướng Viba")
    expect(office.get_by_text("This product has not been rated yet.")).to_be_visible()
    decided = today() - timedelta(days=7)
    valid_until = add_months(decided, 36)
    office.get_by_label("Score", exact=True).fill("75")
    office.get_by_label("Level", exact=True).select_option(label="Provincial")
    office.get_by_label("Council", exact=True).fill("Hội đồng đánh giá OCOP tỉnh Phú Thọ")
    office.get_by_label("Certificate number", exact=True).fill(f"OCOP-{decided:%Y}-777")
    office.get_by_label("Decision date", exact=True).fill(f"{decided:%Y-%m-%d}")
    office.get_by_role("button", name="Record rating").click()
    expect(office.get_by_role("status")).to_have_text(
        f"Rating recorded: 4 stars, valid until {valid_until:%d/%m/%Y}."
    )
    screenshot(office, "admin-product-ratings")

    # A shopper sees the stars and how long the certificate is valid.
    shopper = new_page()
    shopper.goto("/products/banh-chuoi-viba")
    rating = shopper.get_by_role("region", name="Xếp hạng OCOP")
    expect(rating.get_by_title("4 sao OCOP")).to_be_visible()
    expect(rating).to_contain_text("★★★★☆")
    expect(rating).to_contain_text(f"OCOP-{decided:%Y}-777")
    expect(rating).to_contain_text("75/100")
    expect(rating).to_contain_text(f"Từ {decided:%d/%m/%Y} đến {valid_until:%d/%m/%Y}")
    screenshot(shopper, "product-newly-rated")
