"""The order lifecycle: the one module that writes parts' and payments' status, money
received and refunded, and stock holds.

Every change ends in ``settle``: it compares the money received (less refunds) with
what the live parts are worth, moves the payment status through its transition
table, and refunds any excess. So whatever order events arrive in, an order never
keeps money for nothing, and a late or duplicate event cannot reopen it.
"""

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
    Payment,
    PaymentMethod,
    PaymentState,
    PaymentStatus,
    Provider,
    Refund,
    RefundKind,
    RefundState,
)
from shop.services import cart as carts
from shop.services import inventory, outbox
from shop.services.errors import Conflict, DomainError, InvalidInput, NotFound
from shop.services.inventory import SoldOut
from shop.services.pricing import DeliveryRule

S = PartStatus
TRANSITIONS: dict[PartStatus, set[PartStatus]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED, S.CONFIRMED},  # confirmed: switched to cash
    S.PAID: {S.PROCESSING, S.CANCELLED, S.REFUNDED},
    S.CONFIRMED: {S.PROCESSING, S.CANCELLED},
    S.PROCESSING: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: {S.REFUNDED},
    S.CANCELLED: set(),  # a late payment is refunded, never revives a part
    S.REFUNDED: set(),
}
# Before it leaves the cooperative, the buyer may still cancel a part.
CANCELLABLE = {S.PENDING_PAYMENT, S.PAID, S.CONFIRMED, S.PROCESSING}

P = PaymentStatus
PAYMENT_TRANSITIONS: dict[PaymentStatus, set[PaymentStatus]] = {
    P.UNPAID: {P.PAID, P.ON_DELIVERY, P.EXPIRED, P.REFUNDED},
    P.PAID: {P.REFUNDED},
    P.ON_DELIVERY: {P.EXPIRED, P.REFUNDED},
    P.FAILED: set(),
    P.EXPIRED: set(),
    P.REFUNDED: set(),
}
STRIPE_MAX_AMOUNT = 99_999_999
PROVIDER_OF = {
    PaymentMethod.CARD: Provider.STRIPE,
    PaymentMethod.VIETQR: Provider.VIETQR,
    PaymentMethod.COD: Provider.COD,
}


class IllegalTransition(Conflict):
    """A status change a transition table does not allow."""


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


# Reasons recorded on parts' status changes that the notifications explain to people.
BUYER_CANCELLED = "cancelled by the buyer"
COOPERATIVE_CANCELLED = "cancelled by the cooperative"
PAYMENT_EXPIRED = "payment time expired"
CARD_EXPIRED = "card payment time expired"  # the card provider closed the session unpaid
PROVIDER_REFUNDED = "refunded at the provider"


# --- Transitions ----------------------------------------------------------------------------


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


def set_payment_status(order: Order, to: PaymentStatus) -> None:
    """Move the order's payment status to ``to``, or raise IllegalTransition."""
    if to is order.payment_status:
        return
    if to not in PAYMENT_TRANSITIONS[order.payment_status]:
        raise IllegalTransition(
            _l(
                "An order's payment cannot go from %(a)s to %(b)s.",
                a=order.payment_status.value,
                b=to.value,
            )
        )
    order.payment_status = to


def flag(order: Order, note: str) -> None:
    """Ask the office to look at the order (the note is kept short, newest first)."""
    order.attention = (note if not order.attention else f"{note} | {order.attention}")[:300]


# --- Placing --------------------------------------------------------------------------------


def hold_time(method: PaymentMethod, holds: dict[str, int]) -> timedelta | None:
    """How long unpaid card or transfer orders keep their stock (minutes from config)."""
    minutes = holds.get(method.value)
    return timedelta(minutes=minutes) if minutes else None


def by_checkout_key(key: str) -> Order | None:
    return db.session.scalar(sa.select(Order).where(Order.checkout_key == key)) if key else None


def place_order(
    items: carts.Items,
    delivery: Delivery,
    method: PaymentMethod,
    rule: DeliveryRule,
    holds: dict[str, int],
    *,
    user_id: int | None = None,
    language: str = "vi",
    checkout_key: str | None = None,
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
    inventory.lock(list(items))  # before the order lines' foreign keys touch these rows
    now = utcnow()
    hold = hold_time(method, holds)
    order = Order(
        user_id=user_id,
        language=language,
        payment_method=method,
        payment_status=P.ON_DELIVERY if method is PaymentMethod.COD else P.UNPAID,
        subtotal=summary.subtotal,
        delivery_total=summary.delivery_total,
        total=summary.total,
        expires_at=now + hold if hold else None,
        placed_at=now,
        checkout_key=checkout_key,
        **delivery.__dict__,
    )
    first = S.CONFIRMED if method is PaymentMethod.COD else S.PENDING_PAYMENT
    for group in summary.groups:
        part = OrderPart(
            cooperative_id=group.cooperative.id,
            status=first,
            subtotal=group.subtotal,
            delivery_fee=group.delivery_fee,
            weight_grams=group.grams,
            stock_returned=True,  # nothing held until hold_for below
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
    db.session.flush()  # a second submit of the same checkout key stops here (unique)
    order.number = f"OCOP-{now:%Y}-{order.id:06d}"
    inventory.hold_for(order.parts)
    return order


# --- Cancelling -----------------------------------------------------------------------------


def cancel_order(order: Order, reason: str) -> None:
    """The buyer cancels: every part not yet shipped is cancelled; money received comes back."""
    if not all(part.status in CANCELLABLE or not part.is_live for part in order.parts):
        raise IllegalTransition(
            _l("Part of this order has already shipped; it can no longer be cancelled.")
        )
    for part in order.parts:
        if part.is_live:
            _cancel(part, reason)
    _stop_open_payments(order)
    settle(order, reason)


def cancel_part(part: OrderPart, reason: str) -> None:
    """The cooperative cannot serve its part: cancel it alone; its share of the money returns."""
    _cancel(part, reason)
    settle(part.order, reason)


def _cancel(part: OrderPart, reason: str) -> None:
    transition(part, S.CANCELLED, reason)
    inventory.release(part, reason)


def _stop_open_payments(order: Order) -> None:
    """Payments in progress the order no longer uses are closed at the provider."""
    for payment in order.payments:
        if payment.state is PaymentState.OPEN:
            payment.state = PaymentState.CANCELLED
            if payment.provider is Provider.STRIPE:
                outbox.enqueue("payment.cancel", payment_id=payment.id)


def release_expired(now: datetime | None = None, limit: int = 500) -> int:
    """Cancel unpaid orders whose hold ran out (refunding any part payment); returns how many."""
    now = now or utcnow()
    expired = db.session.scalars(
        sa.select(Order)
        .where(Order.payment_status == P.UNPAID, Order.expires_at < now)
        .order_by(Order.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .options(selectinload(Order.parts).selectinload(OrderPart.lines))
    ).all()
    for order in expired:
        expire(order, PAYMENT_EXPIRED)
    return len(expired)


def expire(order: Order, reason: str) -> None:
    """An unpaid order's time is up: cancel what waits for payment, stop open payments."""
    if order.payment_status is not P.UNPAID:
        return
    for part in order.parts:
        if part.status is S.PENDING_PAYMENT:
            _cancel(part, reason)
    _stop_open_payments(order)
    settle(order, reason)


def switch_method(order: Order, method: PaymentMethod, holds: dict[str, int]) -> None:
    """An unpaid order changes how it will be paid; a card session it leaves is expired."""
    if order.payment_status is not P.UNPAID:
        raise Conflict(_l("This order can no longer change its payment method."))
    if method is order.payment_method:
        return
    if method is PaymentMethod.CARD:
        raise Conflict(_l("This order can no longer change its payment method."))
    if order.amount_paid > 0:
        raise Conflict(
            _l("Part of this order is already paid by transfer; transfer the rest, please.")
        )
    _stop_open_payments(order)
    order.payment_method = method
    if method is PaymentMethod.COD:
        set_payment_status(order, P.ON_DELIVERY)
        order.expires_at = None
        for part in order.parts:
            if part.status is S.PENDING_PAYMENT:
                transition(part, S.CONFIRMED, "switched to cash on delivery")
    else:
        hold = hold_time(method, holds)
        order.expires_at = utcnow() + hold if hold else None
    db.session.flush()


# --- Money in -------------------------------------------------------------------------------


def is_current(order: Order, payment: Payment) -> bool:
    """Whether ``payment`` is one the order is waiting for right now."""
    return (
        order.payment_status is P.UNPAID
        and payment.state is PaymentState.OPEN
        and payment.provider is PROVIDER_OF[order.payment_method]
    )


def payment_received(payment: Payment, amount: int) -> bool:
    """Money arrived for ``payment``; applied once per payment. False if already applied.

    Money the order no longer waits for (a card session it left, a transfer after
    cancellation or beyond the total) is kept on record and refunded at once.
    """
    if payment.state is PaymentState.RECEIVED:
        return False
    if amount <= 0:
        raise InvalidInput(_l("The amount received must be positive."))
    order = payment.order
    current = is_current(order, payment)
    missing = order.amount_missing
    payment.state = PaymentState.RECEIVED
    payment.amount_received = amount
    order.amount_paid += amount
    if not current:
        flag(order, f"{amount} đồng received by {payment.provider.value} it no longer awaited")
        _refund(order, amount, "payment the order no longer awaited", payment=payment)
    elif amount != missing:
        order.amount_mismatch = True
        flag(order, f"Paid {amount} đồng where {missing} was due.")
    settle(order, "payment received")
    return True


def payment_closed(payment: Payment, state: PaymentState, reason: str) -> None:
    """The provider closed a payment unpaid (expired, failed). An order whose only card
    session expired expires with it; after a failure the buyer may try again."""
    if payment.state is not PaymentState.OPEN:
        return
    order = payment.order
    current = is_current(order, payment)
    payment.state = state
    if current and state is PaymentState.EXPIRED:
        expire(order, reason)
    db.session.flush()


def receive_transfer(order: Order, amount: int, reference: str = "") -> Payment:
    """A bank transfer for ``order`` appeared on the statement (the office, or the bank feed)."""
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidInput(_l("The amount received must be positive."))
    if order.payment_method is not PaymentMethod.VIETQR:
        raise Conflict(_l("Only bank-transfer orders can receive a transfer."))
    count = sum(1 for p in order.payments if p.provider is Provider.VIETQR)
    payment = Payment(
        order=order,
        provider=Provider.VIETQR,
        amount=amount,
        reference=reference or f"vietqr-{order.number}-{count + 1}",
    )
    db.session.add(payment)
    db.session.flush()
    payment_received(payment, amount)
    return payment


def provider_refunded(payment: Payment, total_refunded: int) -> None:
    """The provider reports ``total_refunded`` given back on ``payment`` (e.g. charge.refunded).

    Refunds the shop asked for are known already; any more was given back outside
    the shop (the Stripe dashboard) and is recorded, and if it covers everything
    received, the order's parts are refunded too.
    """
    known = sum(r.amount for r in payment.refunds)
    extra = total_refunded - known
    if extra <= 0:
        return
    order = payment.order
    _add_refund(order, extra, payment.provider, payment, PROVIDER_REFUNDED, sent=True)
    if received(order) - refunded(order) <= 0:
        _refund_parts(order, PROVIDER_REFUNDED)
    else:
        flag(order, f"{extra} đồng refunded outside the shop")
        order.refunds[-1].kind = RefundKind.GOODWILL
    settle(order, PROVIDER_REFUNDED)


# --- Money out ------------------------------------------------------------------------------


def received(order: Order) -> int:
    """Money received: payments, and cash couriers handed over for delivered parts."""
    return order.amount_paid + sum(p.total for p in order.parts if p.cash_received_at)


def refunded(order: Order) -> int:
    """Money given back or on its way back (sent, pending at the provider, owed by hand)."""
    return sum(r.amount for r in order.refunds)


def goodwill(order: Order) -> int:
    """Goodwill given on the order as a whole (shared by its parts)."""
    return sum(
        r.amount for r in order.refunds if r.kind is RefundKind.GOODWILL and r.part_id is None
    )


def part_goodwill(part: OrderPart) -> int:
    """Goodwill given for this part alone (a complaint about its parcel)."""
    return sum(
        r.amount
        for r in part.order.refunds
        if r.kind is RefundKind.GOODWILL and r.part_id == part.id
    )


def keeps(order: Order) -> int:
    """What the shop may keep of the money received, given the live parts.

    A live part's own goodwill lowers what it is worth; once the part is refunded in full,
    that goodwill was simply the first instalment of its refund."""
    if order.payment_status is P.UNPAID:
        return order.amount_due  # a part payment is kept while the rest is awaited
    if order.payment_status is P.PAID:
        live = [p for p in order.parts if p.is_live]
    elif order.payment_status is P.ON_DELIVERY:
        live = [p for p in order.parts if p.is_live and p.cash_received_at]
    else:
        live = []
    worth = sum(p.total - part_goodwill(p) for p in live)
    return max(worth - goodwill(order), 0)


def settle(order: Order, reason: str) -> None:
    """Bring the payment status in line with the parts, and refund whatever is not kept."""
    db.session.flush()
    net = received(order) - refunded(order)
    status = order.payment_status
    if status is P.UNPAID:
        if order.amount_due == 0:
            set_payment_status(order, P.REFUNDED if order.amount_paid else P.EXPIRED)
        elif net >= order.amount_due:
            set_payment_status(order, P.PAID)
            for part in order.parts:
                if part.status is S.PENDING_PAYMENT:
                    transition(part, S.PAID, "payment received")
    elif status in (P.PAID, P.ON_DELIVERY) and not any(p.is_live for p in order.parts):
        set_payment_status(order, P.REFUNDED if received(order) else P.EXPIRED)
    excess = net - keeps(order)
    if excess > 0:
        _refund(order, excess, reason)
    db.session.flush()


def _refund(
    order: Order,
    amount: int,
    reason: str,
    *,
    payment: Payment | None = None,
    kind: RefundKind = RefundKind.SETTLEMENT,
    part: OrderPart | None = None,
) -> list[Refund]:
    """Give ``amount`` back, taken from the payments that brought it, newest first."""
    sources = (
        [payment]
        if payment
        else [p for p in reversed(order.payments) if p.state is PaymentState.RECEIVED]
    )
    made: list[Refund] = []
    left = amount
    for source in sources:
        room = source.amount_received - sum(r.amount for r in source.refunds)
        take = min(room, left)
        if take > 0:
            made.append(
                _add_refund(order, take, source.provider, source, reason, kind=kind, part=part)
            )
            left -= take
    if left > 0:  # cash handed to a courier goes back by hand
        made.append(_add_refund(order, left, Provider.COD, None, reason, kind=kind, part=part))
    if made:
        from shop.mail import send_refund_notice

        send_refund_notice(order, made)
    return made


def _add_refund(
    order: Order,
    amount: int,
    provider: Provider,
    payment: Payment | None,
    reason: str,
    *,
    kind: RefundKind = RefundKind.SETTLEMENT,
    sent: bool = False,
    part: OrderPart | None = None,
) -> Refund:
    by_provider = provider is Provider.STRIPE and payment is not None and payment.payment_intent
    refund = Refund(
        order=order,
        payment=payment,
        part_id=part.id if part is not None else None,
        amount=amount,
        provider=provider,
        manual=not by_provider,
        reason=reason[:300],
        kind=kind,
        state=RefundState.SENT
        if sent
        else RefundState.PENDING
        if by_provider
        else RefundState.OWED,
        sent_at=utcnow() if sent else None,
    )
    db.session.add(refund)
    db.session.flush()
    if refund.state is RefundState.PENDING:
        outbox.enqueue("refund.send", refund_id=refund.id)
    return refund


def refundable(order: Order) -> int:
    """What may still be given back: received less refunded."""
    return max(received(order) - refunded(order), 0)


def office_refund(order: Order, amount: int, reason: str) -> bool:
    """The office gives money back. All of it refunds every part (True); less is goodwill."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason for the refund."))
    left = refundable(order)
    if left <= 0:
        raise Conflict(_l("Nothing is left to refund on this order."))
    if not isinstance(amount, int) or not 1 <= amount <= left:
        raise InvalidInput(_l("The refund must be a whole number of đồng from 1 to %(n)s.", n=left))
    if amount < left:
        _refund(order, amount, reason, kind=RefundKind.GOODWILL)
        db.session.flush()
        return False
    _refund_parts(order, reason)
    _stop_open_payments(order)
    settle(order, reason)
    return True


def part_refundable(part: OrderPart) -> int:
    """What may still be given back for one part: its total less its own goodwill, and
    never more than the order still holds."""
    if not part.is_live:
        return 0
    return max(min(part.total - part_goodwill(part), refundable(part.order)), 0)


def refund_part(part: OrderPart, amount: int | None, reason: str) -> bool:
    """Give money back for one delivered part (a complaint about its parcel), charged to its
    cooperative alone. Everything left on the part (``amount`` None, or all of it) refunds
    the part (True); less is goodwill tied to the part. Stock is not touched here: goods
    come back to the shelf only when the cooperative has them in hand."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason for the refund."))
    if part.status is not S.DELIVERED:
        raise Conflict(_l("Only a delivered parcel can be refunded this way."))
    if part.order.payment_method is PaymentMethod.COD and part.cash_received_at is None:
        raise Conflict(
            _l(
                "The cash for this parcel is not recorded as received yet: "
                "record it on the Orders page first."
            )
        )
    left = part_refundable(part)
    if left <= 0:
        raise Conflict(_l("Nothing is left to refund on this parcel."))
    if amount is None:
        amount = left
    if not isinstance(amount, int) or not 1 <= amount <= left:
        raise InvalidInput(_l("The refund must be a whole number of đồng from 1 to %(n)s.", n=left))
    if amount < part.total - part_goodwill(part):
        _refund(part.order, amount, reason, kind=RefundKind.GOODWILL, part=part)
        db.session.flush()
        return False
    transition(part, S.REFUNDED, reason)
    settle(part.order, reason)
    return True


def _refund_parts(order: Order, reason: str) -> None:
    """Every live part ends refunded (or cancelled before it shipped); refused while in transit."""
    for part in order.parts:
        allowed = TRANSITIONS[part.status]
        if part.is_live and S.REFUNDED not in allowed and S.CANCELLED not in allowed:
            raise Conflict(
                _l("A parcel of this order is on its way; refund it once it is delivered.")
            )
    for part in order.parts:
        if not part.is_live:
            continue
        if S.REFUNDED in TRANSITIONS[part.status]:
            never_left = part.status in CANCELLABLE  # paid, refunded before it was sent
            transition(part, S.REFUNDED, reason)
            if never_left:
                inventory.release(part, reason)  # the goods are still on the shelf
        else:
            _cancel(part, reason)


def refund_sent(refund: Refund, reference: str = "") -> None:
    """A refund owed by hand (or pending at the provider) has been sent."""
    if refund.state is RefundState.SENT:
        raise Conflict(_l("This refund is already recorded as sent."))
    refund.state, refund.sent_at = RefundState.SENT, utcnow()
    if reference:
        refund.reference = reference[:255]
    db.session.flush()


def owed_refunds() -> list[Refund]:
    """Refunds the office must send by hand, oldest first, with the buyer's contact."""
    return list(
        db.session.scalars(
            sa.select(Refund)
            .where(Refund.state == RefundState.OWED)
            .order_by(Refund.id)
            .options(selectinload(Refund.order))
        )
    )


def _with_details(condition) -> Order:
    """The order matching ``condition``, with what an order page shows, or NotFound."""
    order = db.session.scalar(
        sa.select(Order)
        .where(condition)
        .options(
            selectinload(Order.parts).selectinload(OrderPart.lines),
            selectinload(Order.parts).selectinload(OrderPart.cooperative),
            selectinload(Order.parts).selectinload(OrderPart.history),
            selectinload(Order.payments).selectinload(Payment.refunds),
            selectinload(Order.refunds),
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


__all__ = ["DomainError", "SoldOut"]
