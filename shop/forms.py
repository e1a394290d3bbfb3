"""Helpers shared by the forms of every blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired


def first_error(form) -> str:
    """The first field error of ``form`` as "Label: message", for a page's one alert."""
    name, messages = next(iter(form.errors.items()))
    return f"{form[name].label.text}: {messages[0]}" if name in form else str(messages[0])


class ConsentFields:
    """The terms and privacy policy, required; news and offers, a separate choice."""

    agree = BooleanField(
        _l("I agree to the terms of use and the privacy policy"),
        validators=[
            DataRequired(
                message=_l("Please read and accept the terms of use and the privacy policy.")
            )
        ],
    )
    marketing = BooleanField(
        _l("Send me news and offers from the OCOP Shop (optional; stop them any time)")
    )
