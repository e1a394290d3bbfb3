"""Payment providers behind one interface: Stripe cards, VietQR transfers, cash on delivery."""

from __future__ import annotations

from collections.abc import Mapping

from shop.models import PaymentMethod
from shop.services.payments.base import PaymentProvider, Urls
from shop.services.payments.cod import CashOnDelivery
from shop.services.payments.vietqr import BankAccount, VietQrTransfer
from shop.services.payments.vietqr import purpose_of as vietqr_purpose

__all__ = [
    "PaymentProvider",
    "Urls",
    "card_enabled",
    "hold_minutes",
    "provider_for",
    "vietqr",
    "vietqr_purpose",
]


def card_enabled(config: Mapping) -> bool:
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_WEBHOOK_SECRET"))


def bank_account(config: Mapping) -> BankAccount:
    return BankAccount(
        config["VIETQR_BANK_BIN"], config["VIETQR_ACCOUNT_NUMBER"], config["VIETQR_ACCOUNT_NAME"]
    )


def vietqr(config: Mapping) -> VietQrTransfer:
    return VietQrTransfer(bank_account(config))


def stripe_checkout(config: Mapping):
    from shop.services.payments.stripe import StripeCheckout

    return StripeCheckout(
        config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"], config.get("STRIPE_API_BASE")
    )


def provider_for(method: PaymentMethod, config: Mapping) -> PaymentProvider:
    if method is PaymentMethod.CARD:
        return stripe_checkout(config)
    if method is PaymentMethod.VIETQR:
        return vietqr(config)
    return CashOnDelivery()


def hold_minutes(config: Mapping) -> dict[str, int]:
    """How long unpaid orders keep their stock, per payment method."""
    return {
        PaymentMethod.CARD.value: config["CARD_HOLD_MINUTES"],
        PaymentMethod.VIETQR.value: config["VIETQR_HOLD_MINUTES"],
    }
