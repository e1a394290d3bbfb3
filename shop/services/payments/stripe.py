"""Card payments through Stripe Checkout. The only module that imports ``stripe``.

VND is a zero-decimal currency for Stripe: 150.000 ₫ is sent as 150000. Every call
has a timeout and bounded retries, and an idempotency key, so a retry after a
timeout never creates a second session or refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import sqlalchemy as sa
import stripe
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    Order,
    Payment,
    PaymentState,
    PaymentStatus,
    Provider,
    ProviderEvent,
    Refund,
)
from shop.services import orders
from shop.services.errors import Conflict, DomainError, InvalidInput
from shop.services.payments.base import EventResult, Urls

# Stripe refuses a Checkout Session that expires in under 30 minutes.
MIN_SESSION_LIFETIME = timedelta(minutes=30, seconds=30)
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
CLOSED_EVENTS = {
    "checkout.session.expired": (PaymentState.EXPIRED, orders.CARD_EXPIRED),
    "checkout.session.async_payment_failed": (PaymentState.FAILED, "card payment failed"),
}


class PaymentUnavailable(DomainError):
    """The provider could not be reached or refused; the buyer may pick another method."""

    status_code = 503


class StripeCheckout:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout: float = 10,
        retries: int = 2,
    ):
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        self.client = stripe.StripeClient(
            secret_key,
            max_network_retries=retries,
            http_client=stripe.RequestsClient(timeout=timeout),
            **options,
        )
        self.webhook_secret = webhook_secret

    # --- Starting -----------------------------------------------------------------------

    def start(self, order: Order, urls: Urls) -> Payment:
        """The hosted payment page: the open one again, or a new one (key per attempt)."""
        if order.payment_status is not PaymentStatus.UNPAID or order.amount_missing <= 0:
            raise Conflict(_l("This order no longer needs paying."))
        open_payment = next(
            (
                p
                for p in order.payments
                if p.provider is Provider.STRIPE and p.state is PaymentState.OPEN
            ),
            None,
        )
        if open_payment is not None:
            return open_payment
        attempt = sum(1 for p in order.payments if p.provider is Provider.STRIPE) + 1
        try:
            session = self.client.v1.checkout.sessions.create(
                params=_session_params(order, urls),
                options={"idempotency_key": f"order-{order.id}-checkout-{attempt}"},
            )
        except stripe.StripeError as error:
            raise PaymentUnavailable(
                _l("Card payments are not available right now. Please choose another method.")
            ) from error
        payment = Payment(
            order=order,
            provider=Provider.STRIPE,
            amount=order.amount_due,
            reference=session.id,
            redirect_url=session.url or "",
        )
        db.session.add(payment)
        db.session.flush()
        return payment

    # --- Events -------------------------------------------------------------------------

    def verify(self, payload: bytes, signature: str | None) -> stripe.Event:
        """The event, if Stripe signed this exact body with our secret; InvalidInput otherwise."""
        if not signature:
            raise InvalidInput("Missing Stripe-Signature header.")
        try:
            return self.client.construct_event(payload, signature, self.webhook_secret)
        except (ValueError, stripe.SignatureVerificationError) as error:
            raise InvalidInput("Invalid Stripe signature.") from error

    def handle_event(self, payload: bytes, signature: str | None) -> EventResult:
        """Verify, store the event id once, and translate the event for the order lifecycle."""
        event = self.verify(payload, signature)
        try:
            kind, obj = str(event.type), event.data.object.to_dict()
        except (AttributeError, KeyError, TypeError) as error:
            raise InvalidInput("Malformed Stripe event: no data.object.") from error
        if not _record_once(str(event.id), kind):
            return EventResult(duplicate=True)
        try:
            return EventResult(order=_apply(kind, obj))
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(f"Malformed Stripe event {kind}: {error!r}") from error

    # --- Refunds and cancellations (run by the outbox) ------------------------------------

    def send_refund(self, refund: Refund) -> None:
        payment = refund.payment
        if payment is None or not payment.payment_intent:
            raise InvalidInput("A card refund needs the payment it returns.")
        result = self.client.v1.refunds.create(
            params={
                "payment_intent": payment.payment_intent,
                "amount": refund.amount,
                "metadata": {"order_id": str(refund.order_id), "refund_id": str(refund.id)},
            },
            options={"idempotency_key": f"refund-{refund.id}"},
        )
        orders.refund_sent(refund, result.id)

    def cancel(self, payment: Payment) -> None:
        """Expire the Checkout Session, so it can no longer take money."""
        try:
            self.client.v1.checkout.sessions.expire(payment.reference)
        except stripe.InvalidRequestError:
            # Not open any more: expired already, or paid, which the webhook then refunds.
            return


def _session_params(order: Order, urls: Urls) -> dict:
    expires = max(order.expires_at or utcnow(), utcnow() + MIN_SESSION_LIFETIME)
    return {
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


def _line_items(order: Order) -> list[dict]:
    live = [part for part in order.parts if part.is_live]
    items = [
        {
            "quantity": line.quantity,
            "price_data": {
                "currency": "vnd",
                "unit_amount": line.unit_price,
                "product_data": {"name": line.name},
            },
        }
        for part in live
        for line in part.lines
    ]
    delivery = sum(part.delivery_fee for part in live)
    if delivery:
        items.append(
            {
                "quantity": 1,
                "price_data": {
                    "currency": "vnd",
                    "unit_amount": delivery,
                    "product_data": {"name": "Phí giao hàng / Delivery"},
                },
            }
        )
    return items


def _record_once(event_id: str, kind: str) -> bool:
    """Store the event id; False when this event was already received."""
    try:
        with db.session.begin_nested():
            db.session.add(ProviderEvent(provider=Provider.STRIPE, event_id=event_id, type=kind))
    except IntegrityError:
        return False
    return True


def _session_payment(session: Mapping) -> Payment | None:
    """The payment of a Checkout Session; one the shop never stored is recorded as stale."""
    session_id = session["id"]
    payment = db.session.scalar(sa.select(Payment).where(Payment.reference == session_id))
    if payment is not None:
        return payment
    order_id = str((session.get("metadata") or {}).get("order_id") or "")
    order = db.session.get(Order, int(order_id)) if order_id.isdigit() else None
    if order is None:
        return None
    payment = Payment(
        order=order,
        provider=Provider.STRIPE,
        amount=int(session.get("amount_total") or 0),
        reference=session_id,
        state=PaymentState.CANCELLED,  # the order never used it: money on it goes back
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def _apply(kind: str, obj: Mapping) -> Order | None:
    if kind.startswith("checkout.session."):
        payment = _session_payment(obj)
        if payment is None:
            return None
        if obj.get("payment_intent"):
            payment.payment_intent = str(obj["payment_intent"])
        if kind in PAID_EVENTS and obj.get("payment_status") == "paid":
            orders.payment_received(payment, _whole_dong(obj["amount_total"]))
        elif kind in CLOSED_EVENTS:
            orders.payment_closed(payment, *CLOSED_EVENTS[kind])
        return payment.order
    if kind == "charge.refunded":
        payment = db.session.scalar(
            sa.select(Payment).where(Payment.payment_intent == str(obj["payment_intent"]))
        )
        if payment is None:
            return None
        orders.provider_refunded(payment, _whole_dong(obj["amount_refunded"]))
        return payment.order
    return None


def _whole_dong(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not an amount in đồng: {value!r}")
    return value
