"""Forms of the OCOP office: labelled, short, validated again on the server."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from shop.coop.forms import RecallForm
from shop.forms import ShopForm
from shop.models import OcopLevel, Role
from shop.services.admin import OrderFilter

LEVEL_LABELS = {
    OcopLevel.DISTRICT: _l("District"),
    OcopLevel.PROVINCIAL: _l("Provincial"),
    OcopLevel.NATIONAL: _l("National"),
}
ROLE_LABELS = {
    Role.CUSTOMER: _l("Customer"),
    Role.MEMBER: _l("Cooperative member"),
    Role.ADMIN: _l("OCOP office (admin)"),
}
MAX_AMOUNT = 999_999_999_999


class RejectForm(ShopForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class ProductSearchForm(ShopForm):
    """Find a product to rate: by GTIN or by words of its name (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("GTIN or name"), validators=[Optional(), Length(min=2, max=100)])


class RatingForm(ShopForm):
    score = IntegerField(
        _l("Score"),
        validators=[
            InputRequired(message=_l("Enter the score, a whole number from 0 to 100.")),
            NumberRange(min=0, max=100),
        ],
    )
    level = SelectField(
        _l("Level"), choices=[(level.value, label) for level, label in LEVEL_LABELS.items()]
    )
    council = StringField(_l("Council"), validators=[DataRequired(), Length(max=200)])
    certificate_number = StringField(
        _l("Certificate number"), validators=[DataRequired(), Length(max=80)]
    )
    decision_date = DateField(_l("Decision date"), validators=[DataRequired()])


class RevokeForm(ShopForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class RoleForm(ShopForm):
    role = SelectField(
        _l("Role"), choices=[(role.value, label) for role, label in ROLE_LABELS.items()]
    )
    cooperative = SelectField(_l("Cooperative (members only)"), coerce=int, validators=[Optional()])


class UserSearchForm(ShopForm):
    class Meta:
        csrf = False

    q = StringField(_l("Email contains"), validators=[Optional(), Length(max=254)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class OrderListForm(ShopForm):
    class Meta:
        csrf = False

    show = SelectField(
        _l("Show"),
        choices=[
            (OrderFilter.ALL.value, _l("All orders")),
            (OrderFilter.ATTENTION.value, _l("Needing attention")),
            (OrderFilter.UNPAID_TRANSFER.value, _l("Unpaid bank transfers")),
        ],
        default=OrderFilter.ALL.value,
        validators=[Optional()],
    )
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class TransferForm(ShopForm):
    amount = IntegerField(
        _l("Amount received (đồng)"),
        validators=[
            InputRequired(message=_l("Enter the amount in whole đồng.")),
            NumberRange(min=1, max=MAX_AMOUNT),
        ],
    )


class RefundForm(ShopForm):
    amount = IntegerField(
        _l("Amount (đồng)"),
        validators=[
            InputRequired(message=_l("Enter the amount in whole đồng.")),
            NumberRange(min=1, max=MAX_AMOUNT),
        ],
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class PageForm(ShopForm):
    class Meta:
        csrf = False

    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100_000)])


class OfficeRecallForm(RecallForm):
    gtin = StringField(_l("GTIN"), validators=[DataRequired(), Length(max=14)])
    lot_code = StringField(_l("Lot code"), validators=[DataRequired(), Length(max=20)])


class PayoutForm(ShopForm):
    amount = IntegerField(
        _l("Amount (đồng)"), validators=[DataRequired(), NumberRange(min=1, max=MAX_AMOUNT)]
    )
    paid_on = DateField(_l("Transfer date"), validators=[DataRequired()])
    reference = StringField(_l("Bank reference"), validators=[DataRequired(), Length(max=100)])


class PolicyForm(ShopForm):
    title_vi = StringField(_l("Title (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    body_vi = TextAreaField(
        _l("Text (Vietnamese, Markdown)"),
        validators=[DataRequired(), Length(max=60_000)],
        render_kw={"rows": 18},
    )
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    body_en = TextAreaField(
        _l("Text (English, Markdown)"),
        validators=[Optional(), Length(max=60_000)],
        render_kw={"rows": 18},
    )
