"""Buying: cart, checkout, the three payment methods and the Stripe webhook."""

import io
import re

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from vietnam_qr_pay import QRPay

from shop.extensions import db
from shop.models import Order, PartStatus, PaymentStatus, Product, ProviderEvent
from tests.factories import CHECKOUT_FORM, checkout_key

ADDRESS = CHECKOUT_FORM | {"note": "Gọi trước khi giao"}


def add(client, product, quantity="1"):
    return client.post("/cart/add", data={"product_id": product.id, "quantity": quantity})


def place(client, method="cod", **overrides):
    data = ADDRESS | {"payment_method": method, "checkout_key": checkout_key()} | overrides
    return client.post("/checkout", data=data)


def the_order() -> Order:
    return db.session.scalars(sa.select(Order)).one()


def stock(product) -> int:
    return db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))


# --- Cart -----------------------------------------------------------------------------


def test_cart_add_update_remove_grouped_by_cooperative(client, catalog):
    assert add(client, catalog.banana, "2").status_code == 302
    add(client, catalog.tea)
    page = client.get("/cart").get_data(as_text=True)
    assert page.index("Hợp tác xã Chuối Viba") < page.index("Hợp tác xã Thái Sơn")
    assert "170.000\xa0₫" in page and "Thanh toán" in page
    client.post("/cart/update", data={"product_id": catalog.banana.id, "quantity": "3"})
    assert "255.000\xa0₫" in client.get("/cart").get_data(as_text=True)
    client.post("/cart/remove", data={"product_id": catalog.banana.id})
    page = client.get("/cart").get_data(as_text=True)
    assert "Chuối sấy" not in page and "Chè xanh" in page


@pytest.mark.parametrize(
    ("quantity", "status", "message"),
    [
        ("abc", 400, "số nguyên"),
        ("0", 400, "ít nhất là 1"),
        ("-3", 400, "ít nhất là 1"),
        ("11", 400, "Chỉ còn 10"),
        ("1.5", 400, "số nguyên"),
    ],
)
def test_bad_quantities_get_a_clear_message(client, catalog, quantity, status, message):
    response = add(client, catalog.banana, quantity)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_unknown_or_hidden_products_cannot_be_added(client, catalog):
    assert (
        client.post("/cart/add", data={"product_id": "999999", "quantity": "1"}).status_code == 404
    )
    assert client.post("/cart/add", data={"product_id": "x", "quantity": "1"}).status_code == 404
    catalog.herb.active = False
    db.session.commit()
    assert add(client, catalog.herb).status_code == 404


def test_product_page_has_the_add_to_cart_form(client, catalog):
    page = client.get("/products/chuoi-say").get_data(as_text=True)
    assert "Thêm vào giỏ" in page and 'name="quantity"' in page
    english = client.get("/products/chuoi-say?lang=en").get_data(as_text=True)
    assert "Add to cart" in english


# --- Checkout ---------------------------------------------------------------------------


def test_checkout_needs_a_cart(client, catalog):
    assert client.get("/checkout").status_code == 302


def test_checkout_form_is_labelled_and_offers_card_only_when_configured(client, catalog):
    add(client, catalog.banana)
    page = client.get("/checkout?lang=en").get_data(as_text=True)
    for label in (
        "Full name",
        "Phone",
        "Email",
        "Province",
        "Ward or commune",
        "Street address",
        "Note",
        "Cash on delivery",
        "Bank transfer (VietQR)",
        "Place order",
    ):
        assert f">{label}</label>" in page or f">{label}<" in page, label
    assert "Card (Stripe)" not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "số di động"),
        ("phone", "0123456789", "số di động"),
        ("email", "not-an-email", "email"),
        ("ward", "Phường Không Có", "không phải là phường"),
        ("province", "atlantis", "Lựa chọn không hợp lệ"),
        ("full_name", "", "Vui lòng điền ô này"),
        ("payment_method", "bitcoin", "Lựa chọn không hợp lệ"),
        ("street", "x" * 301, "300"),
    ],
)
def test_checkout_validates_every_field_on_the_server(client, catalog, field, value, message):
    add(client, catalog.banana)
    response = place(client, **{field: value})
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    assert stock(catalog.banana) == 10


def test_cash_on_delivery_across_two_cooperatives(client, catalog, outbox):
    add(client, catalog.banana, "2")
    add(client, catalog.tea, "1")
    response = place(client, price="1", total="1")  # prices sent by the client are ignored
    assert response.status_code == 303
    order = the_order()
    assert order.payment_status is PaymentStatus.ON_DELIVERY
    assert len(order.parts) == 2 and all(p.status is PartStatus.CONFIRMED for p in order.parts)
    assert order.subtotal == 2 * 85_000 + 120_000
    assert order.delivery_total == 2 * 40_000  # north to Hồ Chí Minh City
    assert order.phone == "0912345678" and order.ward == "Phường Bến Thành"
    assert (stock(catalog.banana), stock(catalog.tea)) == (8, 9)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert order.number in page and "Thanh toán khi nhận hàng" in page
    assert client.get("/cart").get_data(as_text=True).count("Giỏ hàng của bạn đang trống") == 1
    recipients = sorted(m.to[0] for m in outbox)
    assert recipients == [
        "an@example.vn",
        *sorted(p.cooperative.email for p in order.parts if p.cooperative.email),
    ]
    assert order.number in outbox[0].subject


def test_buyer_cancels_and_stock_comes_back(client, catalog):
    add(client, catalog.tea, "3")
    order_url = place(client).headers["Location"]
    assert stock(catalog.tea) == 7
    response = client.post(f"{order_url}/cancel")
    assert response.status_code == 303
    assert stock(catalog.tea) == 10
    assert all(p.status is PartStatus.CANCELLED for p in the_order().parts)
    assert "Đã hủy" in client.get(order_url).get_data(as_text=True)


def test_order_link_is_secret(client, catalog):
    add(client, catalog.tea)
    place(client)
    assert client.get("/orders/not-the-token").status_code == 404


def test_vietqr_order_shows_a_qr_a_banking_app_can_pay(client, catalog):
    add(client, catalog.tea, "2")
    order_url = place(client, "vietqr").headers["Location"]
    order = the_order()
    assert order.payment_status is PaymentStatus.UNPAID and order.expires_at is not None
    page = client.get(order_url).get_data(as_text=True)
    assert "Quét mã này bằng ứng dụng ngân hàng" in page
    image = client.get(f"{order_url}/vietqr.png")
    [payload] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))]
    parsed = QRPay(payload)
    assert parsed.is_valid  # the CRC checks
    assert int(parsed.amount) == order.total
    assert parsed.additional_data.purpose == order.number.replace("-", "")  # banks drop "-"
    assert parsed.provider.guid == "A000000727" and parsed.provider.service == "QRIBFTTA"
    assert parsed.consumer.bank_bin == "970436"


def test_marking_a_transfer_received_from_the_command_line(client, runner, catalog):
    add(client, catalog.tea)
    place(client, "vietqr")
    order = the_order()
    result = runner.invoke(args=["mark-paid", order.number, str(order.total)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.PAID
    assert all(p.status is PartStatus.PAID for p in order.parts)


def test_release_expired_command(client, runner, catalog, app):
    add(client, catalog.tea, "4")
    place(client, "vietqr")
    app.config["VIETQR_HOLD_MINUTES"] = 0
    result = runner.invoke(args=["release-expired", "--minutes-ahead", "2000"])
    assert result.exit_code == 0 and "1" in result.output
    assert stock(catalog.tea) == 10


# --- Card payments through the real stripe library and a local Stripe API -----------------


def card_order(client, catalog, fake_stripe):
    add(client, catalog.banana, "2")
    response = place(client, "card")
    assert response.status_code == 303
    [session] = fake_stripe.sessions.values()
    assert response.headers["Location"] == session["url"]
    return the_order(), session


def webhook(client, fake_stripe, type_, obj, event_id=None, signature=None, headers=None):
    body, good_signature = fake_stripe.event(type_, obj, event_id)
    return client.post(
        "/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signature or good_signature} | (headers or {}),
    )


def test_card_checkout_session_in_whole_dong(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    items = session["line_items_sent"]
    assert items[0]["price_data"] == {
        "currency": "vnd",
        "unit_amount": "85000",
        "product_data": {"name": "Chuối sấy dẻo Viba"},
    }
    assert session["amount_total"] == order.total
    assert session["client_reference_id"] == order.number
    assert session["metadata"]["order_id"] == str(order.id)
    keys = [key for method, path, key in fake_stripe.requests if path == "/v1/checkout/sessions"]
    assert keys == [f"order-{order.id}-checkout-1"]
    assert order.payments[0].reference == session["id"]


def test_success_page_waits_for_the_webhook(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    back = client.get(f"/orders/{order.access_token}?paid=1").get_data(as_text=True)
    assert "đang được xác nhận" in back
    assert the_order().payment_status is PaymentStatus.UNPAID  # returning proves nothing
    assert (
        webhook(
            client, fake_stripe, "checkout.session.completed", fake_stripe.pay(session["id"])
        ).status_code
        == 200
    )
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.PAID and order.amount_paid == order.total
    assert all(p.status is PartStatus.PAID for p in order.parts)
    assert order.payments[0].payment_intent == f"pi_{session['id']}"
    assert "Đã thanh toán" in client.get(f"/orders/{order.access_token}?paid=1").get_data(
        as_text=True
    )


def test_the_same_event_twice_is_applied_once(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    paid = fake_stripe.pay(session["id"])
    first = webhook(client, fake_stripe, "checkout.session.completed", paid, event_id="evt_same")
    second = webhook(client, fake_stripe, "checkout.session.completed", paid, event_id="evt_same")
    assert first.json == {"received": True} and second.json["duplicate"] is True
    assert db.session.scalar(sa.select(sa.func.count(ProviderEvent.id))) == 1
    db.session.expire_all()
    assert sum(len(p.history) for p in order.parts) == 1


def test_events_out_of_order_give_the_same_result(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    paid = fake_stripe.pay(session["id"])
    webhook(client, fake_stripe, "checkout.session.async_payment_succeeded", paid)
    webhook(client, fake_stripe, "checkout.session.completed", paid)
    webhook(client, fake_stripe, "checkout.session.expired", paid | {"status": "expired"})
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.PAID and stock(catalog.banana) == 8


@pytest.mark.parametrize("signature", ["t=1,v1=deadbeef", "garbage", ""])
def test_bad_or_missing_signature_is_refused(client, catalog, fake_stripe, signature):
    order, session = card_order(client, catalog, fake_stripe)
    body, _ = fake_stripe.event("checkout.session.completed", fake_stripe.pay(session["id"]))
    headers = {"Stripe-Signature": signature} if signature else {}
    response = client.post(
        "/webhooks/stripe",
        data=body,
        headers=headers | {"Accept": "application/json"},
        content_type="application/json",
    )
    assert response.status_code == 400
    # Stripe's dashboard shows the answer: it says which check failed.
    said = "Invalid Stripe signature." if signature else "Missing Stripe-Signature header."
    assert response.get_json()["message"] == said
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.UNPAID


def test_tampered_body_fails_the_signature(client, catalog, fake_stripe):
    _, session = card_order(client, catalog, fake_stripe)
    body, signature = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(session["id"])
    )
    tampered = body.replace(b'"amount_total": ', b'"amount_total": 1')
    response = client.post(
        "/webhooks/stripe",
        data=tampered,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert response.status_code == 400


def test_expired_session_returns_stock(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    assert stock(catalog.banana) == 8
    webhook(client, fake_stripe, "checkout.session.expired", session | {"status": "expired"})
    db.session.expire_all()
    assert stock(catalog.banana) == 10
    assert order.payment_status is PaymentStatus.EXPIRED
    assert all(p.status is PartStatus.CANCELLED for p in order.parts)


def test_paid_amount_different_from_total_is_flagged(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    webhook(
        client,
        fake_stripe,
        "checkout.session.completed",
        fake_stripe.pay(session["id"], amount=1700),
    )
    db.session.expire_all()
    assert order.amount_mismatch and "1700" in order.attention


def test_refund_event_marks_the_order_refunded(client, catalog, fake_stripe):
    order, session = card_order(client, catalog, fake_stripe)
    paid = fake_stripe.pay(session["id"])
    webhook(client, fake_stripe, "checkout.session.completed", paid)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": paid["payment_intent"],
        "amount_refunded": order.total,
    }
    webhook(client, fake_stripe, "charge.refunded", charge)
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.REFUNDED
    assert all(p.status is PartStatus.REFUNDED for p in order.parts)


def test_stripe_down_keeps_the_order_and_offers_other_methods(client, catalog, fake_stripe):
    fake_stripe.fail_with = 500
    add(client, catalog.banana, "2")
    response = place(client, "card")
    assert response.status_code == 303 and response.headers["Location"].startswith("/orders/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hiện không thể thanh toán bằng thẻ" in page
    order = the_order()
    assert order.payment_status is PaymentStatus.UNPAID and stock(catalog.banana) == 8
    switched = client.post(f"{response.headers['Location']}/pay", data={"method": "cod"})
    assert switched.status_code == 303
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.ON_DELIVERY
    assert all(p.status is PartStatus.CONFIRMED for p in order.parts)


def test_stripe_unreachable(client, catalog, fake_stripe, app):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    add(client, catalog.banana)
    response = place(client, "card")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Hiện không thể thanh toán bằng thẻ" in page


def test_card_option_appears_when_stripe_is_configured(client, catalog, fake_stripe):
    add(client, catalog.banana)
    assert "Thẻ (Stripe)" in client.get("/checkout").get_data(as_text=True)


def test_no_order_page_leaks_to_referrers(client, catalog):
    add(client, catalog.tea)
    response = client.get(place(client).headers["Location"])
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert re.search(r"no-store", response.headers["Cache-Control"])


def test_the_checkout_form_helps_phones_fill_it(client, catalog):
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    page = client.get("/checkout").get_data(as_text=True)
    for attributes in (
        'autocomplete="name"',
        'autocomplete="tel"',
        'inputmode="tel"',
        'type="tel"',
        'autocomplete="email"',
        'autocomplete="street-address"',
    ):
        assert attributes in page


# --- Former ward and province names (before the 1 July 2025 merger) ---------------------------


def test_a_former_ward_is_delivered_to_todays_with_a_note(client, catalog):
    add(client, catalog.banana)
    response = place(client, province="ha_noi", ward="Phường Hàng Bạc")
    assert response.status_code == 303
    assert the_order().ward == "Phường Hoàn Kiếm"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phường Hàng Bạc nay là Phường Hoàn Kiếm" in page


def test_a_former_ward_split_in_two_asks_which_one(client, catalog):
    add(client, catalog.banana)
    response = place(client, province="ha_noi", ward="Phường Thượng Đình")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Phường Khương Đình, Phường Thanh Xuân" in page
    assert place(client, province="ha_noi", ward="Khương Đình").status_code == 303
    assert the_order().ward == "Phường Khương Đình"


def test_provinces_are_listed_with_the_former_ones_they_took_in(client, catalog):
    add(client, catalog.banana)
    page = client.get("/checkout").get_data(as_text=True)
    assert "Phú Thọ (gồm cả Vĩnh Phúc, Hòa Bình cũ)" in page
    assert ">Hà Nội</option>" in page  # unchanged in 2025


def test_wtforms_own_messages_are_in_the_pages_language(client, catalog):
    add(client, catalog.banana)
    empty = client.post("/checkout", data={"checkout_key": checkout_key()}).get_data(as_text=True)
    assert "Vui lòng điền ô này." in empty and "This field is required." not in empty
    english = client.post("/checkout?lang=en", data={"checkout_key": checkout_key()}).get_data(
        as_text=True
    )
    assert "This field is required." in english


def test_the_ward_picker_works_without_script(client, catalog):
    add(client, catalog.banana)
    first = client.get("/checkout").get_data(as_text=True)
    assert 'list="ward-list"' not in first and "<datalist" not in first
    # "Show its wards" sends the form as typed so far: nothing is placed, nothing is refused.
    shown = place(client, province="ha_noi", ward="", full_name="Lan", step="province")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "field-error" not in page
    assert 'list="ward-list"' in page and '<option value="Phường Hoàn Kiếm">' in page
    assert page.count("<option value=") - page.count('<option value="" ') >= 126 + 34
    assert 'value="Lan"' in page  # what was typed stays
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0
    # Enter in a field presses the form's first button: a hidden "Place order", not the picker.
    assert page.index('type="submit" class="visually-hidden"') < page.index('value="province"')
