"""Edges of the stock rules and of the reconciliation scan (found by mutation testing)."""

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import Refund, StockMovement
from shop.services import inventory, orders, reconcile
from shop.services.errors import Conflict, InvalidInput
from shop.services.pricing import DeliveryRule
from tests import factories

HANOI = orders.Delivery("B", "0912345678", "b@example.vn", "Hà Nội", "Phường Ba Đình", "1 Phố")


def fresh_product(catalog, stock=0):
    product = factories.product(catalog.viba, catalog.banana.category, stock=0)
    inventory.opening(product, stock)
    return product


def movements(product) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(StockMovement.delta)
            .where(StockMovement.product_id == product.id)
            .order_by(StockMovement.id)
        )
    )


def test_stock_changes_within_bounds(catalog):
    product = fresh_product(catalog)
    assert movements(product) == []  # an opening stock of 0 writes nothing
    assert inventory.adjust(product, inventory.MAX_STOCK, "harvest") == inventory.MAX_STOCK
    with pytest.raises(Conflict):
        inventory.adjust(product, 1, "one too many")
    assert inventory.adjust(product, -inventory.MAX_STOCK, "sold at the market") == 0
    with pytest.raises(Conflict):
        inventory.adjust(product, -1, "below zero")
    for bad in (0, inventory.MAX_STOCK + 1, -inventory.MAX_STOCK - 1, 1.5, "3"):
        with pytest.raises(InvalidInput):
            inventory.adjust(product, bad, "bad")
    assert movements(product) == [inventory.MAX_STOCK, -inventory.MAX_STOCK]


@pytest.mark.parametrize("stock", [-1, inventory.MAX_STOCK + 1])
def test_an_opening_stock_out_of_range_is_refused(catalog, stock):
    product = factories.product(catalog.viba, catalog.banana.category, stock=0)
    with pytest.raises(InvalidInput):
        inventory.opening(product, stock)


def test_opening_stock_is_one_movement(catalog):
    product = fresh_product(catalog, 7)
    assert movements(product) == [7]
    db.session.refresh(product)
    assert product.stock == 7


def test_reconcile_scans_in_batches_newest_first_within_limits(catalog, monkeypatch):
    monkeypatch.setattr(reconcile, "BATCH", 2)
    placed = [
        orders.place_order({catalog.tea.id: 1}, HANOI, orders.PaymentMethod.COD, DeliveryRule(), {})
        for _ in range(5)
    ]
    for order in (placed[0], placed[2]):  # two orders whose money disagrees
        db.session.add(Refund(order=order, amount=1000, provider=orders.Provider.COD))
    db.session.commit()
    assert [m.order.id for m in reconcile.find()] == [placed[2].id, placed[0].id]
    assert [m.order.id for m in reconcile.find(limit=1)] == [placed[2].id]
    assert [m.order.id for m in reconcile.find(scan=2)] == []  # the newest two are fine
    assert [m.order.id for m in reconcile.find(scan=3)] == [placed[2].id]
    assert [m.order.id for m in reconcile.find(scan=6)] == [placed[2].id, placed[0].id]


def test_reconcile_reads_a_batch_in_a_fixed_number_of_queries(catalog, count_queries):
    def queries_for_find() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            reconcile.find()
        return len(statements)

    rule = DeliveryRule()
    orders.place_order({catalog.tea.id: 1}, HANOI, orders.PaymentMethod.COD, rule, {})
    db.session.commit()
    few = queries_for_find()
    for _ in range(8):  # the tea's whole stock is 10
        orders.place_order({catalog.tea.id: 1}, HANOI, orders.PaymentMethod.COD, rule, {})
    db.session.commit()
    assert queries_for_find() == few  # parts, lines, payments, refunds and the ledger per batch


def test_the_largest_opening_stock_is_taken_and_recorded_as_such(catalog):
    product = fresh_product(catalog, inventory.MAX_STOCK)
    assert product.stock == inventory.MAX_STOCK
    (movement,) = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.product_id == product.id)
    ).all()
    assert (movement.delta, movement.reason) == (inventory.MAX_STOCK, "opening stock")
