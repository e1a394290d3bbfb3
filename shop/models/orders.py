"""Carts and orders. An order splits into one part per cooperative; each part ships alone."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from shop.models.catalog import Product
    from shop.models.cooperative import Cooperative
    from shop.models.payments import Payment, Refund
    from shop.models.trace import ShippedLot
    from shop.models.user import User


class CartItem(db.Model):
    """A line of a signed-in buyer's cart (guests keep theirs in the signed session)."""

    __tablename__ = "cart_item"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "product_id", name="uq_cart_item_user_product"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentMethod(enum.StrEnum):
    COD = "cod"
    VIETQR = "vietqr"
    CARD = "card"


class PaymentStatus(enum.StrEnum):
    UNPAID = "unpaid"  # card or transfer awaited (perhaps in part); stock held until expires_at
    PAID = "paid"  # what the live parts are worth has been received
    ON_DELIVERY = "on_delivery"  # cash on delivery: paid to the courier
    FAILED = "failed"
    EXPIRED = "expired"  # never paid, and cancelled or timed out
    REFUNDED = "refunded"  # everything received has been (or is being) given back


class PartStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CONFIRMED = "confirmed"  # cash on delivery: confirmed at once
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


class Order(db.Model):
    """What a buyer placed: delivery address, totals and payment, split into parts."""

    __tablename__ = "order_"
    __table_args__ = (
        sa.CheckConstraint("total = subtotal + delivery_total", name="total_adds_up"),
        sa.Index("ix_order_unpaid_expiry", "payment_status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    access_token: Mapped[str] = mapped_column(sa.String(40), default=new_access_token, unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str] = mapped_column(sa.String(254))
    province: Mapped[str] = mapped_column(sa.String(80))
    ward: Mapped[str] = mapped_column(sa.String(120))
    street: Mapped[str] = mapped_column(sa.String(300))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    language: Mapped[str] = mapped_column(sa.String(5), default="vi")
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    payment_status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus))
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    delivery_total: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    amount_paid: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # received, before refunds
    amount_mismatch: Mapped[bool] = mapped_column(default=False)
    attention: Mapped[str] = mapped_column(sa.String(300), default="", comment="for the office")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checkout_key: Mapped[str | None] = mapped_column(
        sa.String(64), unique=True, comment="the checkout form's one-time key"
    )

    user: Mapped[User | None] = relationship()
    parts: Mapped[list[OrderPart]] = relationship(
        back_populates="order", order_by="OrderPart.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.id")

    @property
    def lines(self) -> list[OrderLine]:
        return [line for part in self.parts for line in part.lines]

    @property
    def amount_due(self) -> int:
        """What the parts still to be served are worth."""
        return sum(part.total for part in self.parts if part.is_live)

    @property
    def amount_missing(self) -> int:
        """What an unpaid order still waits for (a transfer may arrive in pieces)."""
        if self.payment_status is not PaymentStatus.UNPAID:
            return 0
        return max(self.amount_due - self.amount_paid, 0)


class OrderPart(db.Model):
    """One cooperative's share of an order: what it packs, ships and is paid for."""

    __tablename__ = "order_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_.id", ondelete="CASCADE"), index=True
    )
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperative.id"), index=True)
    status: Mapped[PartStatus] = mapped_column(str_enum(PartStatus))
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    delivery_fee: Mapped[int] = mapped_column(sa.BigInteger)
    # The parcel's weight when ordered (its fee was priced from it); 0 for older orders.
    weight_grams: Mapped[int] = mapped_column(default=0, server_default="0")
    carrier: Mapped[str] = mapped_column(sa.String(80), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(80), default="")
    cash_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stock_returned: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="parts")
    cooperative: Mapped[Cooperative] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="part", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[PartStatusChange]] = relationship(
        back_populates="part", order_by="PartStatusChange.id", cascade="all, delete-orphan"
    )

    @property
    def total(self) -> int:
        return self.subtotal + self.delivery_fee

    @property
    def is_live(self) -> bool:
        """Neither cancelled nor refunded: the buyer still owes, or has paid, for it."""
        return self.status not in (PartStatus.CANCELLED, PartStatus.REFUNDED)


class OrderLine(db.Model):
    """A product bought, with its name and price as they were when the order was placed."""

    __tablename__ = "order_line"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(60))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int]

    part: Mapped[OrderPart] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    shipped_lots: Mapped[list[ShippedLot]] = relationship(
        cascade="all, delete-orphan", order_by="ShippedLot.id"
    )

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


class PartStatusChange(db.Model):
    """The audit trail of a part's transitions."""

    __tablename__ = "part_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    part: Mapped[OrderPart] = relationship(back_populates="history")
