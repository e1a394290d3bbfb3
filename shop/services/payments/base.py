"""The interface every payment provider offers the shop.

Providers only talk to the outside world and translate what it says into the
order lifecycle's words (``orders.payment_received``, ``payment_closed``,
``provider_refunded``); they never write an order's status themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shop.models import Order, Payment, Refund


@dataclass(frozen=True)
class Urls:
    """Where a hosted payment page sends the buyer back."""

    success: str
    cancel: str


@dataclass(frozen=True)
class EventResult:
    """What a provider's event did: ``duplicate`` when this event id was seen before."""

    order: Order | None = None
    duplicate: bool = False


class PaymentProvider(Protocol):
    def start(self, order: Order, urls: Urls) -> Payment:
        """Begin collecting the order's total; the Payment may carry a redirect URL."""

    def handle_event(self, payload: bytes, signature: str | None) -> EventResult:
        """Verify and apply one event the provider sent (a webhook)."""

    def send_refund(self, refund: Refund) -> None:
        """Carry out a refund the lifecycle decided on (called by the outbox, may retry)."""

    def cancel(self, payment: Payment) -> None:
        """Close a payment still in progress at the provider (called by the outbox)."""
