"""The checkout sequence: one order per checkout form, whatever the network does.

The form's one-time key is stored on the order (unique). A second submit of the
same form, concurrent or after a timeout, finds that order instead of placing
another: before placing, or, when two submits race, through the unique constraint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from shop.extensions import db
from shop.models import ConsentPurpose, Order, PaymentMethod
from shop.services import cart, consents, orders
from shop.services.payments.base import PaymentProvider, Urls
from shop.services.pricing import DeliveryRule


@dataclass(frozen=True)
class Placed:
    order: Order
    again: bool  # True: this key had placed the order already


@dataclass(frozen=True)
class Checkout:
    """What the sequence needs from the web layer and the configuration."""

    items: cart.Items
    delivery: orders.Delivery
    method: PaymentMethod
    key: str
    rule: DeliveryRule
    holds: dict[str, int]
    user_id: int | None
    language: str
    marketing: bool = False  # the buyer ticked "news and offers"


def _record_consents(order: Order, marketing: bool) -> None:
    """The buyer agreed to the terms and privacy policy to place it, and maybe to news."""
    consents.record(ConsentPurpose.TERMS, order.email, "checkout", order=order, user=order.user)
    if marketing and not consents.wants_marketing(order.email, order.user):
        consents.record(
            ConsentPurpose.MARKETING, order.email, "checkout", order=order, user=order.user
        )


def already_placed(key: str, user_id: int | None) -> Order | None:
    """The order this checkout key placed (a signed-in buyer's key only finds their own)."""
    order = orders.by_checkout_key(key)
    if order is None or (order.user_id is not None and order.user_id != user_id):
        return None
    return order


def place(
    checkout: Checkout,
    provider: PaymentProvider,
    urls_for: Callable[[Order], Urls],
    clear_cart: Callable[[], None],
) -> Placed:
    """Release abandoned holds, place the order, start a non-card payment, clear the cart.

    A card payment is started by the caller after committing (see ``start_card``).
    """
    found = already_placed(checkout.key, checkout.user_id)
    if found is not None:
        return Placed(found, again=True)
    orders.release_expired()  # return stock held by abandoned orders before taking any
    try:
        with db.session.begin_nested():
            order = orders.place_order(
                checkout.items,
                checkout.delivery,
                checkout.method,
                checkout.rule,
                checkout.holds,
                user_id=checkout.user_id,
                language=checkout.language,
                checkout_key=checkout.key,
            )
    except IntegrityError:
        # Another submit of this form placed it a moment ago (the checkout key is unique).
        found = already_placed(checkout.key, checkout.user_id)
        if found is None:
            raise
        return Placed(found, again=True)
    _record_consents(order, checkout.marketing)
    if checkout.method is not PaymentMethod.CARD:
        provider.start(order, urls_for(order))
    clear_cart()
    return Placed(order, again=False)
