"""Stock: the only code that changes a product's stock, always by a delta under a row lock.

Every change is written to the ledger (``StockMovement``), so what an order part
holds can be checked against what it took (see ``reconcile``).
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.extensions import db
from shop.models import OrderPart, Product, StockMovement
from shop.services.errors import Conflict, InvalidInput

MAX_STOCK = 1_000_000


class SoldOut(Conflict):
    """Not enough stock left for a line of the order."""


def lock(product_ids: list[int]) -> dict[int, Product]:
    """Lock the products' rows in id order, so two checkouts can never deadlock.

    FOR NO KEY UPDATE: it serializes stock changes, yet does not wait for the key-share
    locks that inserting an order line (its foreign key) takes on the same row.
    """
    rows = db.session.scalars(
        sa.select(Product)
        .where(Product.id.in_(sorted(set(product_ids))))
        .order_by(Product.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).all()
    return {product.id: product for product in rows}


def _move(product_id: int, delta: int, reason: str, part: OrderPart | None = None) -> bool:
    """Apply ``delta`` if stock stays within bounds; the guard and the change are one statement."""
    guard = Product.stock + delta >= 0 if delta < 0 else Product.stock + delta <= MAX_STOCK
    changed = db.session.execute(
        sa.update(Product)
        .where(Product.id == product_id, guard)
        .values(stock=Product.stock + delta)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        return False
    db.session.add(
        StockMovement(
            product_id=product_id,
            part_id=part.id if part is not None else None,
            delta=delta,
            reason=reason[:120],
        )
    )
    return True


def hold_for(parts: list[OrderPart]) -> None:
    """Take the stock of every line of ``parts`` (flushed), or raise SoldOut and take nothing."""
    wanted = [(line.product_id, line.quantity, part) for part in parts for line in part.lines]
    products = lock([pid for pid, _, _ in wanted if pid is not None])
    for product in products.values():
        if product.sales_paused_at is not None:  # a recall began since the cart was read
            raise SoldOut(
                _l("Sorry, sales of %(name)s are paused: a lot is recalled.", name=product.name_vi)
            )
    for product_id, quantity, part in sorted(wanted, key=lambda w: (w[0] or 0, w[2].id)):
        if product_id is None:
            continue
        if not _move(product_id, -quantity, "order", part):
            name = products[product_id].name_vi if product_id in products else "?"
            raise SoldOut(_l("Sorry, %(name)s has just sold out.", name=name))
    for part in parts:
        part.stock_returned = False
    db.session.flush()
    for product in products.values():  # changed by UPDATE statements, behind the ORM's back
        db.session.expire(product, ["stock"])


def release(part: OrderPart, reason: str) -> None:
    """Give back what ``part`` holds, once."""
    if part.stock_returned:
        return
    quantities: Counter[int] = Counter()
    for line in part.lines:
        if line.product_id is not None:
            quantities[line.product_id] += line.quantity
    lock(list(quantities))
    for product_id in sorted(quantities):
        _move(product_id, quantities[product_id], reason, part)
    part.stock_returned = True
    db.session.flush()


def adjust(product: Product, delta: int, reason: str) -> int:
    """Units received (positive) or removed (negative) by the cooperative; the new stock."""
    if not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_STOCK:
        raise InvalidInput(_l("Give a number of units to add or remove, other than 0."))
    lock([product.id])
    if not _move(product.id, delta, reason):
        raise Conflict(
            _l(
                "Only %(n)s in stock: you cannot remove %(k)s.",
                n=product.stock,
                k=-delta,
            )
            if delta < 0
            else _l("Stock cannot go above 1,000,000.")
        )
    db.session.flush()
    db.session.refresh(product)
    return product.stock


def opening(product: Product, stock: int) -> None:
    """The first stock of a product just created (flushed so it has an id)."""
    if not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(_l("The stock is a whole number from 0 to 1,000,000."))
    if stock:
        adjust(product, stock, "opening stock")
