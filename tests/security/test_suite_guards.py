"""Guards the suite once lacked: CSRF on every state-changing route, cooperatives kept apart
by what their pages show, stars that lapse on the day, tokens that expire, signed events
that go stale.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import Order
from shop.services import accounts, orders, ratings
from shop.services.pricing import DeliveryRule
from tests import factories
from tests.web.test_authorization import url_for_rule, world  # noqa: F401  (fixture)

# A webhook signs its body; an unsubscribe link carries its own signed token and mail apps
# post it without a form (RFC 8058): both are exempt by design, and nothing else is.
CSRF_EXEMPT = {"checkout.stripe_webhook", "auth.unsubscribe"}


@pytest.fixture
def csrf_app(app):
    """The test app with CSRF checked, as in production (the same app, so that on
    PostgreSQL its requests see the test's own transaction)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("visitor", ["customer", "member_a", "admin"])
def test_every_state_changing_route_refuses_a_missing_csrf_token(csrf_app, world, visitor):  # noqa: F811
    accounts_, values = world
    client = csrf_app.test_client()
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed_in = client.post(
        "/account/login",
        data={
            "email": accounts_[visitor].email,
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
    )
    assert signed_in.status_code == 302
    checked = []
    for rule in csrf_app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in CSRF_EXEMPT:
            continue
        action = "hide" if rule.rule.startswith("/admin/") else "prepare"
        known = values | {"action": action, "token": "t", "slug": "chuoi-say"}
        if rule.arguments - known.keys():
            continue
        url = url_for_rule(csrf_app, rule, known)
        response = client.post(url, data={"product_id": values["product_id"], "quantity": "1"})
        assert response.status_code == 400, f"{url} accepted a POST without a CSRF token"
        checked.append(rule.endpoint)
    assert {
        "checkout.checkout",
        "checkout.cancel",
        "cart.add",
        "auth.logout",
        "trace.report_counterfeit",
    } <= set(checked)
    assert len(checked) > 30
    # and nothing changed: the one order of the world is still as it was
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1


def test_a_cooperative_never_sees_anothers_products_orders_or_sales(app, catalog):
    tea = catalog.tea  # Thái Sơn's: low stock, and a delivered order worth 360.000 ₫
    tea.stock = 3
    order = orders.place_order(
        {tea.id: 3},
        orders.Delivery("B", "0912345678", "b@example.vn", "Hà Nội", "Phường Ba Đình", "1 Phố"),
        orders.PaymentMethod.COD,
        DeliveryRule(),
        {},
    )
    for status in ("processing", "shipped", "delivered"):
        orders.transition(order.parts[0], orders.PartStatus(status))
    db.session.commit()
    client = app.test_client()
    factories.sign_in(client, factories.user("member", cooperative=catalog.viba))
    pages = ["/coop/", "/coop/products", "/coop/orders", "/coop/products.csv", "/coop/team"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for secret in (tea.name_vi, order.number, "360.000", tea.gtin, "Thái Sơn"):
            assert secret not in text, f"{secret!r} of another cooperative on {url}"


def test_stars_disappear_the_day_after_a_rating_lapses(client, catalog):
    """Even before the nightly job zeroes the copied stars, no page shows them."""
    product = factories.product(catalog.viba, catalog.banana.category, name_vi="Mứt gừng Lạng")
    lapsed_yesterday = ratings.add_months(today() - timedelta(days=1), -36)
    rating = factories.rate(product, 85, lapsed_yesterday + timedelta(days=1))  # until today
    db.session.commit()
    assert product.ocop_stars == 4
    # Midnight passes: the rating lapsed yesterday; the copied stars stay until tonight's job.
    product.ocop_valid_until = rating.valid_until = today() - timedelta(days=1)
    db.session.commit()
    pages = [
        "/products?q=M%E1%BB%A9t+g%E1%BB%ABng",
        "/products?q=mut+gung&sort=stars",
        f"/products/{product.slug}",
    ]
    for url in pages:
        text = client.get(url).get_data(as_text=True)
        assert "Mứt gừng Lạng" in text, url
        assert "4 sao OCOP" not in text and "★★★★" not in text, url
    assert (
        client.get("/products?stars=4&q=mut+gung").get_data(as_text=True).count("Mứt gừng Lạng")
        == 0
    )


def test_reset_links_last_an_hour_and_invitations_a_week(app, catalog, monkeypatch):
    account = factories.user()
    secret = app.config["SECRET_KEY"]
    token = accounts.reset_token(account, secret)
    assert accounts.user_for_reset_token(token, secret) == account
    later = time.time() + accounts.RESET_MAX_AGE + 5
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Exception, match=r"(?i)expired|hết hạn"):
        accounts.user_for_reset_token(token, secret)
    assert accounts.RESET_MAX_AGE == 3600 and accounts.INVITE_MAX_AGE == 7 * 24 * 3600


def test_a_stripe_event_signed_long_ago_is_refused(client, catalog, fake_stripe):
    from tests.fake_stripe import sign

    body, _ = fake_stripe.event("checkout.session.completed", {"id": "cs_x", "object": "x"})
    stale = sign(body, timestamp=int(time.time()) - 3600)
    response = client.post(
        "/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": stale},
    )
    assert response.status_code == 400
