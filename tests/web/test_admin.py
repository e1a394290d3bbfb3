"""The OCOP office: cooperatives, ratings, roles, orders, transfers and refunds."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import (
    Cooperative,
    OcopLevel,
    OcopRating,
    Order,
    PartStatus,
    PaymentStatus,
    Refund,
    RefundState,
    Role,
    User,
)
from shop.services import accounts
from shop.services.ratings import add_months
from tests import factories

PASSWORD = factories.PASSWORD
ADDRESS = factories.CHECKOUT_FORM


def account(email: str, role: Role = Role.CUSTOMER, cooperative=None) -> User:
    return factories.user(role.value, cooperative, email, name="Thử")


def sign_in(client, email: str) -> None:
    response = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/?lang=en")  # English from now on: the assertions read English labels


@pytest.fixture
def office(app, client):
    """The test client, signed in as the OCOP office."""
    account("office@ocop.vn", Role.ADMIN)
    sign_in(client, "office@ocop.vn")
    return client


def buy(app, product, method="cod", quantity="1") -> Order:
    """A guest buys ``product`` in a client of their own; returns the order."""
    buyer = app.test_client()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": quantity})
    response = buyer.post(
        "/checkout",
        data=ADDRESS | {"payment_method": method, "checkout_key": factories.checkout_key()},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()


def page_of(response) -> str:
    return response.get_data(as_text=True)


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# --- Access ----------------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/orders")
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == "/account/login?next=/admin/orders"


def test_customers_and_members_are_refused(client, catalog):
    account("buyer@example.vn")
    sign_in(client, "buyer@example.vn")
    assert client.get("/admin/").status_code == 403
    assert client.post(f"/admin/cooperatives/{catalog.viba.id}/approve").status_code == 403
    client.post("/account/logout")
    account("member@viba.vn", Role.MEMBER, catalog.viba)
    sign_in(client, "member@viba.vn")
    assert client.get("/admin/users").status_code == 403


def test_overview_counts_what_waits_for_the_office(office, app, catalog):
    factories.cooperative(name="HTX Mới", approved=False)
    factories.rate(catalog.longan, 80, add_months(today(), -36) + timedelta(days=20))
    db.session.commit()
    buy(app, catalog.tea, "vietqr")
    flagged = buy(app, catalog.banana)
    flagged.attention = "Call the buyer."
    db.session.commit()
    page = page_of(office.get("/admin/"))
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', page))
    assert counts == {"pending": "1", "expiring": "1", "attention": "1", "transfers": "1"}
    for link in ("/admin/cooperatives", "/admin/ratings", "show=attention", "show=unpaid_transfer"):
        assert link in page
    listed = page_of(office.get("/admin/orders?show=attention"))
    assert flagged.number in listed and "1 order" in listed
    assert office.get("/admin/orders?show=everything").status_code == 400


# --- Cooperatives ----------------------------------------------------------------------------


def test_approving_a_cooperative_puts_its_products_in_the_catalog(office, catalog):
    coop = factories.cooperative(name="HTX Mật ong Bắc Kạn", approved=False)
    factories.product(coop, catalog.categories["tea"], name_en="Mint honey")
    db.session.commit()
    assert "Mint honey" not in page_of(office.get("/products"))
    listing = page_of(office.get("/admin/cooperatives"))
    assert listing.index("HTX Mật ong Bắc Kạn") < listing.index("Hợp tác xã Chuối Viba")
    assert ">Approve<" in listing and ">Reject<" in listing
    response = office.post(f"/admin/cooperatives/{coop.id}/approve")
    assert response.status_code == 303
    assert fresh(coop).approved
    assert "Mint honey" in page_of(office.get("/products"))
    assert office.post(f"/admin/cooperatives/{coop.id}/approve").status_code == 409


def test_rejecting_an_empty_application_removes_it_and_tells_why(office, outbox):
    applicant = account("chi@htx.vn")
    coop = factories.cooperative(name="HTX Thiếu Giấy", approved=False, email="chi@htx.vn")
    applicant.role, applicant.cooperative = Role.MEMBER, coop
    db.session.commit()
    coop_id = coop.id
    assert (
        office.post(f"/admin/cooperatives/{coop.id}/reject", data={"reason": ""}).status_code == 400
    )
    response = office.post(
        f"/admin/cooperatives/{coop.id}/reject", data={"reason": "Thiếu giấy phép kinh doanh"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Cooperative, coop_id) is None
    user = db.session.get(User, applicant.id)
    assert user.role is Role.CUSTOMER and user.cooperative_id is None
    assert outbox[-1].to == ["chi@htx.vn"] and "Thiếu giấy phép kinh doanh" in outbox[-1].body


def test_rejecting_an_application_with_products_keeps_it_hidden(office, catalog):
    coop = factories.cooperative(approved=False)
    factories.product(coop, catalog.categories["tea"])
    db.session.commit()
    response = office.post(f"/admin/cooperatives/{coop.id}/reject", data={"reason": "Chưa đủ"})
    assert response.status_code == 303
    assert fresh(coop) is not None and not fresh(coop).approved


# --- Ratings ---------------------------------------------------------------------------------


def test_find_a_product_by_gtin_or_name(office, catalog):
    by_gtin = page_of(office.get("/admin/ratings", query_string={"q": catalog.longan.gtin}))
    assert "Nhãn chín muộn" in by_gtin and "Chè xanh" not in by_gtin
    by_name = page_of(office.get("/admin/ratings", query_string={"q": "nhan chin"}))
    assert f"/admin/products/{catalog.longan.id}/ratings" in by_name
    assert "No product matches" in page_of(office.get("/admin/ratings?q=zzzz"))
    assert office.get("/admin/ratings?q=" + "x" * 101).status_code == 400


def test_rating_form_is_labelled(office, catalog):
    page = page_of(office.get(f"/admin/products/{catalog.longan.id}/ratings"))
    for label in ("Score", "Level", "Council", "Certificate number", "Decision date"):
        assert f">{label}</label>" in page, label
    assert ">Record rating<" in page


def shown_date(app, day) -> str:
    """``day`` as the English pages print it."""
    with app.test_request_context("/?lang=en"):
        return app.jinja_env.filters["short_date"](day)


def test_record_a_four_star_rating_then_revoke_it(office, app, catalog):
    decided = today() - timedelta(days=10)
    response = office.post(
        f"/admin/products/{catalog.longan.id}/ratings",
        data={
            "score": "75",
            "level": "provincial",
            "council": "Hội đồng OCOP tỉnh Phú Thọ",
            "certificate_number": "OCOP-PT-2026-07",
            "decision_date": decided.isoformat(),
        },
    )
    assert response.status_code == 303
    rating = db.session.scalars(
        sa.select(OcopRating).where(OcopRating.product_id == catalog.longan.id)
    ).one()
    assert rating.stars == 4 and rating.valid_until == add_months(decided, 36)
    product_page = page_of(office.get("/products/nhan"))
    assert 'aria-label="4 OCOP stars"' in product_page and "OCOP-PT-2026-07" in product_page
    assert shown_date(app, rating.valid_until) in product_page
    history = page_of(office.get(f"/admin/products/{catalog.longan.id}/ratings"))
    assert "OCOP-PT-2026-07" in history and ">Revoke<" in history

    refused = office.post(f"/admin/ratings/{rating.id}/revoke", data={"reason": ""})
    assert refused.status_code == 400
    response = office.post(f"/admin/ratings/{rating.id}/revoke", data={"reason": "Sai hồ sơ"})
    assert response.status_code == 303
    product_page = page_of(office.get("/products/nhan"))
    assert 'aria-label="4 OCOP stars"' not in product_page
    assert "has not been rated" in product_page
    assert fresh(catalog.longan).ocop_stars == 0
    assert (
        office.post(f"/admin/ratings/{rating.id}/revoke", data={"reason": "x"}).status_code == 409
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("score", "101", "between 0 and 100"),
        ("score", "abc", "Not a valid integer"),
        ("council", "", "This field is required"),
        ("level", "global", "Not a valid choice"),
        ("decision_date", (today() + timedelta(days=3)).isoformat(), "cannot be in the future"),
    ],
)
def test_rating_input_is_checked(office, catalog, field, value, message):
    data = {
        "score": "75",
        "level": "national",
        "council": "Hội đồng",
        "certificate_number": "C-1",
        "decision_date": today().isoformat(),
    } | {field: value}
    response = office.post(f"/admin/products/{catalog.longan.id}/ratings", data=data)
    assert response.status_code == 400
    assert message in page_of(response)
    assert fresh(catalog.longan).ratings == []


def test_ratings_expiring_within_60_days_are_listed(office, catalog):
    factories.rate(catalog.herb, 92, add_months(today(), -36) + timedelta(days=30))
    db.session.commit()
    page = page_of(office.get("/admin/ratings"))
    expiring = page[page.index('id="expiring"') :]
    assert "Cao xạ đen" in expiring and "Chuối sấy" not in expiring


# --- Users and roles -------------------------------------------------------------------------


def test_role_changes(office, catalog):
    user = account("lan@example.vn")
    listing = page_of(office.get("/admin/users"))
    assert "lan@example.vn" in listing and "Customer" in listing
    missing = office.post(
        f"/admin/users/{user.id}/role", data={"role": "member", "cooperative": "0"}
    )
    assert missing.status_code == 400 and "Choose the cooperative" in page_of(missing)
    response = office.post(
        f"/admin/users/{user.id}/role", data={"role": "member", "cooperative": str(catalog.viba.id)}
    )
    assert response.status_code == 303
    assert (fresh(user).role, fresh(user).cooperative_id) == (Role.MEMBER, catalog.viba.id)
    assert "Hợp tác xã Chuối Viba" in page_of(office.get("/admin/users"))
    office.post(f"/admin/users/{user.id}/role", data={"role": "admin", "cooperative": "0"})
    assert (fresh(user).role, fresh(user).cooperative_id) == (Role.ADMIN, None)
    assert office.post(f"/admin/users/{user.id}/role", data={"role": "boss"}).status_code == 400


def test_an_admin_cannot_demote_themselves(office):
    me = accounts.by_email("office@ocop.vn")
    response = office.post(f"/admin/users/{me.id}/role", data={"role": "customer"})
    assert response.status_code == 409
    assert fresh(me).role is Role.ADMIN


# --- Orders, transfers and refunds -----------------------------------------------------------


def test_orders_are_listed_newest_first_with_a_detail_page(office, app, catalog):
    first, second = buy(app, catalog.tea), buy(app, catalog.banana)
    listing = page_of(office.get("/admin/orders"))
    assert listing.index(second.number) < listing.index(first.number)
    detail = page_of(office.get(f"/admin/orders/{first.id}"))
    assert first.number in detail and "Chè xanh Mỹ Tân" in detail and "Nguyễn Văn An" in detail
    assert office.get("/admin/orders/999999").status_code == 404
    assert office.get("/admin/orders?page=0").status_code == 400


def test_mark_a_vietqr_transfer_received(office, app, catalog):
    order = buy(app, catalog.tea, "vietqr")
    page = page_of(office.get(f"/admin/orders/{order.id}"))
    assert ">Mark transfer received<" in page
    assert (
        office.post(f"/admin/orders/{order.id}/transfer", data={"amount": "0"}).status_code == 400
    )
    response = office.post(f"/admin/orders/{order.id}/transfer", data={"amount": str(order.total)})
    assert response.status_code == 303
    order = fresh(order)
    assert order.payment_status is PaymentStatus.PAID and order.amount_paid == order.total
    assert all(part.status is PartStatus.PAID for part in order.parts)
    again = office.post(f"/admin/orders/{order.id}/transfer", data={"amount": "1000"})
    assert again.status_code == 303  # money beyond the total is recorded and owed back
    order = fresh(order)
    assert order.amount_paid == order.total + 1000
    assert [(r.amount, r.state) for r in order.refunds] == [(1000, RefundState.OWED)]


def test_transfer_cannot_be_marked_on_a_cash_order(office, app, catalog):
    order = buy(app, catalog.tea, "cod")
    assert (
        office.post(f"/admin/orders/{order.id}/transfer", data={"amount": "1"}).status_code == 409
    )


def paid_card_order(app, catalog, fake_stripe) -> Order:
    order = buy(app, catalog.banana, "card", "2")
    [session] = fake_stripe.sessions.values()
    body, signature = fake_stripe.event(
        "checkout.session.completed", fake_stripe.pay(session["id"])
    )
    response = app.test_client().post(
        "/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert response.status_code == 200
    order = fresh(order)
    assert order.payment_status is PaymentStatus.PAID
    return order


def test_refund_a_card_order_through_stripe(office, app, catalog, fake_stripe):
    order = paid_card_order(app, catalog, fake_stripe)
    page = page_of(office.get(f"/admin/orders/{order.id}"))
    assert ">Refund<" in page
    response = office.post(
        f"/admin/orders/{order.id}/refund",
        data={"amount": str(order.total), "reason": "Hàng bị dập"},
    )
    assert response.status_code == 303, page_of(response)
    [refund] = fake_stripe.refunds
    assert refund["amount"] == order.total
    assert refund["payment_intent"] == order.payments[0].payment_intent
    keys = [key for method, path, key in fake_stripe.requests if path == "/v1/refunds"]
    assert keys == [f"refund-{order.refunds[0].id}"]
    order = fresh(order)
    assert order.payment_status is PaymentStatus.REFUNDED
    assert all(part.status is PartStatus.REFUNDED for part in order.parts)
    [recorded] = db.session.scalars(sa.select(Refund)).all()
    assert recorded.reference == refund["id"] and not recorded.manual
    assert (
        office.post(
            f"/admin/orders/{order.id}/refund", data={"amount": "1", "reason": "again"}
        ).status_code
        == 409
    )


def test_refunding_more_than_was_paid_is_refused(office, app, catalog, fake_stripe):
    order = paid_card_order(app, catalog, fake_stripe)
    response = office.post(
        f"/admin/orders/{order.id}/refund",
        data={"amount": str(order.amount_paid + 1), "reason": "Quá nhiều"},
    )
    assert response.status_code == 400
    assert f"from 1 to {order.amount_paid}" in page_of(response)
    assert fake_stripe.refunds == []
    assert fresh(order).payment_status is PaymentStatus.PAID
    no_reason = office.post(f"/admin/orders/{order.id}/refund", data={"amount": "1000"})
    assert no_reason.status_code == 400 and fake_stripe.refunds == []


def test_partial_then_full_manual_refund_of_a_transfer(office, app, catalog):
    order = buy(app, catalog.tea, "vietqr")
    office.post(f"/admin/orders/{order.id}/transfer", data={"amount": str(order.total)})
    first = office.post(
        f"/admin/orders/{order.id}/refund", data={"amount": "20000", "reason": "Giao chậm"}
    )
    assert first.status_code == 303
    assert fresh(order).payment_status is PaymentStatus.PAID
    too_much = office.post(
        f"/admin/orders/{order.id}/refund", data={"amount": str(order.total), "reason": "Hết"}
    )
    assert too_much.status_code == 400
    rest = office.post(
        f"/admin/orders/{order.id}/refund",
        data={"amount": str(order.total - 20000), "reason": "Hủy"},
    )
    assert rest.status_code == 303
    order = fresh(order)
    assert order.payment_status is PaymentStatus.REFUNDED
    assert all(part.status is PartStatus.REFUNDED for part in order.parts)
    refunds = db.session.scalars(sa.select(Refund).order_by(Refund.id)).all()
    assert [r.amount for r in refunds] == [20000, order.total - 20000]
    assert all(r.manual for r in refunds)


def test_an_unpaid_order_has_nothing_to_refund(office, app, catalog):
    order = buy(app, catalog.tea, "vietqr")
    response = office.post(f"/admin/orders/{order.id}/refund", data={"amount": "1", "reason": "x"})
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("score", "level", "status", "shown"),
    [
        ("40", "provincial", 400, "Below 50 points a product is not recognised as OCOP"),
        ("89", "national", 400, "The central council recognises 5 stars only"),
        ("60", "district", 400, "District councils no longer rate products"),
        ("95", "provincial", 303, None),
    ],
)
def test_the_office_form_follows_the_ocop_rules(office, catalog, score, level, status, shown):
    response = office.post(
        f"/admin/products/{catalog.longan.id}/ratings",
        data={
            "score": score,
            "level": level,
            "council": "Hội đồng OCOP tỉnh Phú Thọ",
            "certificate_number": f"OCOP-PT-{score}",
            "decision_date": (today() - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == status
    if shown:
        assert shown in page_of(response)
        return
    product_page = page_of(office.get("/products/nhan"))
    assert 'aria-label="4 OCOP stars"' in product_page and "proposed for 5 stars" in product_page


def test_a_rating_under_50_points_from_the_old_rules_shows_no_ocop(office, catalog):
    db.session.add(
        OcopRating(
            product_id=catalog.longan.id,
            score=40,
            stars=2,
            level=OcopLevel.PROVINCIAL,
            council="Hội đồng cũ",
            certificate_number="OLD-40",
            decision_date=today() - timedelta(days=30),
            valid_until=add_months(today() - timedelta(days=30), 36),
        )
    )
    db.session.commit()
    page = page_of(office.get("/products/nhan"))
    assert "★★☆☆☆" not in page and "2 OCOP stars" not in page
    assert "2-star rating" not in page and "not been rated by an OCOP council" in page


def test_a_suspended_cooperative_stops_selling_and_its_pages_say_why(office, app, catalog):
    from shop.models import Unit
    from shop.services import tracing

    batch = factories.lot(catalog.banana, code="VB-SUSP")
    [unit] = tracing.generate_units(batch, 1)
    db.session.commit()
    refused = office.post(f"/admin/cooperatives/{catalog.viba.id}/suspend", data={"reason": ""})
    assert refused.status_code == 400
    response = office.post(
        f"/admin/cooperatives/{catalog.viba.id}/suspend",
        data={"reason": "Nhãn sai thông tin"},
    )
    assert response.status_code == 303
    visitor = app.test_client()
    assert visitor.get("/products/chuoi-say").status_code == 404  # off the catalog
    page = visitor.get(f"/cooperatives/{catalog.viba.slug}").get_data(as_text=True)
    assert "Nhãn sai thông tin" in page and "Chuối sấy dẻo Viba" not in page
    trace = visitor.get(f"/01/{catalog.banana.gtin}/10/VB-SUSP/21/{unit.serial}").get_data(
        as_text=True
    )
    assert "Nhãn sai thông tin" in trace and "Hàng chính hãng" not in trace
    member = app.test_client()
    factories.sign_in(member, factories.user("member", cooperative=catalog.viba))
    assert "Nhãn sai thông tin" in member.get("/coop/").get_data(as_text=True)
    assert member.post(f"/coop/lots/{batch.id}/labels", data={"count": "1"}).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 1
    assert (
        office.post(
            f"/admin/cooperatives/{catalog.viba.id}/reject", data={"reason": "x"}
        ).status_code
        == 409
    )
    back = office.post(f"/admin/cooperatives/{catalog.viba.id}/reinstate")
    assert back.status_code == 303
    assert visitor.get("/products/chuoi-say").status_code == 200
