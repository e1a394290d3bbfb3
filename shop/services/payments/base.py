"""The interface every payment provider offers the checkout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shop.models import Order, Payment


@dataclass(frozen=True)
class Urls:
    """Where a hosted payment page sends the buyer back."""

    success: str
    cancel: str


class PaymentProvider(Protocol):
    def start(self, order: Order, urls: Urls) -> Payment:
        """Begin collecting the order's total; the Payment may carry a redirect URL."""

    def refund(self, order: Order, amount: int, reason: str) -> None:
        """Return money to the buyer."""

    def cancel(self, order: Order) -> None:
        """Stop a payment still in progress (nothing to do for cash)."""
