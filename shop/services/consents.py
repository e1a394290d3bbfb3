"""Consent records: what a person agreed to (the terms and privacy policy, and separately
news and offers), under which policy versions, when, and when they withdrew it."""

from __future__ import annotations

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Consent, ConsentPurpose, Order, User
from shop.services import policies
from shop.services.errors import NotFound

# The policies a buyer agrees to when opening an account or placing an order.
AGREED_POLICIES = ("terms", "privacy")
UNSUBSCRIBE_SALT = "unsubscribe"


def policy_versions() -> str:
    """The versions in force now, as recorded with a consent: "terms v1, privacy v2"."""
    latest = policies.latest_versions()
    return ", ".join(
        f"{slug} v{latest[slug].version}" for slug in AGREED_POLICIES if slug in latest
    )


def record(
    purpose: ConsentPurpose,
    email: str,
    source: str,
    *,
    user: User | None = None,
    order: Order | None = None,
) -> Consent:
    consent = Consent(
        purpose=purpose,
        email=email.strip().lower(),
        source=source,
        user_id=user.id if user else None,
        order_id=order.id if order else None,
        policies=policy_versions(),
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def _marketing_of(email: str, user: User | None = None):
    """Open (not withdrawn) marketing consents given with this email or by this account."""
    who = sa.func.lower(Consent.email) == email.strip().lower()
    if user is not None:
        who = sa.or_(who, Consent.user_id == user.id)
    return sa.select(Consent).where(
        Consent.purpose == ConsentPurpose.MARKETING, Consent.withdrawn_at.is_(None), who
    )


def wants_marketing(email: str, user: User | None = None) -> bool:
    return db.session.scalar(_marketing_of(email, user).limit(1)) is not None


def set_marketing(user: User, wanted: bool, source: str = "account") -> None:
    """Opt in (a new record) or out (every open record withdrawn) from the account page."""
    if wanted and not wants_marketing(user.email, user):
        record(ConsentPurpose.MARKETING, user.email, source, user=user)
    elif not wanted:
        withdraw_marketing(user.email, user)


def withdraw_marketing(email: str, user: User | None = None) -> int:
    """Withdraw every marketing consent of this email (and account); how many were open."""
    now = utcnow()
    open_ = list(db.session.scalars(_marketing_of(email, user)))
    for consent in open_:
        consent.withdrawn_at = now
    db.session.flush()
    return len(open_)


def of(user: User) -> list[Consent]:
    """The consent records of an account or given with its email, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Consent)
            .where(
                sa.or_(
                    Consent.user_id == user.id,
                    sa.func.lower(Consent.email) == user.email.lower(),
                )
            )
            .order_by(Consent.id)
        )
    )


def unsubscribe_token(email: str, secret_key: str) -> str:
    """A link token that withdraws marketing for ``email``; it never expires, as a link in
    an old message must still work."""
    return URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).dumps(email.strip().lower())


def email_of_unsubscribe(token: str, secret_key: str) -> str:
    try:
        return URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        raise NotFound("unknown link") from None
