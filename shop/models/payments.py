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


class PaymentState(enum.StrEnum):
    OPEN = "open"  # started, money not yet seen
    RECEIVED = "received"  # the money arrived (amount_received)
    EXPIRED = "expired"  # the provider closed it unpaid
    FAILED = "failed"
    CANCELLED = "cancelled"  # the order stopped using it (another method, cancelled order)


class RefundState(enum.StrEnum):
    PENDING = "pending"  # to be sent through the provider (Stripe) by the outbox
    OWED = "owed"  # to be sent by hand (bank transfer, cash): the office's queue
    SENT = "sent"


class RefundKind(enum.StrEnum):
    SETTLEMENT = "settlement"  # money beyond what the live parts are worth
    GOODWILL = "goodwill"  # part of the price given back; parts unchanged


class Payment(db.Model):
    """One attempt to collect money (a Stripe Checkout Session, a transfer received, cash)."""

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
    state: Mapped[PaymentState] = mapped_column(
        str_enum(PaymentState, 20), default=PaymentState.OPEN
    )
    amount_received: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="payments")
    refunds: Mapped[list[Refund]] = relationship(back_populates="payment", order_by="Refund.id")


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
    """Money returned to a buyer: by the provider (pending, then sent) or by hand (owed, sent)."""

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_.id", ondelete="CASCADE"), index=True
    )
    payment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payment.id", ondelete="SET NULL"), index=True
    )
    # Goodwill for one part (a complaint about one parcel) is charged to that part's
    # cooperative alone; without a part it is shared by the order's parts.
    part_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    provider: Mapped[Provider] = mapped_column(str_enum(Provider))
    reference: Mapped[str] = mapped_column(sa.String(255), default="")
    manual: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    state: Mapped[RefundState] = mapped_column(str_enum(RefundState, 20), default=RefundState.SENT)
    kind: Mapped[RefundKind] = mapped_column(
        str_enum(RefundKind, 20), default=RefundKind.SETTLEMENT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="refunds")
    payment: Mapped[Payment | None] = relationship(back_populates="refunds")
