"""A guest buys: from two cooperatives at once, by cash on delivery, by card, by VietQR."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shop.i18n import money
from shop.models import Order, PaymentStatus, Product

ORDER_NUMBER = re.compile(r"^Đơn hàng (OCOP-\d{4}-\d{6})$")  # OCOP-2026-000001
VIBA = "Hợp tác xã Chuối Viba"
MY_TAN = "Hợp tác xã Nông nghiệp Mỹ Tân"


def stock_of(e2e_db, *slugs: str) -> dict[str, int]:
    with e2e_db() as session:
        rows = session.execute(
            sa.select(Product.slug, Product.stock).where(Product.slug.in_(slugs))
        )
        return {slug: stock for slug, stock in rows}


def order_by_number(e2e_db, number: str) -> Order:
    with e2e_db() as session:
        order = session.scalar(sa.select(Order).where(Order.number == number))
        assert order is not None, f"order {number} is not in the database"
        session.expunge(order)
        return order


def add_to_cart(page: Page, slug: str, name: str, quantity: int = 1) -> None:
    page.goto(f"/products/{slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_label("Số lượng", exact=True).fill(str(quantity))
    page.get_by_role("button", name="Thêm vào giỏ").click()
    expect(page.get_by_role("status").filter(has_text="Đã thêm vào giỏ hàng.")).to_be_visible()


def header_cart(page: Page):
    """The header's cart link (its name carries the count: "Giỏ hàng 3 sản phẩm trong giỏ")."""
    return page.get_by_role("navigation", name="Tài khoản").get_by_role("link", name="Giỏ hàng")


def go_to_checkout(page: Page) -> None:
    header_cart(page).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Giỏ hàng")
    page.get_by_role("link", name="Thanh toán", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thanh toán")


def fill_delivery(page: Page, name: str, email: str) -> None:
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Điện thoại").fill("0912 345 678")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Tỉnh, thành phố").select_option(
        label="Hồ Chí Minh (gồm cả Bình Dương, Bà Rịa - Vũng Tàu cũ)"
    )
    page.get_by_label("Phường, xã").fill("Bến Thành")
    page.get_by_label("Địa chỉ (số nhà, đường, thôn)").fill("12 Lê Lợi")
    page.get_by_label("Tôi đã đọc và đồng ý").check()


def place_order(page: Page, method: str) -> None:
    page.get_by_label(method, exact=True).check()
    page.get_by_role("button", name="Đặt hàng").click()


def order_number_on(page: Page) -> str:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(ORDER_NUMBER)
    return ORDER_NUMBER.match(heading.inner_text()).group(1)


def definition(scope, term: str):
    """The <dd> that follows the <dt> named ``term``."""
    return (
        scope.get_by_role("term")
        .filter(has_text=re.compile(rf"^{term}$"))
        .locator("xpath=following-sibling::dd[1]")
    )


def test_guest_buys_from_two_cooperatives_cash_on_delivery(page: Page, e2e_db, screenshot):
    before = stock_of(e2e_db, "chuoi-say-deo-viba", "che-xanh-my-tan")
    add_to_cart(page, "chuoi-say-deo-viba", "Chuối sấy dẻo Viba", 2)
    add_to_cart(page, "che-xanh-my-tan", "Chè xanh Mỹ Tân", 1)
    expect(header_cart(page)).to_have_accessible_name("Giỏ hàng 3 sản phẩm trong giỏ")

    page.get_by_role("status").get_by_role("link", name="Xem giỏ hàng").click()
    viba = page.get_by_role("region", name=VIBA)
    my_tan = page.get_by_role("region", name=MY_TAN)
    expect(viba.get_by_role("heading", level=2)).to_contain_text(VIBA)
    expect(viba.get_by_label("Số lượng Chuối sấy dẻo Viba")).to_have_value("2")
    expect(my_tan.get_by_label("Số lượng Chè xanh Mỹ Tân")).to_have_value("1")
    expect(page.get_by_role("main").get_by_role("region")).to_have_count(2)
    screenshot(page, "cart-two-cooperatives")

    page.get_by_role("link", name="Thanh toán", exact=True).click()
    fill_delivery(page, "Nguyễn Thị Lan", "lan@example.vn")
    place_order(page, "Thanh toán khi nhận hàng")

    number = order_number_on(page)
    parts = (
        page.get_by_role("main")
        .get_by_role("region")
        .filter(has=page.get_by_role("heading", name=re.compile(r"^Hợp tác xã")))
    )
    expect(parts).to_have_count(2)
    expect(page.get_by_role("region", name=VIBA)).to_contain_text("2 × Chuối sấy dẻo Viba")
    expect(page.get_by_role("region", name=MY_TAN)).to_contain_text("1 × Chè xanh Mỹ Tân")
    order = order_by_number(e2e_db, number)
    expect(
        page.get_by_text(f"Trả {money(order.total, 'vi')} tiền mặt khi nhận hàng.")
    ).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("12 Lê Lợi, Phường Bến Thành, Hồ Chí Minh")
    screenshot(page, "order-cod")

    assert order.payment_status is PaymentStatus.ON_DELIVERY
    after = stock_of(e2e_db, "chuoi-say-deo-viba", "che-xanh-my-tan")
    assert after == {
        "chuoi-say-deo-viba": before["chuoi-say-deo-viba"] - 2,
        "che-xanh-my-tan": before["che-xanh-my-tan"] - 1,
    }

    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn! Đơn OCOP-")
    expect(header_cart(page)).to_have_accessible_name("Giỏ hàng")  # emptied by the order
    header_cart(page).click()
    expect(page.get_by_text("Giỏ hàng của bạn đang trống.")).to_be_visible()


@pytest.fixture
def card_payments(e2e_app, base_url):
    """The fake Stripe on a free port; the served shop offers cards and gets its webhooks."""
    from tests.fake_stripe import card_payments_on

    with card_payments_on(e2e_app, webhook_url=f"{base_url}/webhooks/stripe") as state:
        yield state


def test_pay_by_card_on_stripe(new_page, card_payments, e2e_db, screenshot):
    # The CSP lets forms lead to the configured Stripe host: here, the local fake.
    page = new_page()
    add_to_cart(page, "chuoi-tieu-hong-viba", "Chuối tiêu hồng Viba", 3)
    go_to_checkout(page)
    fill_delivery(page, "Trần Văn Minh", "minh@example.vn")
    place_order(page, "Thẻ (Stripe)")

    expect(page).to_have_title("Fake Stripe Checkout")
    assert page.url.startswith(card_payments.base_url + "/pay/cs_test_")
    (session,) = card_payments.sessions.values()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay {session['amount_total']} VND")
    page.get_by_role("button", name="Pay").click()

    number = order_number_on(page)
    paid = page.get_by_text(re.compile(r"^Đã thanh toán: "))
    for _ in range(20):  # the webhook and the redirect may race: the buyer reloads
        if paid.is_visible():
            break
        page.wait_for_timeout(250)
        page.reload()
    order = order_by_number(e2e_db, number)
    expect(paid).to_have_text(f"Đã thanh toán: {money(order.total, 'vi')}.")
    assert order.payment_status is PaymentStatus.PAID
    assert order.amount_paid == order.total == session["amount_total"]
    assert session["client_reference_id"] == number
    expect(page.get_by_role("heading", name="Thẻ (Stripe)")).to_be_visible()
    screenshot(page, "order-card-paid")


def test_pay_by_vietqr_transfer(page: Page, e2e_db, screenshot):
    add_to_cart(page, "cam-cao-ram", "Cam Cao Răm", 1)
    go_to_checkout(page)
    fill_delivery(page, "Lê Hoàng Nam", "nam@example.vn")
    place_order(page, "Chuyển khoản (VietQR)")

    number = order_number_on(page)
    order = order_by_number(e2e_db, number)
    total = money(order.total, "vi")
    qr = page.get_by_role("img", name=re.compile(r"^Mã VietQR"))
    expect(qr).to_have_accessible_name(f"Mã VietQR để trả {total} cho đơn hàng {number}")
    qr.scroll_into_view_if_needed()
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("img => img.naturalWidth") > 0, "the VietQR code does not load"
    payment = page.get_by_role("region", name="Chuyển khoản (VietQR)")
    expect(definition(payment, "Số tiền")).to_have_text(total)
    expect(definition(payment, "Nội dung")).to_have_text(number.replace("-", ""))
    assert order.payment_status is PaymentStatus.UNPAID
    screenshot(page, "order-vietqr")


def test_ward_picker_and_a_former_ward_without_script(new_page, e2e_db, screenshot):
    page = new_page(java_script_enabled=False, viewport={"width": 360, "height": 780})
    add_to_cart(page, "chuoi-say-deo-viba", "Chuối sấy dẻo Viba")
    go_to_checkout(page)
    page.get_by_label("Họ và tên").fill("Trần Văn Minh")
    page.get_by_label("Tỉnh, thành phố").select_option(label="Hà Nội")
    page.get_by_role("button", name="Xem phường, xã và phí giao hàng").click()
    ward = page.get_by_label("Phường, xã")
    expect(page.get_by_label("Họ và tên")).to_have_value("Trần Văn Minh")  # kept
    expect(ward).to_have_attribute("list", "ward-list")
    assert page.locator("#ward-list option").count() == 126  # Hà Nội's wards and communes
    expect(page.locator('#ward-list option[value="Phường Hoàn Kiếm"]')).to_have_count(1)
    screenshot(page, "checkout-ward-picker-360")

    page.get_by_label("Điện thoại").fill("0912 345 678")
    page.get_by_label("Email").fill("minh@example.vn")
    ward.fill("Phường Hàng Bạc")  # the name before 1 July 2025
    page.get_by_label("Địa chỉ (số nhà, đường, thôn)").press_sequentially("5 Hàng Bạc")
    page.get_by_label("Tôi đã đọc và đồng ý").check()
    page.get_by_label("Thanh toán khi nhận hàng", exact=True).check()
    page.get_by_label("Địa chỉ (số nhà, đường, thôn)").press("Enter")  # Enter places the order

    number = order_number_on(page)
    expect(page.get_by_text("Phường Hàng Bạc nay là Phường Hoàn Kiếm")).to_be_visible()
    assert order_by_number(e2e_db, number).ward == "Phường Hoàn Kiếm"
