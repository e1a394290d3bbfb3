"""The checkout form: who receives the parcel, where, and how they pay."""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from shop.forms import ConsentFields
from shop.models import PaymentMethod
from shop.services.places import province_by_code, provinces, ward_in

# Vietnamese mobile numbers: 0 or +84, then 3, 5, 7, 8 or 9, then eight digits.
MOBILE = re.compile(r"^(?:\+84|0)([35789]\d{8})$")
CHECKOUT_KEY = r"^[A-Za-z0-9_-]{16,64}$"


def new_checkout_key() -> str:
    return secrets.token_urlsafe(24)


def normalize_phone(raw: str) -> str | None:
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = MOBILE.match(digits)
    return f"0{match.group(1)}" if match else None


class CheckoutForm(ConsentFields, FlaskForm):
    # autocomplete lets phones fill the form; the phone field brings up the number pad.
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        _l("Phone"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    province = SelectField(
        _l("Province"), validators=[DataRequired()], render_kw={"autocomplete": "address-level1"}
    )
    ward = StringField(
        _l("Ward or commune"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "address-level2"},
    )
    street = StringField(
        _l("Street address"),
        validators=[DataRequired(), Length(max=300)],
        render_kw={"autocomplete": "street-address"},
    )
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)])
    payment_method = RadioField(_l("Payment method"), validators=[DataRequired()])
    # One key per form shown: a second submit of the same form finds the order it placed.
    checkout_key = HiddenField(
        validators=[
            DataRequired(_l("This form has expired. Please check your order and send it again.")),
            Regexp(
                CHECKOUT_KEY,
                message=_l("This form has expired. Please check your order and send it again."),
            ),
        ]
    )

    def __init__(self, *args, card_enabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.province.choices = [("", _l("Choose a province"))] + [
            (p.code, p.name) for p in provinces()
        ]
        methods = [
            (PaymentMethod.COD.value, _l("Cash on delivery")),
            (PaymentMethod.VIETQR.value, _l("Bank transfer (VietQR)")),
        ]
        if card_enabled:
            methods.append((PaymentMethod.CARD.value, _l("Card (Stripe)")))
        self.payment_method.choices = methods
        if not self.payment_method.data:
            self.payment_method.data = PaymentMethod.COD.value
        if not self.is_submitted():
            self.checkout_key.data = new_checkout_key()

    def validate_phone(self, field):
        if normalize_phone(field.data) is None:
            raise ValidationError(_l("Enter a Vietnamese mobile number, e.g. 0912 345 678."))

    def validate_ward(self, field):
        place = province_by_code(self.province.data or "")
        if place is not None and ward_in(place, field.data) is None:
            raise ValidationError(
                _l(
                    "%(ward)s is not a ward or commune of %(province)s.",
                    ward=field.data,
                    province=place.name,
                )
            )
