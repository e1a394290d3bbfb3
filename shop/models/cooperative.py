"""Cooperatives (the sellers) and the certifications they or their products hold."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
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
    website_url: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # The enterprise or cooperative code on its business registration (for enterprises it is
    # also the tax number); published on every product page, as sellers on a trading floor must be.
    registration_number: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    latitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 6))
    logo_path: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
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
    bank_accounts: Mapped[list[BankAccount]] = relationship(
        back_populates="cooperative", order_by="BankAccount.id.desc()"
    )
    photos: Mapped[list[CooperativePhoto]] = relationship(
        order_by="CooperativePhoto.position", cascade="all, delete-orphan"
    )

    @property
    def bank_account(self) -> BankAccount | None:
        """The account payouts go to: the last one the office confirmed."""
        return next((a for a in self.bank_accounts if a.state is BankAccountState.CONFIRMED), None)

    @property
    def pending_bank_account(self) -> BankAccount | None:
        return next((a for a in self.bank_accounts if a.state is BankAccountState.PENDING), None)

    def shown_certifications(self) -> list[Certification]:
        return [c for c in self.certifications if c.is_shown()]

    @property
    def full_address(self) -> str:
        """Address, commune and province, each once ("Xóm 1, Xã Liên Sơn, Phú Thọ"), though
        the address may already name the commune or the province."""
        parts = [self.address or ""]
        for part in (self.commune, self.province):
            if part and part.casefold() not in ", ".join(parts).casefold():
                parts.append(part)
        return ", ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<Cooperative {self.slug}>"


class CertificationKind(enum.StrEnum):
    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    HACCP = "haccp"
    ISO_22000 = "iso22000"
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

    # The scan of the certificate (a re-encoded image or a checked PDF), under UPLOAD_DIR.
    document_path: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # Only certificates the office has checked against the document are shown to buyers.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    rejected_reason: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.current_timestamp()
    )

    cooperative: Mapped[Cooperative | None] = relationship(back_populates="certifications")
    product: Mapped[Product | None] = relationship(back_populates="certifications")

    def is_valid(self, on: date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def is_shown(self, on: date | None = None) -> bool:
        """Verified by the office and valid today: the only certificates buyers see."""
        return self.verified_at is not None and self.is_valid(on)

    @property
    def is_pending(self) -> bool:
        return self.verified_at is None and not self.rejected_reason


class BankAccountState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REPLACED = "replaced"


class BankAccount(db.Model):
    """Where a cooperative's payouts go. A new account waits for the office's confirmation,
    so that a stolen password cannot redirect a cooperative's money; all versions are kept."""

    __tablename__ = "bank_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    bank_bin: Mapped[str] = mapped_column(sa.String(8))
    account_number: Mapped[str] = mapped_column(sa.String(19))
    account_name: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[BankAccountState] = mapped_column(
        str_enum(BankAccountState), default=BankAccountState.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(sa.String(300), default="")

    cooperative: Mapped[Cooperative] = relationship(back_populates="bank_accounts")

    @property
    def masked_number(self) -> str:
        """The last four digits, for pages and messages that need not show it all."""
        return "•••• " + self.account_number[-4:]


class CooperativePhoto(db.Model):
    """A picture of the cooperative's place and people (its fields, its workshop)."""

    __tablename__ = "cooperative_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(sa.String(300))
    alt: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
