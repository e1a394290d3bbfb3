"""Personal data: what a person agreed to and when, and who at the office looked at it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from shop.models.user import User


class ConsentPurpose(enum.StrEnum):
    TERMS = "terms"  # the terms of use and the privacy policy: to hold an account or an order
    MARKETING = "marketing"  # news and offers, only with its own opt-in


class Consent(db.Model):
    """One consent given (and maybe withdrawn): its purpose, the policies' versions, when.

    Rows are never updated except to note the withdrawal, so the record shows what a person
    agreed to at the time, as Decree 356/2025/NĐ-CP asks a controller to be able to prove."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose, 20))
    policies: Mapped[str] = mapped_column(
        sa.String(120), comment="the versions agreed to, e.g. 'terms v1, privacy v2'"
    )
    source: Mapped[str] = mapped_column(sa.String(20), comment="registration, checkout, account")
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DataAccess(db.Model):
    """A member of the office opened a page showing a buyer's personal data."""

    __tablename__ = "data_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    subject_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_.id", ondelete="SET NULL"), index=True
    )
    what: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id])
