"""Accounts: registration, passwords, single-use reset tokens, cooperative applications."""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.extensions import db
from shop.models import ConsentPurpose, Cooperative, CooperativeKind, Role, User
from shop.models.user import new_session_token
from shop.services import consents, profiles
from shop.services.errors import Conflict, InvalidInput
from shop.services.text import free_slug

MIN_PASSWORD = 12  # ASVS 2.1.1
RESET_MAX_AGE = 3600  # seconds: a reset link works for one hour
RESET_SALT = "password-reset"


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(_l("Use at least %(n)s characters for your password.", n=MIN_PASSWORD))


def by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


REGISTER_SALT = "register"
REGISTER_MAX_AGE = 24 * 3600  # seconds: a registration link works for a day


def registration_token(email: str, name: str, secret_key: str) -> str:
    """The emailed link's token: who asked to register, signed and dated."""
    serializer = URLSafeTimedSerializer(secret_key, salt=REGISTER_SALT)
    return serializer.dumps({"email": normalize_email(email), "name": name.strip()[:120]})


def _signed_data(token: str, secret_key: str, salt: str, max_age: int, expired, invalid) -> dict:
    """The dict a link's token carries, or InvalidInput saying ``expired`` or ``invalid``."""
    serializer = URLSafeTimedSerializer(secret_key, salt=salt)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise InvalidInput(expired) from error
    except BadSignature as error:
        raise InvalidInput(invalid) from error
    if not isinstance(data, dict):
        raise InvalidInput(invalid)
    return data


def registration_of(token: str, secret_key: str) -> tuple[str, str]:
    """(email, name) of a registration link, or InvalidInput when expired or not ours."""
    data = _signed_data(
        token,
        secret_key,
        REGISTER_SALT,
        REGISTER_MAX_AGE,
        _l("This link has expired. Register again."),
        _l("This link is not valid."),
    )
    if not data.get("email"):
        raise InvalidInput(_l("This link is not valid."))
    return data["email"], data.get("name", "")


def finish_registration(
    token: str, password: str, secret_key: str, *, marketing: bool = False
) -> User:
    """Create the account of a registration link (the link proves the address is theirs),
    recording the person's consent to the terms and privacy policy, and to news if chosen."""
    email, name = registration_of(token, secret_key)
    user = register(email, password, name)
    consents.record(ConsentPurpose.TERMS, email, "registration", user=user)
    if marketing:
        consents.record(ConsentPurpose.MARKETING, email, "registration", user=user)
    return user


def register(
    email: str,
    password: str,
    name: str = "",
    role: Role = Role.CUSTOMER,
    cooperative: Cooperative | None = None,
) -> User:
    email = normalize_email(email)
    check_password_rules(password)
    if by_email(email) is not None:
        raise Conflict(
            _l("An account with this email already exists. Sign in or reset your password.")
        )
    user = User(email=email, name=name.strip(), role=role, cooperative=cooperative)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user if the password matches; None otherwise (the caller says nothing more)."""
    user = by_email(email)
    if user is None or not user.active:
        # Hash anyway so that a wrong email takes as long as a wrong password.
        User(password_hash="").set_password(password or "x")
        return None
    return user if user.check_password(password) else None


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: every session and remember-me cookie names the old token."""
    user.session_token = new_session_token()
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise InvalidInput(_l("Your current password is not correct."))
    check_password_rules(new)
    user.set_password(new)  # rotates the session token: other sessions are signed out
    db.session.flush()


def change_email(user: User, password: str, new_email: str) -> None:
    if not user.check_password(password):
        raise InvalidInput(_l("Your current password is not correct."))
    new_email = normalize_email(new_email)
    if by_email(new_email) is not None:
        raise Conflict(
            _l("An account with this email already exists. Sign in or reset your password.")
        )
    user.email = new_email
    db.session.flush()


def _fingerprint(user: User) -> str:
    # The token dies once used: the fingerprint of the password hash changes with the password.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User, secret_key: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=RESET_SALT)
    return serializer.dumps({"id": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(token: str, secret_key: str) -> User:
    data = _signed_data(
        token,
        secret_key,
        RESET_SALT,
        RESET_MAX_AGE,
        _l("This reset link has expired. Ask for a new one."),
        _l("This reset link is not valid or was already used."),
    )
    user = db.session.get(User, data["id"]) if isinstance(data.get("id"), int) else None
    if user is None or data.get("fp") != _fingerprint(user):
        raise InvalidInput(_l("This reset link is not valid or was already used."))
    return user


def reset_password(token: str, new_password: str, secret_key: str) -> User:
    user = user_for_reset_token(token, secret_key)
    check_password_rules(new_password)
    user.set_password(new_password)
    db.session.flush()
    return user


def apply_for_cooperative(
    user: User,
    *,
    name: str,
    kind: CooperativeKind,
    province: str,
    commune: str,
    address: str,
    phone: str,
    story: str,
    registration_number: str,
    zalo_url: str = "",
    facebook_url: str = "",
) -> Cooperative:
    """A producer asks to open a shop; it stays hidden until the OCOP office approves it."""
    if user.role is not Role.CUSTOMER:
        raise Conflict(_l("This account already belongs to a cooperative or the OCOP office."))
    registration_number = profiles.clean_registration_number(registration_number)
    zalo_url = profiles.clean_link("zalo_url", zalo_url)
    facebook_url = profiles.clean_link("facebook_url", facebook_url)
    slug = free_slug(Cooperative.slug, name, "htx")
    coop = Cooperative(
        name=name.strip(),
        slug=slug,
        kind=kind,
        province=province,
        commune=commune,
        address=address,
        phone=phone,
        email=user.email,
        story_vi=story,
        registration_number=registration_number,
        zalo_url=zalo_url,
        facebook_url=facebook_url,
        approved=False,
    )
    db.session.add(coop)
    user.role, user.cooperative, user.is_owner = Role.MEMBER, coop, True
    db.session.flush()
    return coop


INVITE_SALT = "staff-invitation"
INVITE_MAX_AGE = 7 * 24 * 3600


def members_of(coop: Cooperative) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.cooperative_id == coop.id)
            .order_by(User.is_owner.desc(), User.email)
        )
    )


def invitation_token(owner: User, email: str, secret_key: str) -> str:
    """A signed invitation for ``email`` to join the owner's cooperative as staff."""
    if not owner.is_owner or owner.cooperative_id is None:
        raise Conflict(_l("Only the cooperative's owner can invite staff."))
    serializer = URLSafeTimedSerializer(secret_key, salt=INVITE_SALT)
    return serializer.dumps({"coop": owner.cooperative_id, "email": normalize_email(email)})


def accept_invitation(user: User, token: str, secret_key: str) -> Cooperative:
    """The invited person, signed in with the invited email, joins the cooperative as staff."""
    invalid = _l("This invitation is not valid or has expired.")
    data = _signed_data(token, secret_key, INVITE_SALT, INVITE_MAX_AGE, invalid, invalid)
    if data.get("email") != user.email:
        raise InvalidInput(_l("This invitation was sent to another email address."))
    if user.role is not Role.CUSTOMER:
        raise Conflict(_l("This account already belongs to a cooperative or the OCOP office."))
    coop = db.session.get(Cooperative, data["coop"]) if isinstance(data.get("coop"), int) else None
    if coop is None:
        raise InvalidInput(invalid)
    user.role, user.cooperative, user.is_owner = Role.MEMBER, coop, False
    db.session.flush()
    return coop


MOBILE = re.compile(r"0[35789]\d{8}")


def set_notifications(user: User, phone: str, email: bool, zalo: bool, sms: bool) -> None:
    """Where ``user`` hears from the shop. Zalo and SMS need a Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-]", "", phone or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if digits and not MOBILE.fullmatch(digits):
        raise InvalidInput(
            _l("A Vietnamese mobile number has 10 digits and starts with 03, 05, 07, 08 or 09.")
        )
    if (zalo or sms) and not digits:
        raise InvalidInput(_l("Give your mobile number to hear from us on Zalo or by SMS."))
    user.phone, user.notify_email, user.notify_zalo, user.notify_sms = digits, email, zalo, sms
