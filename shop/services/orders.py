"""Placing orders, taking and returning stock, and the one table of allowed status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    Order,
    OrderLine,
    OrderPart,
    PartStatus,
    PartStatusChange,
    PaymentMethod,
    PaymentStatus,
    Product,
)
from shop.services import cart as carts
from shop.services.errors import Conflict, DomainError, InvalidInput, NotFound
from shop.services.pricing import DeliveryRule

S = PartStatus
TRANSITIONS: dict[PartStatus, set[PartStatus]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED, S.CONFIRMED},  # confirmed: switched to cash
    S.PAID: {S.PROCESSING, S.CANCELLED, S.REFUNDED},
    S.CONFIRMED: {S.PROCESSING, S.CANCELLED},
    S.PROCESSING: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.REFUNDED},
    S.CANCELLED: {S.REFUNDED, S.PAID},  # paid: a late payment revives an expired order
    S.REFUNDED: set(),
}
# Before it leaves the cooperative, the buyer may still cancel a part.
CANCELLABLE = {S.PENDING_PAYMENT, S.PAID, S.CONFIRMED, S.PROCESSING}
STRIPE_MAX_AMOUNT = 99_999_999


class IllegalTransition(Conflict):
    """A status change the transition table does not allow."""


class SoldOut(Conflict):
    """Not enough stock left for a line of the order."""


@dataclass(frozen=True)
class Delivery:
    """Who receives the order and where (already validated by the form)."""

    full_name: str
    phone: str
    email: str
    province: str
    ward: str
    street: str
    note: str = ""


def transition(part: OrderPart, to: PartStatus, reason: str = "") -> None:
    """Move a part to ``to``, or raise IllegalTransition; every change is recorded."""
    if to not in TRANSITIONS[part.status]:
        raise IllegalTransition(
            _l("An order part cannot go from %(a)s to %(b)s.", a=part.status.value, b=to.value)
        )
    part.history.append(
        PartStatusChange(from_status=part.status.value, to_status=to.value, reason=reason)
    )
    part.status = to


def hold_time(method: PaymentMethod, holds: dict[str, int]) -> timedelta | None:
    """How long unpaid card or transfer orders keep their stock (minutes from config)."""
    minutes = holds.get(method.value)
    return timedelta(minutes=minutes) if minutes else None


def place_order(
    items: carts.Items,
    delivery: Delivery,
    method: PaymentMethod,
    rule: DeliveryRule,
    holds: dict[str, int],
    *,
    user_id: int | None = None,
    language: str = "vi",
) -> Order:
    """Turn a cart into an order, taking its stock in the same transaction.

    Prices come from the database, never from the buyer. Raises SoldOut when a line
    cannot be served in full; the caller rolls back and nothing is taken.
    """
    if not items:
        raise InvalidInput(_l("Your cart is empty."))
    summary = carts.summarize(items, rule, delivery.province)
    on_sale = {line.product.id for group in summary.groups for line in group.lines}
    if set(items) - on_sale:
        raise Conflict(_l("Some products in your cart are no longer for sale. Check your cart."))
    if method is PaymentMethod.CARD and summary.total > STRIPE_MAX_AMOUNT:
        raise InvalidInput(_l("Card payments are limited to 99,999,999 ₫. Choose another method."))
    take_stock(items)
    now = utcnow()
    hold = hold_time(method, holds)
    order = Order(
        user_id=user_id,
        language=language,
        payment_method=method,
        payment_status=PaymentStatus.ON_DELIVERY
        if method is PaymentMethod.COD
        else PaymentStatus.UNPAID,
        subtotal=summary.subtotal,
        delivery_total=summary.delivery_total,
        total=summary.total,
        expires_at=now + hold if hold else None,
        placed_at=now,
        **delivery.__dict__,
    )
    first = S.CONFIRMED if method is PaymentMethod.COD else S.PENDING_PAYMENT
    for group in summary.groups:
        part = OrderPart(
            cooperative_id=group.cooperative.id,
            status=first,
            subtotal=group.subtotal,
            delivery_fee=group.delivery_fee,
        )
        part.lines = [
            OrderLine(
                product_id=line.product.id,
                name=line.product.name_vi,
                unit=line.product.unit,
                unit_price=line.product.price,
                quantity=line.quantity,
            )
            for line in group.lines
        ]
        order.parts.append(part)
    db.session.add(order)
    db.session.flush()
    order.number = f"OCOP-{now:%Y}-{order.id:06d}"
    db.session.flush()
    return order


def take_stock(items: carts.Items) -> None:
    """Decrease stock for every line, rows locked in id order so checkouts cannot deadlock."""
    ids = sorted(items)
    names = dict(
        db.session.execute(
            sa.select(Product.id, Product.name_vi)
            .where(Product.id.in_(ids))
            .order_by(Product.id)
            .with_for_update()
        ).all()
    )
    for product_id in ids:
        # The guard in the WHERE clause makes the check and the decrement one atomic step.
        taken = db.session.execute(
            sa.update(Product)
            .where(Product.id == product_id, Product.stock >= items[product_id])
            .values(stock=Product.stock - items[product_id])
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise SoldOut(_l("Sorry, %(name)s has just sold out.", name=names.get(product_id, "?")))
    db.session.expire_all()


def return_stock(order: Order) -> None:
    """Give back the stock the order's parts still hold (each part once)."""
    for part in order.parts:
        _return_part_stock(part)


def _return_part_stock(part: OrderPart) -> None:
    if not part.stock_returned:
        _return_lines(part.lines)
        part.stock_returned = True


def _return_lines(lines: list[OrderLine]) -> None:
    quantities: dict[int, int] = {}
    for line in lines:
        if line.product_id is not None:
            quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    for product_id in sorted(quantities):
        db.session.execute(
            sa.update(Product)
            .where(Product.id == product_id)
            .values(stock=Product.stock + quantities[product_id])
            .execution_options(synchronize_session=False)
        )


def cancel_order(order: Order, reason: str) -> None:
    """The buyer cancels: every part not yet shipped is cancelled and its stock returned."""
    if not all(part.status in CANCELLABLE for part in order.parts):
        raise IllegalTransition(
            _l("Part of this order has already shipped; it can no longer be cancelled.")
        )
    for part in order.parts:
        transition(part, S.CANCELLED, reason)
    return_stock(order)
    if order.payment_status is PaymentStatus.UNPAID:
        order.payment_status = PaymentStatus.EXPIRED
    db.session.flush()


def cancel_part(part: OrderPart, reason: str) -> None:
    """The cooperative cannot serve its part: cancel it alone and return its stock."""
    transition(part, S.CANCELLED, reason)
    _return_part_stock(part)
    db.session.flush()


def record_payment(order: Order, amount: int) -> None:
    """Money arrived for ``order``: parts awaiting payment become paid; mismatches are flagged."""
    if order.payment_status is PaymentStatus.PAID:
        return
    order.amount_paid = amount
    order.amount_mismatch = amount != order.total
    order.payment_status = PaymentStatus.PAID
    if any(part.stock_returned for part in order.parts):
        _retake_stock_after_late_payment(order)
    for part in order.parts:
        if part.status is S.PENDING_PAYMENT:
            transition(part, S.PAID, "payment received")
    if order.amount_mismatch:
        order.attention = f"Paid {amount} đồng for a total of {order.total}."
    db.session.flush()


def _retake_stock_after_late_payment(order: Order) -> None:
    """A payment that arrives after the hold expired: serve it if stock allows, else flag it."""
    returned = [part for part in order.parts if part.stock_returned]
    items: carts.Items = {}
    for line in (line for part in returned for line in part.lines):
        if line.product_id is not None:
            items[line.product_id] = items.get(line.product_id, 0) + line.quantity
    try:
        with db.session.begin_nested():
            take_stock(items)
    except SoldOut:
        order.attention = "Paid after the hold expired and the stock was sold: refund it."
        return
    for part in returned:
        part.stock_returned = False
        if part.status is S.CANCELLED:
            transition(part, S.PAID, "late payment, stock taken again")


def payment_failed(order: Order, reason: str) -> None:
    """The payment failed or expired: the order is cancelled and its stock returned."""
    if order.payment_status is not PaymentStatus.UNPAID:
        return
    for part in order.parts:
        if part.status is S.PENDING_PAYMENT:
            transition(part, S.CANCELLED, reason)
    return_stock(order)
    order.payment_status = PaymentStatus.EXPIRED if "expired" in reason else PaymentStatus.FAILED
    db.session.flush()


def release_expired(now: datetime | None = None, limit: int = 500) -> int:
    """Cancel unpaid orders whose hold ran out and return their stock; returns how many."""
    now = now or utcnow()
    expired = db.session.scalars(
        sa.select(Order)
        .where(Order.payment_status == PaymentStatus.UNPAID, Order.expires_at < now)
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .options(selectinload(Order.parts).selectinload(OrderPart.lines))
    ).all()
    for order in expired:
        payment_failed(order, "payment time expired")
    return len(expired)


def switch_method(order: Order, method: PaymentMethod, holds: dict[str, int]) -> None:
    """An unpaid order changes how it will be paid (e.g. when card payments are down)."""
    if order.payment_status is not PaymentStatus.UNPAID or method is PaymentMethod.CARD:
        raise Conflict(_l("This order can no longer change its payment method."))
    order.payment_method = method
    if method is PaymentMethod.COD:
        order.payment_status = PaymentStatus.ON_DELIVERY
        order.expires_at = None
        for part in order.parts:
            transition(part, S.CONFIRMED, "switched to cash on delivery")
    else:
        hold = hold_time(method, holds)
        order.expires_at = utcnow() + hold if hold else None
    db.session.flush()


def _with_details(condition) -> Order:
    """The order matching ``condition``, with what an order page shows, or NotFound."""
    order = db.session.scalar(
        sa.select(Order)
        .where(condition)
        .options(
            selectinload(Order.parts).selectinload(OrderPart.lines),
            selectinload(Order.parts).selectinload(OrderPart.cooperative),
            selectinload(Order.parts).selectinload(OrderPart.history),
            selectinload(Order.payments),
        )
    )
    if order is None:
        raise NotFound(_l("No such order."))
    return order


def by_token(token: str) -> Order:
    """An order by its secret link."""
    if not token:
        raise NotFound(_l("No such order."))
    return _with_details(Order.access_token == token)


def by_id(order_id: int) -> Order:
    return _with_details(Order.id == order_id)


def by_number(number: str) -> Order:
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    if order is None:
        raise NotFound(_l("No such order."))
    return order


def of_user(user_id: int) -> list[Order]:
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(Order.user_id == user_id)
            .order_by(Order.id.desc())
            .options(selectinload(Order.parts))
        )
    )


__all__ = ["DomainError"]
