"""The cart's rules as the buyer reads them: quantities within stock to the last packet,
each refusal word for word, parcels grouped by cooperative with the weight of what is in
them, and a cart read back from a cookie or merged on sign-in never holding what cannot be
bought."""

from __future__ import annotations

import pytest
from flask_babel import gettext

from shop.clock import utcnow
from shop.extensions import db
from shop.models import CartItem
from shop.services import cart
from shop.services.errors import Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.test_orders import RULE
from tests.services.test_refusals import refused


def test_a_quantity_is_a_whole_number_from_one(app):
    assert [cart.parse_quantity(raw) for raw in ("1", " 7 ", 3)] == [1, 7, 3]
    for raw in ("", "abc", "1.5", None):
        refused(
            InvalidInput,
            lambda r=raw: cart.parse_quantity(r),
            "The quantity must be a whole number.",
        )
    for raw in ("0", "-2"):
        refused(
            InvalidInput, lambda r=raw: cart.parse_quantity(r), "The quantity must be at least 1."
        )


def test_quantities_stay_within_stock_to_the_last_packet(catalog):
    tea = catalog.tea  # 10 in stock
    items = cart.set_quantity({}, tea.id, 4)
    assert items == {tea.id: 4}
    assert cart.set_quantity(items, tea.id, 6, add=True) == {tea.id: 10}  # all of it
    assert cart.set_quantity(items, tea.id, 2) == {tea.id: 2}  # set, not added
    assert cart.set_quantity({}, tea.id, 3, add=True) == {tea.id: 3}  # added to nothing
    tea.stock = 1
    assert cart.set_quantity({}, tea.id, 1) == {tea.id: 1}  # the last packet
    tea.stock = 10
    refused(
        InvalidInput,
        lambda: cart.set_quantity(items, tea.id, 7, add=True),
        "Only %(n)s of %(name)s are in stock.",
        n=10,
        name=tea.name_vi,
    )
    tea.stock = 0
    refused(
        InvalidInput,
        lambda: cart.set_quantity({}, tea.id, 1),
        "%(name)s is sold out.",
        name=tea.name_vi,
    )
    tea.stock, tea.sales_paused_at = 10, utcnow()
    refused(
        Conflict,
        lambda: cart.set_quantity({}, tea.id, 1),
        "Sales of %(name)s are paused while a lot is recalled.",
        name=tea.name_vi,
    )
    tea.sales_paused_at, tea.active = None, False
    refused(NotFound, lambda: cart.set_quantity({}, tea.id, 1), "This product is not for sale.")
    tea.active = True
    catalog.thai_son.approved = False
    refused(NotFound, lambda: cart.set_quantity({}, tea.id, 1), "This product is not for sale.")
    assert items == {tea.id: 4}  # the cart given is never changed


def test_a_cart_holds_fifty_different_products(catalog):
    full = {10_000 + n: 1 for n in range(cart.MAX_LINES - 1)}
    assert len(cart.set_quantity(full, catalog.tea.id, 1)) == cart.MAX_LINES  # the 50th
    full[catalog.banana.id] = 1
    refused(
        InvalidInput,
        lambda: cart.set_quantity(full, catalog.tea.id, 1),
        "A cart holds at most %(n)s different products.",
        n=cart.MAX_LINES,
    )
    assert cart.set_quantity(full, catalog.banana.id, 2) == full | {catalog.banana.id: 2}
    assert cart.remove(full, catalog.banana.id) == {
        k: v for k, v in full.items() if k != catalog.banana.id
    }


def test_a_summary_groups_parcels_by_cooperative_with_their_weight_and_fee(catalog):
    catalog.tea.weight_grams, catalog.banana.weight_grams = 600, 250
    catalog.banana.stock = 1  # all there is: no problem to report
    catalog.longan.weight_grams = 100
    items = {catalog.tea.id: 2, catalog.banana.id: 1, catalog.longan.id: 3}
    summary = cart.summarize(items, RULE, "Hà Nội")
    viba, thai_son = summary.groups  # by cooperative name, whatever the cart's order
    assert [viba.cooperative, thai_son.cooperative] == [catalog.viba, catalog.thai_son]
    assert [(line.product, line.quantity) for line in viba.lines] == [
        (catalog.banana, 1),
        (catalog.longan, 3),
    ]
    assert (viba.subtotal, viba.grams) == (85_000 + 3 * 90_000, 250 + 300)
    assert (thai_son.subtotal, thai_son.grams) == (240_000, 1_200)
    assert viba.delivery_fee == RULE.fee(viba.subtotal, "Phú Thọ", "Hà Nội", 550) == 25_000
    assert thai_son.delivery_fee == RULE.fee(240_000, "Lào Cai", "Hà Nội", 1_200) == 30_000
    assert summary.subtotal == 595_000 and summary.delivery_total == 55_000
    assert summary.total == 650_000 and summary.count == 6
    assert summary.problems == [] and not summary.is_empty()
    assert cart.summarize({}, RULE).is_empty()


def test_a_summary_leaves_out_what_cannot_be_bought_and_says_why(catalog):
    catalog.longan.active = False
    catalog.herb.sales_paused_at = utcnow()
    items = {catalog.longan.id: 1, catalog.herb.id: 1, catalog.tea.id: 12, catalog.banana.id: 1}
    summary = cart.summarize(items, RULE, "Hà Nội")
    assert summary.problems == [
        gettext("A product in your cart is no longer for sale and was left out."),
        gettext(
            "Sales of %(name)s are paused while a lot is recalled; it was left out.",
            name=catalog.herb.name_vi,
        ),
        gettext("Only %(n)s of %(name)s are in stock.", n=10, name=catalog.tea.name_vi),
    ]
    kept = {line.product.id: line.quantity for g in summary.groups for line in g.lines}
    assert kept == {catalog.tea.id: 12, catalog.banana.id: 1}  # short, but shown to be fixed


@pytest.mark.parametrize(
    "raw, kept",
    [
        ({"5": "2", 6: 1, "1": 1}, {5: 2, 6: 1, 1: 1}),
        ({"0": 1, "7": 0, "-1": 3, "8": -2}, {}),
        ({"x": 1, "9": "y", "10": None, "11": 1.0}, {11: 1}),
        (None, {}),
    ],
)
def test_a_cart_read_back_keeps_only_positive_whole_pairs(raw, kept):
    assert cart.clean(raw) == kept


def test_a_stored_cart_becomes_what_it_is_set_to(catalog):
    buyer = factories.user()
    cart.save_user_cart(buyer.id, {catalog.tea.id: 2, catalog.banana.id: 1})
    assert cart.load_user_cart(buyer.id) == {catalog.tea.id: 2, catalog.banana.id: 1}
    cart.save_user_cart(buyer.id, {catalog.banana.id: 4, catalog.longan.id: 1})
    assert cart.load_user_cart(buyer.id) == {catalog.banana.id: 4, catalog.longan.id: 1}
    other = factories.user()
    cart.save_user_cart(other.id, {catalog.tea.id: 1})
    assert cart.load_user_cart(buyer.id) == {catalog.banana.id: 4, catalog.longan.id: 1}
    assert db.session.query(CartItem).filter_by(user_id=buyer.id).count() == 2


def test_a_guest_cart_joins_the_stored_one_within_stock(catalog):
    catalog.longan.stock = 0
    catalog.herb.active = False
    stored = {catalog.tea.id: 6, catalog.banana.id: 1}
    guest = {catalog.tea.id: 7, catalog.longan.id: 1, catalog.herb.id: 2, 99_999: 1}
    assert cart.merge(guest, stored) == {catalog.tea.id: 10, catalog.banana.id: 1}
    assert cart.merge({catalog.banana.id: 2}, {}) == {catalog.banana.id: 2}


def test_a_summary_reads_its_products_their_producers_and_photos_at_once(catalog, count_queries):
    """Two queries whatever the cart holds (the products with their producers, their photos);
    the cart page then reads no more; only the products asked for are loaded."""
    items = {catalog.tea.id: 1, catalog.banana.id: 1, catalog.longan.id: 1}
    db.session.expire_all()
    with count_queries() as statements:
        summary = cart.summarize(items, RULE, "Hà Nội")
        for group in summary.groups:
            assert group.cooperative.name
            for line in group.lines:
                assert line.product.cooperative.province and line.product.images == []
    assert len(statements) == 2
    assert set(cart._products([catalog.tea.id])) == {catalog.tea.id}
