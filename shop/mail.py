"""Emails about orders, in the buyer's language. Sent after the order is committed."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage

from shop.models import Order


def _send(to: str, subject: str, body: str) -> None:
    if to:
        EmailMessage(subject, body, current_app.config["MAIL_DEFAULT_SENDER"], [to]).send()


def send_order_placed(order: Order, order_url: str) -> None:
    """A confirmation to the buyer and a new-order notice to each cooperative involved."""
    with force_locale(order.language):
        _send(
            order.email,
            _("Order %(number)s received", number=order.number),
            render_template("email/order_placed.txt", order=order, order_url=order_url),
        )
        for part in order.parts:
            _send(
                part.cooperative.email,
                _("New order %(number)s", number=order.number),
                render_template("email/new_order.txt", order=order, part=part),
            )


def send_password_reset(user, reset_url: str) -> None:
    with force_locale(user.language or "vi"):
        _send(
            user.email,
            _("Choose a new password"),
            render_template("email/password_reset.txt", user=user, reset_url=reset_url),
        )


def send_invitation(email: str, coop, join_url: str) -> None:
    _send(
        email,
        _("Join %(name)s on the OCOP Shop", name=coop.name),
        render_template("email/invitation.txt", coop=coop, join_url=join_url),
    )
