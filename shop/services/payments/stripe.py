"""Card payments through Stripe Checkout. The only module that imports ``stripe``.

VND is a zero-decimal currency for Stripe: 150.000 ₫ is sent as 150000.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import sqlalchemy as sa
import stripe
from flask_babel import lazy_gettext as _l

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Order, PartStatus, Payment, PaymentStatus, Provider, Refund
from shop.services import orders
from shop.services.errors import DomainError, InvalidInput, NotFound
from shop.services.payments.base import Urls

# Stripe refuses a Checkout Session that expires in under 30 minutes.
MIN_SESSION_LIFETIME = timedelta(minutes=30, seconds=30)


class PaymentUnavailable(DomainError):
    """The provider could not be reached or refused; the buyer may pick another method."""

    status_code = 503


class StripeCheckout:
    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None = None):
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        self.client = stripe.StripeClient(secret_key, max_network_retries=1, **options)
        self.webhook_secret = webhook_secret

    def start(self, order: Order, urls: Urls) -> Payment:
        """Create the hosted payment page; the idempotency key makes a retry reuse it."""
        expires = max(order.expires_at or utcnow(), utcnow() + MIN_SESSION_LIFETIME)
        params = {
            "mode": "payment",
            "line_items": _line_items(order),
            "client_reference_id": order.number,
            "customer_email": order.email,
            "metadata": {"order_id": str(order.id), "order_number": order.number},
            "payment_intent_data": {"metadata": {"order_id": str(order.id)}},
            "locale": "vi" if order.language == "vi" else "en",
            "expires_at": int(expires.timestamp()),
            "success_url": urls.success,
            "cancel_url": urls.cancel,
        }
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"order-{order.id}-checkout"}
            )
        except stripe.StripeError as error:
            raise PaymentUnavailable(
                _l("Card payments are not available right now. Please choose another method.")
            ) from error
        payment = Payment(
            order=order,
            provider=Provider.STRIPE,
            amount=order.total,
            reference=session.id,
            redirect_url=session.url or "",
        )
        db.session.add(payment)
        db.session.flush()
        return payment

    def verify(self, payload: bytes, signature: str | None) -> stripe.Event:
        """The event, if Stripe signed this exact body with our secret; InvalidInput otherwise."""
        if not signature:
            raise InvalidInput("Missing Stripe-Signature header.")
        try:
            return self.client.construct_event(payload, signature, self.webhook_secret)
        except (ValueError, stripe.SignatureVerificationError) as error:
            raise InvalidInput("Invalid Stripe signature.") from error

    def refund(self, order: Order, amount: int, reason: str) -> None:
        payment = _stripe_payment(order)
        if not payment.payment_intent:
            raise InvalidInput(_l("This card payment has not been completed; nothing to refund."))
        refunded = sum(r.amount for r in _refunds(order))
        try:
            refund = self.client.v1.refunds.create(
                params={
                    "payment_intent": payment.payment_intent,
                    "amount": amount,
                    "metadata": {"order_id": str(order.id)},
                },
                options={"idempotency_key": f"order-{order.id}-refund-{refunded}-{amount}"},
            )
        except stripe.StripeError as error:
            raise PaymentUnavailable(
                _l("Stripe did not accept the refund: %(e)s", e=error.user_message or "error")
            ) from error
        db.session.add(
            Refund(
                order=order,
                amount=amount,
                provider=Provider.STRIPE,
                reference=refund.id,
                reason=reason,
            )
        )
        db.session.flush()

    def cancel(self, order: Order) -> None:
        payment = _stripe_payment(order, required=False)
        if payment is None or order.payment_status is not PaymentStatus.UNPAID:
            return
        # If this fails the session expires on its own; its webhook finds the order cancelled.
        with contextlib.suppress(stripe.StripeError):
            self.client.v1.checkout.sessions.expire(payment.reference)


def _line_items(order: Order) -> list[dict]:
    items = [
        {
            "quantity": line.quantity,
            "price_data": {
                "currency": "vnd",
                "unit_amount": line.unit_price,
                "product_data": {"name": line.name},
            },
        }
        for line in order.lines
    ]
    if order.delivery_total:
        items.append(
            {
                "quantity": 1,
                "price_data": {
                    "currency": "vnd",
                    "unit_amount": order.delivery_total,
                    "product_data": {"name": "Phí giao hàng / Delivery"},
                },
            }
        )
    return items


def _stripe_payment(order: Order, required: bool = True) -> Payment | None:
    payment = next((p for p in reversed(order.payments) if p.provider is Provider.STRIPE), None)
    if payment is None and required:
        raise NotFound(_l("This order has no card payment."))
    return payment


def _refunds(order: Order) -> list[Refund]:
    return list(db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id)))


def order_for_session(session: dict) -> Order | None:
    payment = db.session.scalar(sa.select(Payment).where(Payment.reference == session.get("id")))
    if payment is not None:
        return payment.order
    order_id = (session.get("metadata") or {}).get("order_id")
    return db.session.get(Order, int(order_id)) if order_id and order_id.isdigit() else None


def handle_event(event: stripe.Event) -> Order | None:
    """Apply one verified Stripe event to its order; any arrival order gives the same result."""
    obj = event.data.object.to_dict()
    if event.type.startswith("checkout.session."):
        order = order_for_session(obj)
        if order is None:
            return None
        if obj.get("payment_intent"):
            _stripe_payment(order).payment_intent = obj["payment_intent"]
        if event.type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            if obj.get("payment_status") == "paid":
                orders.record_payment(order, int(obj["amount_total"]))
        elif event.type == "checkout.session.async_payment_failed":
            orders.payment_failed(order, "card payment failed")
        elif event.type == "checkout.session.expired":
            orders.payment_failed(order, "payment time expired")
        return order
    if event.type == "charge.refunded":
        payment = db.session.scalar(
            sa.select(Payment).where(Payment.payment_intent == obj.get("payment_intent"))
        )
        if payment is None:
            return None
        _record_refunded(payment.order, int(obj.get("amount_refunded", 0)))
        return payment.order
    return None


def _record_refunded(order: Order, amount_refunded: int) -> None:
    if amount_refunded >= order.amount_paid > 0:
        order.payment_status = PaymentStatus.REFUNDED
        for part in order.parts:
            if orders.PartStatus.REFUNDED in orders.TRANSITIONS[part.status]:
                orders.transition(part, PartStatus.REFUNDED, "refunded by Stripe")
    db.session.flush()


def record_event(event: stripe.Event) -> bool:
    """Store the event id once; False when this event was already received."""
    from sqlalchemy.exc import IntegrityError

    from shop.models import ProviderEvent

    try:
        with db.session.begin_nested():
            db.session.add(
                ProviderEvent(provider=Provider.STRIPE, event_id=event.id, type=event.type)
            )
    except IntegrityError:
        return False
    return True
