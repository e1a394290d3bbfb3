"""Recalls that act: a lot taken back stops sales, reaches its buyers, and is closed on record.

Starting a recall (the cooperative or the office) marks the lot (its trace pages warn),
pauses the product's sales until the cooperative confirms the stock on hand is from
other lots, and emails every buyer whose parcel carried the lot, through the outbox.
Which parcel carried which lot is recorded when a part ships (``record_shipment``): the
lot chosen, or by default the one used last for that product, else the first to expire.
A lot past its best-before date, or recalled, cannot be shipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models import Lot, Order, OrderLine, OrderPart, Product, Recall, ShippedLot
from shop.services.errors import Conflict, InvalidInput

REASON_MAX, INSTRUCTIONS_MAX, CONTACT_MAX, RESOLUTION_MAX = 500, 1000, 200, 1000


# --- Starting and closing ------------------------------------------------------------


def start(lot: Lot, reason: str, instructions: str, contact: str, by_id: int | None) -> Recall:
    """Open a recall of ``lot``; returns it with the number of buyers told."""
    reason, instructions, contact = reason.strip(), instructions.strip(), contact.strip()
    if not reason or not instructions or not contact:
        raise InvalidInput(
            _l("Say why, what buyers should do, and whom they can contact: all three are shown.")
        )
    if (
        len(reason) > REASON_MAX
        or len(instructions) > INSTRUCTIONS_MAX
        or len(contact) > CONTACT_MAX
    ):
        raise InvalidInput(_l("The reason, instructions or contact is too long."))
    if lot.open_recall is not None:
        raise Conflict(_l("This lot is already being recalled."))
    recall = Recall(
        lot=lot, reason=reason, instructions=instructions, contact=contact, started_by_id=by_id
    )
    db.session.add(recall)
    lot.recalled, lot.recall_reason = True, reason
    lot.product.sales_paused_at = utcnow()
    db.session.flush()
    recall.buyers_notified = _notify_buyers(recall)
    db.session.flush()
    return recall


def close(recall: Recall, resolution: str, by_id: int | None) -> None:
    resolution = resolution.strip()
    if not resolution:
        raise InvalidInput(_l("Say how the recall was resolved; shoppers will read it."))
    if len(resolution) > RESOLUTION_MAX:
        raise InvalidInput(_l("The resolution is too long."))
    if not recall.is_open:
        raise Conflict(_l("This recall is already closed."))
    recall.closed_at, recall.resolution, recall.closed_by_id = utcnow(), resolution, by_id
    recall.lot.recalled, recall.lot.recall_reason = False, ""
    db.session.flush()


def resume_sales(product: Product) -> None:
    """The cooperative confirms the stock on hand is from lots that are not recalled."""
    if product.sales_paused_at is None:
        raise Conflict(_l("Sales of this product are not paused."))
    product.sales_paused_at = None
    db.session.flush()


def open_for_product(product: Product) -> list[Recall]:
    return list(
        db.session.scalars(
            sa.select(Recall)
            .join(Recall.lot)
            .where(Lot.product_id == product.id, Recall.closed_at.is_(None))
            .order_by(Recall.started_at.desc())
        )
    )


# --- Who received a lot ----------------------------------------------------------------


def orders_with(lot: Lot) -> list[Order]:
    """Orders whose parcels carried ``lot``."""
    query = (
        sa.select(Order)
        .join(Order.parts)
        .join(OrderPart.lines)
        .join(ShippedLot, ShippedLot.line_id == OrderLine.id)
        .where(ShippedLot.lot_id == lot.id)
        .distinct()
        .order_by(Order.id)
    )
    return list(db.session.scalars(query))


def _notify_buyers(recall: Recall) -> int:
    from shop.mail import send_recall_notice
    from shop.services.notify.events import tell_recall

    buyers = orders_with(recall.lot)
    for order in buyers:
        send_recall_notice(order, recall)
        tell_recall(order, recall)
    return len({order.email.lower() for order in buyers})


@dataclass(frozen=True)
class Reach:
    recall: Recall
    parts: int
    buyers: int


def open_recalls() -> list[Reach]:
    """Open recalls, newest first, with how many parcels and buyers received the lot."""
    recalls = db.session.scalars(
        sa.select(Recall).where(Recall.closed_at.is_(None)).order_by(Recall.started_at.desc())
    )
    return [_reach(recall) for recall in recalls]


def _reach(recall: Recall) -> Reach:
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(OrderPart.id)),
            sa.func.count(sa.distinct(sa.func.lower(Order.email))),  # one buyer, however written
        )
        .select_from(ShippedLot)
        .join(OrderLine, OrderLine.id == ShippedLot.line_id)
        .join(OrderPart, OrderPart.id == OrderLine.part_id)
        .join(Order, Order.id == OrderPart.order_id)
        .where(ShippedLot.lot_id == recall.lot_id)
    ).one()
    return Reach(recall, parts=row[0], buyers=row[1])


# --- Shipping with lots ---------------------------------------------------------------


def shippable_lots(product_id: int) -> list[Lot]:
    """Lots of a product that may go out: not recalled, not past best-before; first to
    expire first."""
    query = (
        sa.select(Lot)
        .where(
            Lot.product_id == product_id,
            Lot.recalled.is_(False),
            sa.or_(Lot.best_before.is_(None), Lot.best_before >= today()),
        )
        .order_by(Lot.best_before.is_(None), Lot.best_before, Lot.id)
    )
    return list(db.session.scalars(query))


def default_lot(product_id: int) -> Lot | None:
    """The lot used last for this product if it may still go out, else the first to expire."""
    last = db.session.scalar(
        sa.select(Lot)
        .join(ShippedLot, ShippedLot.lot_id == Lot.id)
        .where(Lot.product_id == product_id)
        .order_by(ShippedLot.id.desc())
        .limit(1)
    )
    if last is not None and _may_ship(last):
        return last
    lots = shippable_lots(product_id)
    return lots[0] if lots else None


def _may_ship(lot: Lot) -> bool:
    return not lot.recalled and not lot.is_past_best_before()


def has_lots(product_id: int) -> bool:
    return (
        db.session.scalar(sa.select(Lot.id).where(Lot.product_id == product_id).limit(1))
        is not None
    )


def ship_choice(product_id: int) -> tuple[list[Lot], Lot | None] | None:
    """The lots of a product that may ship and the default one; None when it has no lots."""
    if not has_lots(product_id):
        return None
    return shippable_lots(product_id), default_lot(product_id)


def record_shipment(part: OrderPart, chosen: dict[int, int]) -> None:
    """Record the lot of each line of ``part`` (``chosen``: line id → lot id; missing lines
    take the default). Products that have no lots at all ship without one."""
    for line in part.lines:
        if line.product_id is None or not has_lots(line.product_id):
            continue
        lot = _chosen_lot(line, chosen.get(line.id))
        line.shipped_lots.append(ShippedLot(lot_id=lot.id))
    db.session.flush()


def _chosen_lot(line: OrderLine, lot_id: int | None) -> Lot:
    if lot_id is None:
        lot = default_lot(line.product_id)
        if lot is None:
            raise Conflict(
                _l(
                    "No lot of %(name)s can be shipped: every lot is past its best-before date"
                    " or recalled.",
                    name=line.name,
                )
            )
        return lot
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.product_id != line.product_id:
        raise InvalidInput(_l("Choose a lot of %(name)s.", name=line.name))
    if lot.recalled:
        raise Conflict(_l("Lot %(code)s is recalled and cannot be shipped.", code=lot.code))
    if lot.is_past_best_before():
        raise Conflict(
            _l("Lot %(code)s is past its best-before date and cannot be shipped.", code=lot.code)
        )
    return lot
