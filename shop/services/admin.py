"""Rules of the OCOP office not held by another service: approving cooperatives,
finding products to rate, roles, and refunds of orders.

Like every service, these take plain values, raise domain errors and only flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models import (
    Cooperative,
    OcopRating,
    Order,
    OrderPart,
    PaymentMethod,
    PaymentStatus,
    Product,
    Refund,
    Role,
    User,
)
from shop.services import gs1, orders
from shop.services.errors import Conflict, InvalidInput, NotFound
from shop.services.payments.vietqr import mark_transfer_received
from shop.services.ratings import current_rating
from shop.services.text import search_terms

EXPIRY_WARNING_DAYS = 60
# --- Overview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """What waits for the office."""

    pending_cooperatives: int
    expiring_ratings: int
    orders_needing_attention: int
    unpaid_transfers: int


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def counts() -> Counts:
    """The numbers on the office's overview page."""
    return Counts(
        pending_cooperatives=_count(pending_cooperatives_query()),
        expiring_ratings=_count(expiring_products_query()),
        orders_needing_attention=_count(order_query(OrderFilter.ATTENTION)),
        unpaid_transfers=_count(order_query(OrderFilter.UNPAID_TRANSFER)),
    )


# --- Cooperatives --------------------------------------------------------------------------


def pending_cooperatives_query() -> sa.Select:
    return sa.select(Cooperative.id).where(Cooperative.approved.is_(False))


def cooperatives() -> list[tuple[Cooperative, int]]:
    """(cooperative, product count) for all, applications waiting for approval first."""
    products = (
        sa.select(sa.func.count(Product.id))
        .where(Product.cooperative_id == Cooperative.id)
        .correlate(Cooperative)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Cooperative, products).order_by(
            Cooperative.approved.asc(), Cooperative.created_at.desc(), Cooperative.name
        )
    )
    return [(coop, count) for coop, count in rows]


def all_cooperatives() -> list[Cooperative]:
    return list(db.session.scalars(sa.select(Cooperative).order_by(Cooperative.name)))


def cooperative(cooperative_id: int) -> Cooperative:
    coop = db.session.get(Cooperative, cooperative_id)
    if coop is None:
        raise NotFound(_l("No such cooperative."))
    return coop


def product_count(coop: Cooperative) -> int:
    return _count(sa.select(Product.id).where(Product.cooperative_id == coop.id))


def approve(coop: Cooperative) -> None:
    """Approve a cooperative: its active products appear in the catalog at once."""
    if coop.suspended_at is not None:
        raise Conflict(_l("%(name)s is suspended: reinstate it instead.", name=coop.name))
    if coop.approved:
        raise Conflict(_l("%(name)s is already approved.", name=coop.name))
    coop.approved = True
    db.session.flush()


def suspend(coop: Cooperative, reason: str) -> None:
    """Stop an approved cooperative: its products leave the catalog, its labels stop,
    its packages are no longer called genuine, and its pages give the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give a reason for the suspension."))
    if not coop.approved:
        raise Conflict(_l("Only an approved cooperative can be suspended."))
    coop.approved, coop.suspended_at, coop.suspended_reason = False, utcnow(), reason[:300]
    db.session.flush()


def reinstate(coop: Cooperative) -> None:
    """End a suspension: the cooperative is approved again."""
    if coop.suspended_at is None:
        raise Conflict(_l("%(name)s is not suspended.", name=coop.name))
    coop.approved, coop.suspended_at, coop.suspended_reason = True, None, ""
    db.session.flush()


def reject(coop: Cooperative, reason: str) -> bool:
    """Refuse an application; True when it was deleted, False when it was kept unapproved.

    An application without products or orders is deleted: its members become
    customers again and may apply anew with corrected details. One that already
    has products (members may prepare them while waiting) is kept, unapproved and
    hidden, so that no product, lot or rating vanishes. Either way the reason is
    required; the caller sends it to the applicant (the model has no column for it).
    An approved cooperative cannot be rejected.
    """
    if not (reason or "").strip():
        raise InvalidInput(_l("Give a reason for the rejection."))
    if coop.approved or coop.suspended_at is not None:
        raise Conflict(_l("%(name)s is already approved.", name=coop.name))
    has_orders = _count(sa.select(OrderPart.id).where(OrderPart.cooperative_id == coop.id)) > 0
    if product_count(coop) or has_orders:
        return False
    for user in db.session.scalars(sa.select(User).where(User.cooperative_id == coop.id)):
        user.role, user.cooperative, user.is_owner = Role.CUSTOMER, None, False
    for certification in coop.certifications:
        db.session.delete(certification)
    db.session.flush()
    db.session.delete(coop)
    db.session.flush()
    return True


# --- Ratings -------------------------------------------------------------------------------


def find_products(text: str, limit: int = 50) -> list[Product]:
    """Products (approved or not) by GTIN (any valid length) or by words of their name."""
    text = (text or "").strip()
    if text.isdigit():
        try:
            gtin = gs1.to_gtin14(text)
        except InvalidInput:
            return []
        condition = Product.gtin == gtin
    else:
        terms = search_terms(text)
        if not terms:
            return []
        condition = sa.and_(*(Product.search_name.contains(term) for term in terms))
    query = (
        sa.select(Product)
        .where(condition)
        .options(selectinload(Product.cooperative))
        .order_by(Product.name_vi, Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def product(product_id: int) -> Product:
    """A product with its rating history, for the rating page."""
    item = db.session.scalar(
        sa.select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.ratings), selectinload(Product.cooperative))
    )
    if item is None:
        raise NotFound(_l("No such product."))
    return item


def rating(rating_id: int) -> OcopRating:
    found = db.session.get(OcopRating, rating_id)
    if found is None:
        raise NotFound(_l("No such rating."))
    return found


def expiring_products_query(days: int = EXPIRY_WARNING_DAYS) -> sa.Select:
    """Products whose current rating lapses within ``days`` (the copy on the product)."""
    start, end = today(), today() + timedelta(days=days)
    return (
        sa.select(Product)
        .where(Product.ocop_stars > 0, Product.ocop_valid_until.between(start, end))
        .order_by(Product.ocop_valid_until, Product.id)
    )


def expiring_ratings(days: int = EXPIRY_WARNING_DAYS) -> list[tuple[Product, OcopRating]]:
    """(product, current rating) for every rating that expires within ``days``."""
    query = expiring_products_query(days).options(
        selectinload(Product.ratings), selectinload(Product.cooperative)
    )
    pairs = ((item, current_rating(item)) for item in db.session.scalars(query))
    return [(item, found) for item, found in pairs if found is not None]


# --- Users ---------------------------------------------------------------------------------


def users(search: str = "") -> sa.Select:
    """Accounts for db.paginate, newest first, optionally those whose email has ``search``."""
    query = sa.select(User).options(selectinload(User.cooperative)).order_by(User.id.desc())
    search = (search or "").strip().lower()
    return query.where(User.email.contains(search)) if search else query


def user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        raise NotFound(_l("No such account."))
    return found


def change_role(target: User, role: Role, coop: Cooperative | None, *, acting: User) -> None:
    """Give ``target`` a role; a member belongs to exactly one cooperative, others to none.

    An admin cannot take the admin role from themselves, so the office is never locked out.
    """
    if target.id == acting.id and role is not Role.ADMIN:
        raise Conflict(_l("You cannot remove your own admin role."))
    if role is Role.MEMBER and coop is None:
        raise InvalidInput(_l("Choose the cooperative this member belongs to."))
    if role is not Role.MEMBER:
        coop = None
    if coop is None or coop.id != target.cooperative_id:
        target.is_owner = False
    target.role, target.cooperative = role, coop
    db.session.flush()


# --- Orders --------------------------------------------------------------------------------


class OrderFilter(StrEnum):
    ALL = "all"
    ATTENTION = "attention"
    UNPAID_TRANSFER = "unpaid_transfer"


def order_query(which: OrderFilter = OrderFilter.ALL) -> sa.Select:
    """Orders for db.paginate, newest first."""
    query = sa.select(Order).order_by(Order.placed_at.desc(), Order.id.desc())
    if which is OrderFilter.ATTENTION:
        query = query.where(sa.or_(Order.attention != "", Order.amount_mismatch.is_(True)))
    elif which is OrderFilter.UNPAID_TRANSFER:
        query = query.where(
            Order.payment_method == PaymentMethod.VIETQR,
            Order.payment_status == PaymentStatus.UNPAID,
        )
    return query


def refunds(order: Order) -> list[Refund]:
    return list(
        db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id))
    )


def collected(order: Order) -> int:
    """Money the shop received for the order: payments, and cash handed to couriers."""
    return orders.received(order)


def refundable(order: Order) -> int:
    """What may still be refunded: collected minus what was already refunded."""
    return orders.refundable(order)


def can_receive_transfer(order: Order) -> bool:
    """Any bank-transfer order: a transfer after cancellation or beyond the total is refunded."""
    return order.payment_method is PaymentMethod.VIETQR


def receive_transfer(order: Order, amount: int) -> None:
    """The office saw the buyer's VietQR transfer on the bank statement (refused, with the
    reason, for an order paid otherwise)."""
    mark_transfer_received(order, amount)


def refund(order: Order, amount: int, reason: str) -> bool:
    """Return ``amount`` đồng; True when that was everything, which refunds every part.

    Card money goes back through Stripe (by the outbox, with an idempotency key);
    transfers and cash become refunds owed, in the office's queue until sent.
    """
    return orders.office_refund(order, amount, reason)
