"""Account forms. Every rule is checked again on the server by services.accounts."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from shop.forms import ConsentFields, ShopForm
from shop.models import CooperativeKind
from shop.services.accounts import MIN_PASSWORD
from shop.services.places import provinces

EMAIL = [DataRequired(), Email(check_deliverability=False), Length(max=254)]
NEW_PASSWORD = [
    DataRequired(),
    Length(min=MIN_PASSWORD, max=200, message=_l("Use at least %(n)s characters.", n=MIN_PASSWORD)),
]


class RegisterForm(ShopForm):
    """Name and email: the password is chosen from the link we email, which proves the address."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=EMAIL)


class ChoosePasswordForm(ConsentFields, ShopForm):
    """The password of a new account, chosen from the emailed link, and the consents."""

    password = PasswordField(_l("Password"), validators=NEW_PASSWORD)
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The passwords differ."))],
    )


class LoginForm(ShopForm):
    email = EmailField(_l("Email"), validators=EMAIL)
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me"))


class ResetRequestForm(ShopForm):
    email = EmailField(_l("Email"), validators=EMAIL)


class ResetForm(ShopForm):
    password = PasswordField(_l("New password"), validators=NEW_PASSWORD)
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(ShopForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=NEW_PASSWORD)
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangeEmailForm(ShopForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    email = EmailField(_l("New email"), validators=EMAIL)


class CooperativeApplicationForm(ShopForm):
    name = StringField(
        _l("Name of the cooperative or business"), validators=[DataRequired(), Length(max=200)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=[
            (CooperativeKind.COOPERATIVE.value, _l("Cooperative")),
            (CooperativeKind.ENTERPRISE.value, _l("Enterprise")),
            (CooperativeKind.HOUSEHOLD.value, _l("Household business")),
        ],
    )
    province = SelectField(_l("Province"), validators=[DataRequired()])
    commune = StringField(_l("Ward or commune"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=30)])
    registration_number = StringField(
        _l("Business registration or tax number"), validators=[DataRequired(), Length(max=20)]
    )
    zalo_url = URLField(_l("Zalo page (optional)"), validators=[Optional(), Length(max=300)])
    facebook_url = URLField(
        _l("Facebook page (optional)"), validators=[Optional(), Length(max=300)]
    )
    story = TextAreaField(_l("Your products and story"), validators=[Length(max=4000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province.choices = [("", _l("Choose a province"))] + [
            (p.name, p.name) for p in provinces()
        ]


class NotificationsForm(ShopForm):
    phone = TelField(
        _l("Mobile phone for Zalo and SMS"),
        validators=[Optional(), Length(max=20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    by_email = BooleanField(_l("Email"))
    by_zalo = BooleanField(_l("Zalo"))
    by_sms = BooleanField(_l("SMS"))


class MarketingForm(ShopForm):
    """News and offers: on or off, from the account page."""

    wanted = BooleanField(_l("Send me news and offers from the OCOP Shop"))


class DeleteAccountForm(ShopForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(message=_l("Type your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    sure = BooleanField(
        _l("I understand that my account, reviews and cart are deleted for good"),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
