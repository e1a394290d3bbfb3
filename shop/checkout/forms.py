"""The checkout form: who receives the parcel, where, and how they pay."""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
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

from shop.forms import ConsentFields, ShopForm
from shop.models import PaymentMethod
from shop.services.places import (
    FORMER_PROVINCES,
    WardMatch,
    find_ward,
    province_by_code,
    provinces,
    ward_names,
)

# Vietnamese mobile numbers: 0 or +84, then 3, 5, 7, 8 or 9, then eight digits.
MOBILE = re.compile(r"^(?:\+84|0)([35789]\d{8})$")
CHECKOUT_KEY = r"^[A-Za-z0-9_-]{16,64}$"


def province_label(name: str) -> str:
    """Today's province, with the former ones it took in (people still know them so)."""
    former = FORMER_PROVINCES.get(name)
    if not former:
        return name
    return str(_l("%(province)s (with former %(former)s)", province=name, former=", ".join(former)))


def new_checkout_key() -> str:
    return secrets.token_urlsafe(24)


def normalize_phone(raw: str) -> str | None:
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = MOBILE.match(digits)
    return f"0{match.group(1)}" if match else None


class CheckoutForm(ConsentFields, ShopForm):
    ward_match = WardMatch()  # set by validate_ward: today's ward for what was typed

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
            (p.code, province_label(p.name)) for p in provinces()
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

    def ward_choices(self) -> tuple[str, ...]:
        """Today's wards of the chosen province, offered as the ward field's list (a datalist:
        the buyer picks one as they type, or types a former name)."""
        place = province_by_code(self.province.data or "")
        if place is None:
            return ()
        self.ward.render_kw = {**(self.ward.render_kw or {}), "list": "ward-list"}
        return ward_names(place)

    def validate_phone(self, field):
        if normalize_phone(field.data) is None:
            raise ValidationError(_l("Enter a Vietnamese mobile number, e.g. 0912 345 678."))

    def validate_ward(self, field):
        """Today's wards, and the former ones people still write: a former ward that became
        one of today's is taken (``ward_match`` says which); one split between several asks
        the buyer to choose."""
        place = province_by_code(self.province.data or "")
        if place is None:
            return
        self.ward_match = find_ward(place, field.data)
        if self.ward_match.choices:
            raise ValidationError(
                _l(
                    "Since 1 July 2025 %(ward)s is divided between %(choices)s: "
                    "type the one your street is in.",
                    ward=field.data,
                    choices=", ".join(self.ward_match.choices),
                )
            )
        if self.ward_match.name is None:
            raise ValidationError(
                _l(
                    "%(ward)s is not a ward or commune of %(province)s.",
                    ward=field.data,
                    province=place.name,
                )
            )
