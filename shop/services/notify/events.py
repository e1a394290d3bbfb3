"""Which events reach whom. Order events follow the audit trail: every new status change of
a part (shipped, delivered, cancelled, refunded) and every order that becomes paid is noted
at flush and told before the commit, in the buyer's language, whatever code path made it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from shop.extensions import db
from shop.i18n import money
from shop.models import Cooperative, Order, OrderPart, PartStatusChange, PaymentStatus, User
from shop.services import notify, orders
from shop.services.carriers import tracking_url
from shop.templating import external_url

PENDING = "notify_events"
TOLD_STATUSES = ("shipped", "delivered", "cancelled", "refunded")


@dataclass(frozen=True)
class Noted:
    kind: str  # "part" or "paid"
    id: int
    status: str = ""
    reason: str = ""


def buyer(order: Order) -> notify.Contact:
    """The buyer: their chosen channels when signed in, else the email they gave."""
    if order.user is not None:
        account = notify.Contact.of_user(order.user)
        return notify.Contact(order.email, account.phone, order.language, account.channels)
    return notify.Contact(order.email, order.phone, order.language)


def cooperative(coop: Cooperative) -> notify.Contact:
    """A cooperative: its shop email, and its owner's chosen channels on the owner's phone
    (or the shop's)."""
    owner = db.session.scalar(
        sa.select(User).where(User.cooperative_id == coop.id, User.is_owner.is_(True)).limit(1)
    )
    channels = (owner.channels if owner else frozenset()) | {"email"}
    phone = (owner.phone if owner else "") or coop.phone
    return notify.Contact(coop.email, phone, "vi", frozenset(channels))


def explain(reason: str) -> str:
    """A status change's recorded reason, said to a buyer in their language."""
    said = {
        orders.COOPERATIVE_CANCELLED: _("the cooperative cannot send it"),
        orders.PAYMENT_EXPIRED: _("the payment did not arrive in time"),
        orders.CARD_EXPIRED: _("the payment did not arrive in time"),
        orders.PROVIDER_REFUNDED: _("the payment was refunded"),
        orders.BUYER_CANCELLED: _("you cancelled it"),
    }
    return said.get(reason, reason)


def _order_link(order: Order) -> str:
    return external_url("checkout.order_page", token=order.access_token)


def tell_part(part: OrderPart, status: str, reason: str) -> None:
    order, coop = part.order, part.cooperative
    contact = buyer(order)
    with force_locale(order.language):
        if status == "shipped":
            subject = _("Your parcel from %(coop)s is on its way", coop=coop.name)
            text = _(
                "Order %(number)s: %(coop)s shipped your parcel with %(carrier)s, "
                "tracking number %(tracking)s.",
                number=order.number,
                coop=coop.name,
                carrier=part.carrier,
                tracking=part.tracking_number,
            )
            link = tracking_url(part.carrier, part.tracking_number) or _order_link(order)
        elif status == "delivered":
            subject = _("Your parcel from %(coop)s was delivered", coop=coop.name)
            text = _(
                "Order %(number)s: your parcel from %(coop)s was delivered. Thank you! "
                "You can review what you bought on the order's page.",
                number=order.number,
                coop=coop.name,
            )
            link = _order_link(order)
        elif status == "cancelled" and reason == orders.BUYER_CANCELLED:
            subject = text = ""  # the buyer did it: the page said so, the refund email follows
            link = ""
        elif status == "cancelled":
            subject = _("Part of order %(number)s was cancelled", number=order.number)
            text = _(
                "Order %(number)s: the part from %(coop)s was cancelled (%(reason)s).",
                number=order.number,
                coop=coop.name,
                reason=explain(reason),
            )
            link = _order_link(order)
        else:  # refunded: the refund email says how the money comes back
            subject = _("Refund for order %(number)s", number=order.number)
            text = _(
                "Order %(number)s: the part from %(coop)s is refunded.",
                number=order.number,
                coop=coop.name,
            )
            link = _order_link(order)
    if text:
        notify.send(contact, f"part.{status}", subject, text, link, email=status != "refunded")
    if status == "cancelled":
        with force_locale("vi"):
            reason_vi = explain(reason)
        notify.send(
            cooperative(coop),
            "part.cancelled",
            f"Đơn {order.number} đã bị hủy",
            f"Phần đơn {order.number} của {coop.name} đã bị hủy ({reason_vi}). Không gửi hàng.",
            external_url("coop.order_list"),
        )


def tell_paid(order: Order) -> None:
    with force_locale(order.language):
        subject = _("Payment received for order %(number)s", number=order.number)
        text = _(
            "We received %(amount)s for order %(number)s. The cooperatives are preparing it.",
            amount=money(order.amount_paid, order.language),
            number=order.number,
        )
    notify.send(buyer(order), "order.paid", subject, text, _order_link(order))


def _note(session: Session, flush_context) -> None:
    """Note the events of this flush with the transaction (or savepoint) that holds them."""
    noted = session.info.setdefault(PENDING, [])
    within = session.get_nested_transaction() or session.get_transaction()
    for item in session.new:
        if isinstance(item, PartStatusChange) and item.to_status in TOLD_STATUSES:
            noted.append((within, Noted("part", item.part_id, item.to_status, item.reason)))
    for item in session.dirty:
        if isinstance(item, Order) and item.payment_status is PaymentStatus.PAID:
            history = sa.inspect(item).attrs.payment_status.history
            if history.has_changes():
                noted.append((within, Noted("paid", item.id)))


def _tell_before_commit(session: Session) -> None:
    if not has_app_context():
        return
    session.flush()
    noted = session.info.pop(PENDING, None)
    committing = session.get_transaction()
    for within, event in noted or ():
        if not _inside(within, committing):  # left by a transaction that ended unsaid
            continue
        if event.kind == "part":
            part = session.get(OrderPart, event.id)
            if part is not None:
                tell_part(part, event.status, event.reason)
        else:
            order = session.get(Order, event.id)
            if order is not None:
                tell_paid(order)
    session.info.pop(PENDING, None)


def _forget(session: Session, rolled_back) -> None:
    """A rollback forgets the events noted in what it rolled back: the whole transaction, or
    one savepoint (and the savepoints inside it), not what happened before the savepoint."""
    noted = session.info.get(PENDING)
    if noted:
        session.info[PENDING] = [(t, e) for t, e in noted if not _inside(t, rolled_back)]


def _inside(transaction, outer) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def register_notifications() -> None:
    if not sa.event.contains(Session, "after_flush", _note):
        sa.event.listen(Session, "after_flush", _note)
        sa.event.listen(Session, "before_commit", _tell_before_commit)
        sa.event.listen(Session, "after_soft_rollback", _forget)


def tell_placed(order: Order) -> None:
    """Zalo and SMS news of a new order (the emails have their own, fuller templates)."""
    with force_locale(order.language):
        text = _(
            "We received order %(number)s (%(amount)s). We will tell you when it ships.",
            number=order.number,
            amount=money(order.total, order.language),
        )
    notify.send(buyer(order), "order.placed", text, text, _order_link(order), email=False)
    for part in order.parts:
        notify.send(
            cooperative(part.cooperative),
            "part.new",
            f"Đơn mới {order.number}",
            f"Đơn mới {order.number}: {len(part.lines)} mặt hàng, {money(part.total, 'vi')}.",
            external_url("coop.order_list"),
            email=False,
        )


def tell_recall(order: Order, recall) -> None:
    """Zalo and SMS news of a recall (the email carries the instructions in full)."""
    with force_locale(order.language):
        text = _(
            "Recall: lot %(code)s of %(product)s that you bought (order %(number)s). "
            "Do not use it; see what to do:",
            code=recall.lot.code,
            product=recall.lot.product.name_vi,
            number=order.number,
        )
    link = external_url("trace.resolve", gtin=recall.lot.product.gtin, lot_code=recall.lot.code)
    notify.send(buyer(order), "recall", text, text, link, email=False)


def tell_approved(coop: Cooperative) -> None:
    notify.send(
        cooperative(coop),
        "application.approved",
        "Gian hàng của bạn đã được duyệt",
        f"Văn phòng OCOP đã duyệt {coop.name}. Sản phẩm của bạn đã hiển thị trên OCOP Shop.",
        external_url("coop.overview"),
    )


def tell_rejected(contact: notify.Contact, name: str, reason: str) -> None:
    """Zalo and SMS news of a refused application (the email gives the reason in full)."""
    text = f"Văn phòng OCOP chưa duyệt {name}: {reason}"
    notify.send(contact, "application.rejected", text, text, email=False)


WARN_DAYS = (60, 7)


def warn_expiring(on) -> int:
    """Tell cooperatives 60 and 7 days ahead that a verified certificate or a current OCOP
    rating lapses (run once a day); the number of messages."""
    from datetime import timedelta

    from shop.models import Certification, OcopRating, Product

    sent = 0
    for days in WARN_DAYS:
        day = on + timedelta(days=days)
        certificates = db.session.scalars(
            sa.select(Certification).where(
                Certification.verified_at.is_not(None), Certification.valid_to == day
            )
        )
        for certificate in certificates:
            coop = certificate.cooperative or certificate.product.cooperative
            what = f"Chứng nhận {certificate.kind.value} số {certificate.number}"
            _warn(coop, what, day)
            sent += 1
        rows = db.session.execute(
            sa.select(OcopRating, Product)
            .join(Product, OcopRating.product_id == Product.id)
            .where(OcopRating.revoked_at.is_(None), OcopRating.valid_until == day)
        )
        for rating, product in rows:
            _warn(
                product.cooperative,
                f"Chứng nhận OCOP {rating.stars} sao của {product.name_vi}",
                day,
            )
            sent += 1
    return sent


def _warn(coop: Cooperative, what: str, day) -> None:
    notify.send(
        cooperative(coop),
        "expiring",
        f"{what} hết hạn ngày {day:%d/%m/%Y}",
        f"{what} hết hạn ngày {day:%d/%m/%Y}. Hãy gia hạn và gửi bản mới cho Văn phòng OCOP.",
        external_url("coop.certificate_list"),
    )
