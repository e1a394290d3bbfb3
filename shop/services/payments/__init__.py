"""Payment providers behind one interface: Stripe cards, VietQR transfers, cash on delivery."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from shop.extensions import db
from shop.models import Payment, PaymentMethod, Provider, Refund, RefundState
from shop.services import outbox
from shop.services.payments.base import EventResult, PaymentProvider, Urls
from shop.services.payments.cod import CashOnDelivery
from shop.services.payments.vietqr import BankAccount, VietQrTransfer
from shop.services.payments.vietqr import purpose_of as vietqr_purpose

__all__ = [
    "EventResult",
    "PaymentProvider",
    "Urls",
    "card_enabled",
    "hold_minutes",
    "provider_for",
    "provider_named",
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
        config["STRIPE_SECRET_KEY"],
        config["STRIPE_WEBHOOK_SECRET"],
        config.get("STRIPE_API_BASE"),
        timeout=config.get("STRIPE_TIMEOUT", 10),
        retries=config.get("STRIPE_MAX_RETRIES", 2),
    )


def provider_named(provider: Provider, config: Mapping) -> PaymentProvider:
    if provider is Provider.STRIPE:
        return stripe_checkout(config)
    if provider is Provider.VIETQR:
        return vietqr(config)
    return CashOnDelivery()


def provider_for(method: PaymentMethod, config: Mapping) -> PaymentProvider:
    return provider_named(
        {
            PaymentMethod.CARD: Provider.STRIPE,
            PaymentMethod.VIETQR: Provider.VIETQR,
            PaymentMethod.COD: Provider.COD,
        }[method],
        config,
    )


def hold_minutes(config: Mapping) -> dict[str, int]:
    """How long unpaid orders keep their stock, per payment method."""
    return {
        PaymentMethod.CARD.value: config["CARD_HOLD_MINUTES"],
        PaymentMethod.VIETQR.value: config["VIETQR_HOLD_MINUTES"],
    }


@outbox.handler("refund.send")
def send_refund(message: dict) -> None:
    """Carry out a refund through its provider (Stripe); already sent ones are skipped."""
    refund = db.session.get(Refund, message["refund_id"])
    if refund is None or refund.state is not RefundState.PENDING:
        return
    provider_named(refund.provider, current_app.config).send_refund(refund)


@outbox.handler("payment.cancel")
def cancel_payment(message: dict) -> None:
    """Close at the provider a payment the order no longer uses."""
    payment = db.session.get(Payment, message["payment_id"])
    if payment is not None:
        provider_named(payment.provider, current_app.config).cancel(payment)
