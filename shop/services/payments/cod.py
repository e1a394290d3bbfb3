"""Cash on delivery: confirmed at once; the cooperative records the cash it received."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Order, OrderPart, PartStatus, Payment, PaymentMethod, Provider, Refund
from shop.services import orders
from shop.services.errors import Conflict, NotFound
from shop.services.payments.base import EventResult, Urls


class CashOnDelivery:
    def start(self, order: Order, urls: Urls) -> Payment:
        existing = next((p for p in order.payments if p.provider is Provider.COD), None)
        if existing is not None:
            return existing
        payment = Payment(order=order, provider=Provider.COD, amount=order.total)
        db.session.add(payment)
        db.session.flush()
        return payment

    def handle_event(self, payload: bytes, signature: str | None) -> EventResult:
        raise NotFound(_l("Cash on delivery sends no events."))

    def send_refund(self, refund: Refund) -> None:
        """Cash goes back by hand: the refund stays owed until the office records it."""

    def cancel(self, payment: Payment) -> None:
        return None


def record_cash_received(part: OrderPart) -> None:
    """The courier handed over the cash for a delivered cash-on-delivery part."""
    if (
        part.order.payment_method is not PaymentMethod.COD
        or part.status is not PartStatus.DELIVERED
    ):
        raise Conflict(_l("Cash is recorded for delivered cash-on-delivery parts only."))
    if part.cash_received_at is None:
        part.cash_received_at = utcnow()
    orders.settle(part.order, "cash received")
