"""The cart: quantities per product, checked against stock, grouped by cooperative.

A cart is a plain ``{product_id: quantity}`` dict. Guests keep it in their signed
session; signed-in buyers in the database (``CartItem``). The service never
sees where it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, selectinload

from shop.extensions import db
from shop.models import CartItem, Cooperative, Product
from shop.services.errors import Conflict, InvalidInput, NotFound
from shop.services.pricing import DeliveryRule

MAX_LINES = 50

Items = dict[int, int]


@dataclass
class CartLine:
    product: Product
    quantity: int

    @property
    def total(self) -> int:
        return self.product.price * self.quantity


@dataclass
class CartGroup:
    """What one cooperative will ship: its lines, subtotal and delivery fee."""

    cooperative: Cooperative
    lines: list[CartLine] = field(default_factory=list)
    delivery_fee: int = 0

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def grams(self) -> int:
        """The parcel's weight, from its packages' weights."""
        return sum(line.product.weight_grams * line.quantity for line in self.lines)


@dataclass
class CartSummary:
    groups: list[CartGroup]
    problems: list[str]

    @property
    def subtotal(self) -> int:
        return sum(g.subtotal for g in self.groups)

    @property
    def delivery_total(self) -> int:
        return sum(g.delivery_fee for g in self.groups)

    @property
    def total(self) -> int:
        return self.subtotal + self.delivery_total

    @property
    def count(self) -> int:
        return sum(line.quantity for g in self.groups for line in g.lines)

    def is_empty(self) -> bool:
        return not self.groups


def _products(ids) -> dict[int, Product]:
    query = (
        sa.select(Product)
        .join(Product.cooperative)
        .where(Product.id.in_(list(ids)), Product.active.is_(True), Cooperative.approved.is_(True))
        .options(contains_eager(Product.cooperative), selectinload(Product.images))
    )
    return {p.id: p for p in db.session.scalars(query)}


def parse_quantity(raw) -> int:
    """A quantity typed by a person: a whole number from 1 up."""
    try:
        quantity = int(str(raw).strip())
    except (TypeError, ValueError):
        raise InvalidInput(_l("The quantity must be a whole number.")) from None
    if quantity < 1:
        raise InvalidInput(_l("The quantity must be at least 1."))
    return quantity


def set_quantity(items: Items, product_id: int, quantity: int, *, add: bool = False) -> Items:
    """A new cart with ``product_id`` at ``quantity`` (or that many more), within stock."""
    product = _products([product_id]).get(product_id)
    if product is None:
        raise NotFound(_l("This product is not for sale."))
    if product.sales_paused_at is not None:
        raise Conflict(
            _l("Sales of %(name)s are paused while a lot is recalled.", name=product.name_vi)
        )
    wanted = quantity + (items.get(product_id, 0) if add else 0)
    if product.stock < 1:
        raise InvalidInput(_l("%(name)s is sold out.", name=product.name_vi))
    if wanted > product.stock:
        raise InvalidInput(
            _l("Only %(n)s of %(name)s are in stock.", n=product.stock, name=product.name_vi)
        )
    if product_id not in items and len(items) >= MAX_LINES:
        raise InvalidInput(_l("A cart holds at most %(n)s different products.", n=MAX_LINES))
    return {**items, product_id: wanted}


def remove(items: Items, product_id: int) -> Items:
    return {pid: qty for pid, qty in items.items() if pid != product_id}


def summarize(items: Items, rule: DeliveryRule, to_province: str | None = None) -> CartSummary:
    """Lines grouped by cooperative with delivery fees; gone or short items are reported."""
    products = _products(items)
    groups: dict[int, CartGroup] = {}
    problems: list[str] = []
    for product_id, quantity in items.items():
        product = products.get(product_id)
        if product is None:
            problems.append(
                str(_l("A product in your cart is no longer for sale and was left out."))
            )
            continue
        if product.sales_paused_at is not None:
            problems.append(
                str(
                    _l(
                        "Sales of %(name)s are paused while a lot is recalled; it was left out.",
                        name=product.name_vi,
                    )
                )
            )
            continue
        if quantity > product.stock:
            problems.append(
                str(
                    _l(
                        "Only %(n)s of %(name)s are in stock.",
                        n=product.stock,
                        name=product.name_vi,
                    )
                )
            )
        group = groups.setdefault(product.cooperative_id, CartGroup(product.cooperative))
        group.lines.append(CartLine(product, quantity))
    for group in groups.values():
        group.delivery_fee = rule.fee(
            group.subtotal, group.cooperative.province, to_province, group.grams
        )
    ordered = sorted(groups.values(), key=lambda g: g.cooperative.name)
    return CartSummary(ordered, problems)


def clean(items) -> Items:
    """A cart read back from a cookie or a form: only positive integer pairs survive."""
    cleaned: Items = {}
    for key, value in (items or {}).items():
        try:
            product_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            continue
        if product_id > 0 and quantity > 0:
            cleaned[product_id] = quantity
    return cleaned


def load_user_cart(user_id: int) -> Items:
    rows = db.session.execute(
        sa.select(CartItem.product_id, CartItem.quantity).where(CartItem.user_id == user_id)
    )
    return dict(rows.all())


def save_user_cart(user_id: int, items: Items) -> None:
    """Make the stored cart equal ``items``."""
    existing = {
        c.product_id: c
        for c in db.session.scalars(sa.select(CartItem).where(CartItem.user_id == user_id))
    }
    for product_id, row in existing.items():
        if product_id not in items:
            db.session.delete(row)
    for product_id, quantity in items.items():
        if product_id in existing:
            existing[product_id].quantity = quantity
        else:
            db.session.add(CartItem(user_id=user_id, product_id=product_id, quantity=quantity))
    db.session.flush()


def merge(guest: Items, stored: Items) -> Items:
    """A guest's cart joined to the stored one on sign-in; quantities add up, capped at stock."""
    merged = dict(stored)
    for product_id, quantity in guest.items():
        merged[product_id] = merged.get(product_id, 0) + quantity
    products = _products(merged)
    return {
        pid: min(qty, products[pid].stock)
        for pid, qty in merged.items()
        if pid in products and products[pid].stock > 0
    }
