"""Forms of returns and complaints, for the buyer, the cooperative and the office. Each is
checked again by ``shop.services.complaints``; these give the first, field-level message."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from shop.forms import ShopForm
from shop.models import ComplaintReason, Remedy

REASONS = [
    (ComplaintReason.DAMAGED.value, _l("Damaged or broken")),
    (ComplaintReason.WRONG_ITEM.value, _l("Wrong product")),
    (ComplaintReason.MISSING.value, _l("Something is missing")),
    (ComplaintReason.NOT_AS_DESCRIBED.value, _l("Not as described")),
    (ComplaintReason.OTHER.value, _l("Another problem")),
]
REMEDIES = [
    (Remedy.REFUND.value, _l("Refund part or all of the price; I keep the goods")),
    (Remedy.RETURN.value, _l("Return the goods for a full refund")),
]
MAX_AMOUNT = 99_999_999


class ComplaintForm(ShopForm):
    reason = SelectField(
        _l("What is wrong"),
        choices=REASONS,
        validators=[DataRequired(message=_l("Choose what is wrong."))],
    )
    remedy = RadioField(
        _l("What you ask for"),
        choices=REMEDIES,
        default=Remedy.REFUND.value,
        validators=[DataRequired(message=_l("Choose what you ask for."))],
    )
    amount = IntegerField(
        _l("Amount to refund (đồng)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_AMOUNT, message=_l("Give a whole number of đồng.")),
        ],
    )
    message = TextAreaField(
        _l("Describe the problem"),
        validators=[
            DataRequired(message=_l("Say what is wrong with the parcel.")),
            Length(max=2000, message=_l("Describe the problem in 2,000 characters at most.")),
        ],
    )
    photos = MultipleFileField(
        _l("Photos of the parcel and the goods (1 to 4)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )


class EscalateForm(ShopForm):
    note = TextAreaField(
        _l("Why you disagree (optional)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Say why in 1,000 characters at most.")),
        ],
    )


class AnswerForm(ShopForm):
    decision = RadioField(
        _l("Your answer"),
        choices=[("accept", _l("Accept")), ("refuse", _l("Refuse"))],
        validators=[DataRequired(message=_l("Choose to accept or refuse."))],
    )
    answer = TextAreaField(
        _l("Message to the buyer (required to refuse; for a return, where to send the goods)"),
        validators=[
            Optional(),
            Length(max=2000, message=_l("Answer in 2,000 characters at most.")),
        ],
    )


class GoodsReceivedForm(ShopForm):
    """Only the CSRF token: the cooperative confirms the returned goods are back."""


class DecisionForm(ShopForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[("refund", _l("Refund the buyer")), ("reject", _l("Reject the complaint"))],
        validators=[DataRequired(message=_l("Choose a decision."))],
    )
    amount = IntegerField(
        _l("Amount to refund (đồng)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_AMOUNT, message=_l("Give a whole number of đồng.")),
        ],
    )
    note = TextAreaField(
        _l("Reason, read by the buyer and the cooperative"),
        validators=[
            DataRequired(
                message=_l("Explain the decision; the buyer and the cooperative read it.")
            ),
            Length(max=2000, message=_l("Explain the decision in 2,000 characters at most.")),
        ],
    )
