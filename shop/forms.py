"""Helpers shared by the forms of every blueprint."""

from __future__ import annotations

import flask_babel
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class _ShopCatalog:
    """WTForms' own messages ("This field is required.") through the shop's catalog:
    WTForms ships no Vietnamese, so a Vietnamese page showed them in English."""

    # WTForms fills in %(min)s and the like itself, so the catalog must return the bare text
    # (flask_babel.ngettext would already apply %(num)s and fail on the rest).
    def gettext(self, string: str) -> str:
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return flask_babel.get_translations().ungettext(singular, plural, n)


class ShopForm(FlaskForm):
    """Every form of the shop: Flask-WTF's CSRF, with WTForms' messages in the page's language."""

    class Meta:
        def get_translations(self, form):
            return _ShopCatalog()


# WTForms' messages the shop's forms can show, listed so that they are extracted and translated.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Not a valid date value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Invalid URL."),
    _l("Field must be equal to %(other_name)s."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Invalid Choice: could not coerce."),
    _l("Field must be between %(min)d and %(max)d characters long."),
)
ngettext = flask_babel.lazy_ngettext  # under this name the extractor finds the plurals
WTFORMS_PLURALS = (
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    ),
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    ),
)


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
