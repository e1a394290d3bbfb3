"""Cooperatives (the sellers) and the certifications they or their products hold."""

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


class CooperativeKind(enum.StrEnum):
    COOPERATIVE = "cooperative"
    ENTERPRISE = "enterprise"
    HOUSEHOLD = "household"


class Cooperative(db.Model):
    """A producer selling on the shop: cooperative, small enterprise or household."""

    __tablename__ = "cooperative"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[CooperativeKind] = mapped_column(
        str_enum(CooperativeKind), default=CooperativeKind.COOPERATIVE
    )
    province: Mapped[str] = mapped_column(sa.String(80), index=True)
    commune: Mapped[str] = mapped_column(sa.String(120), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    story_vi: Mapped[str] = mapped_column(sa.Text, default="")
    story_en: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    zalo_url: Mapped[str] = mapped_column(sa.String(300), default="")
    facebook_url: Mapped[str] = mapped_column(sa.String(300), default="")
    approved: Mapped[bool] = mapped_column(default=False, index=True)
    # The office may suspend an approved cooperative: it is then unapproved (no sales,
    # no labels, no "genuine" verdict) and its pages say why.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    products: Mapped[list[Product]] = relationship(back_populates="cooperative")
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="cooperative", order_by="Certification.valid_to.desc()"
    )

    def __repr__(self) -> str:
        return f"<Cooperative {self.slug}>"


class CertificationKind(enum.StrEnum):
    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    OTHER = "other"


class Certification(db.Model):
    """A certificate (VietGAP, organic, ...) held by a cooperative or by one product."""

    __tablename__ = "certification"
    __table_args__ = (
        sa.CheckConstraint("(cooperative_id IS NULL) <> (product_id IS NULL)", name="one_holder"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CertificationKind] = mapped_column(str_enum(CertificationKind))
    number: Mapped[str] = mapped_column(sa.String(80))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    cooperative_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )

    cooperative: Mapped[Cooperative | None] = relationship(back_populates="certifications")
    product: Mapped[Product | None] = relationship(back_populates="certifications")

    def is_valid(self, on: date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
