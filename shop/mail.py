"""Emails, in the recipient's language. Rendered in the request, sent through the outbox.

Nothing here talks to SMTP during a request: ``queue`` writes the message in the
current transaction and the outbox delivers it after the commit, retrying on failure.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage

from shop.models import Order, Refund
from shop.services import outbox


def queue(to: str, subject: str, body: str) -> None:
    """Queue an email. Every one ends with a link that stops news and offers in one click
    (and says so in its List-Unsubscribe headers); messages about orders still come."""
    if to:
        link = unsubscribe_url(to)
        footer = _("No more news and offers from the OCOP Shop: %(link)s", link=link)
        body = f"{body.rstrip()}\n\n-- \n{footer}\n"
        outbox.enqueue("email", to=to, subject=subject, body=body, unsubscribe=link)


def unsubscribe_url(email: str) -> str:
    from shop.services.consents import unsubscribe_token
    from shop.templating import external_url

    token = unsubscribe_token(email, current_app.config["SECRET_KEY"])
    return external_url("auth.unsubscribe", token=token)


@outbox.handler("email")
def deliver_email(message: dict) -> None:
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    headers = {}
    if message.get("unsubscribe"):  # RFC 8058: mail apps offer a one-click button
        headers = {
            "List-Unsubscribe": f"<{message['unsubscribe']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    EmailMessage(
        message["subject"], message["body"], sender, [message["to"]], headers=headers
    ).send()


def send_order_placed(order: Order, order_url: str) -> None:
    """A confirmation to the buyer and a new-order notice to each cooperative involved."""
    with force_locale(order.language):
        queue(
            order.email,
            _("Order %(number)s received", number=order.number),
            render_template("email/order_placed.txt", order=order, order_url=order_url),
        )
        for part in order.parts:
            queue(
                part.cooperative.email,
                _("New order %(number)s", number=order.number),
                render_template("email/new_order.txt", order=order, part=part),
            )


def send_recall_notice(order: Order, recall) -> None:
    """Tell a buyer that a lot their parcel carried is recalled, in their language."""
    with force_locale(order.language):
        queue(
            order.email,
            _(
                "Recall: %(product)s, lot %(code)s",
                product=recall.lot.product.name_vi,
                code=recall.lot.code,
            ),
            render_template("email/recall.txt", order=order, recall=recall),
        )


def send_refund_notice(order: Order, refunds: list[Refund]) -> None:
    """Tell the buyer money is coming back, and how."""
    with force_locale(order.language):
        queue(
            order.email,
            _("Refund for order %(number)s", number=order.number),
            render_template("email/refund.txt", order=order, refunds=refunds),
        )


def send_registration_link(email: str, name: str, finish_url: str) -> None:
    """The link that proves the address and lets its owner choose a password."""
    queue(
        email,
        _("Finish creating your OCOP Shop account"),
        render_template("email/register.txt", name=name, finish_url=finish_url),
    )


def send_account_exists(user, reset_url: str) -> None:
    """Someone tried to register an address that has an account: tell its owner, no one else."""
    with force_locale(user.language or "vi"):
        queue(
            user.email,
            _("You already have an OCOP Shop account"),
            render_template("email/account_exists.txt", user=user, reset_url=reset_url),
        )


def send_password_reset(user, reset_url: str) -> None:
    with force_locale(user.language or "vi"):
        queue(
            user.email,
            _("Choose a new password"),
            render_template("email/password_reset.txt", user=user, reset_url=reset_url),
        )


def send_invitation(email: str, coop, join_url: str) -> None:
    queue(
        email,
        _("Join %(name)s on the OCOP Shop", name=coop.name),
        render_template("email/invitation.txt", coop=coop, join_url=join_url),
    )
