"""Payments through a provider, the provider events received, and refunds."""

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
    from shop.models.orders import Order


class Provider(enum.StrEnum):
    STRIPE = "stripe"
    VIETQR = "vietqr"
    COD = "cod"


class Payment(db.Model):
    """One attempt to collect an order's total (a Stripe Checkout Session, a transfer, cash)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[Provider] = mapped_column(str_enum(Provider))
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    reference: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    payment_intent: Mapped[str] = mapped_column(sa.String(255), default="")
    redirect_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")


class ProviderEvent(db.Model):
    """A webhook event, stored once: a delivery of the same event id again is ignored."""

    __tablename__ = "provider_event"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_provider_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider))
    event_id: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[str] = mapped_column(sa.String(100))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("order_.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(db.Model):
    """Money returned to a buyer, by the provider or by hand."""

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider))
    reference: Mapped[str] = mapped_column(sa.String(255), default="")
    manual: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship()
