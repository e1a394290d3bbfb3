"""The counterfeit report a shopper sends from a code that was never issued."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from shop.forms import ShopForm


class CounterfeitForm(ShopForm):
    place = StringField(
        _l("Where did you buy it?"),
        validators=[
            DataRequired(_l("Say where you bought it (a shop, a market, a website).")),
            Length(max=200),
        ],
    )
    contact = StringField(
        _l("Your phone or email (optional, if the producer may contact you)"),
        validators=[Optional(), Length(max=200)],
    )
    photo = FileField(_l("A photo of the package (optional)"))
