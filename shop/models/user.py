"""People who sign in: customers, cooperative members and the OCOP office."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from shop.clock import utcnow
from shop.extensions import db, login_manager
from shop.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from shop.models.cooperative import Cooperative


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    MEMBER = "member"  # owner or staff of exactly one cooperative
    ADMIN = "admin"  # the OCOP office


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """An account. ``session_token`` changes with the password, signing out old sessions."""

    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'member') = (cooperative_id IS NOT NULL)", name="member_has_cooperative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.CUSTOMER)
    cooperative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cooperative.id"), index=True)
    is_owner: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)
    language: Mapped[str] = mapped_column(sa.String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the person wants to hear from the shop: email unless turned off, Zalo or SMS
    # on this phone when chosen.
    phone: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    notify_email: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notify_zalo: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    notify_sms: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Set when the person deleted the account: what identified them is gone from the row.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cooperative: Mapped[Cooperative | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def channels(self) -> frozenset[str]:
        """The channels this person chose (Zalo and SMS only with a phone to reach)."""
        chosen = {"email"} if self.notify_email else set()
        if self.phone:
            chosen |= {c for c, on in (("zalo", self.notify_zalo), ("sms", self.notify_sms)) if on}
        return frozenset(chosen)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Find the user of a session; a session from before a password change finds nobody."""
    from shop.security import parse_id

    id_part, _, token = user_id.partition(":")
    user_pk = parse_id(id_part)
    user = db.session.get(User, user_pk) if user_pk else None
    return user if user is not None and secrets.compare_digest(user.session_token, token) else None
