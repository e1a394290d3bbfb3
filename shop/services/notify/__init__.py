"""Telling people what happened, on the channels they chose: email, Zalo, SMS.

``send(contact, event, subject, text, link)`` writes one outbox message per channel of the
contact, in the current transaction; the outbox (or the worker) delivers them after the
commit and retries the ones that fail. Each channel is a ``Notifier`` behind one interface:
email goes through Flask-Mailman, Zalo through the Zalo Notification Service (ZNS) HTTP API,
SMS through a Vietnamese SMS gateway's HTTP API; a channel with no credentials configured
writes to the log instead (the console notifier, the default of ``make run``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shop.mail import queue as queue_email
from shop.services import outbox

CHANNELS = ("email", "zalo", "sms")


@dataclass(frozen=True)
class Contact:
    """Where one person reads messages: an address, a phone, the channels they chose."""

    email: str = ""
    phone: str = ""
    language: str = "vi"
    channels: frozenset[str] = field(default_factory=lambda: frozenset({"email"}))

    @classmethod
    def of_user(cls, user) -> Contact:
        return cls(user.email, user.phone or "", user.language or "vi", user.channels)


def send(contact: Contact, event: str, subject: str, text: str, link: str = "", *, email=True):
    """Queue ``text`` to every channel of ``contact`` (email only when ``email``: some
    events already have a fuller email of their own)."""
    if email and "email" in contact.channels and contact.email:
        body = f"{text}\n\n{link}\n" if link else f"{text}\n"
        queue_email(contact.email, subject, body)
    for channel in ("zalo", "sms"):
        if channel in contact.channels and contact.phone:
            outbox.enqueue(
                f"notify.{channel}", phone=contact.phone, event=event, text=text, link=link
            )


from shop.services.notify import channels  # noqa: E402,F401  (registers the outbox handlers)
