"""OCOP ratings awarded by a council; a product keeps its whole history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from shop.models.catalog import Product


class OcopLevel(enum.StrEnum):
    DISTRICT = "district"
    PROVINCIAL = "provincial"
    NATIONAL = "national"


class OcopRating(db.Model):
    """One council decision: a score out of 100 and the stars that follow from it."""

    __tablename__ = "ocop_rating"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        sa.CheckConstraint("valid_until > decision_date", name="valid_after_decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[int]
    stars: Mapped[int]
    level: Mapped[OcopLevel] = mapped_column(str_enum(OcopLevel))
    council: Mapped[str] = mapped_column(sa.String(200))
    certificate_number: Mapped[str] = mapped_column(sa.String(80))
    decision_date: Mapped[date]
    valid_until: Mapped[date]
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="ratings")

    @property
    def proposed_for_five(self) -> bool:
        """A provincial score of 90 or more: 4 stars, proposed to the central council for 5."""
        return self.level is OcopLevel.PROVINCIAL and self.score >= 90

    def is_expired(self, on: date | None = None) -> bool:
        return self.valid_until < (on or today())

    def is_current(self, on: date | None = None) -> bool:
        return self.revoked_at is None and not self.is_expired(on)
