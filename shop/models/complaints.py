"""Complaints and returns: a buyer's claim about a delivered part, the cooperative's answer,
and the office's decision when the two disagree."""

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
    from shop.models.orders import OrderPart
    from shop.models.user import User


class ComplaintReason(enum.StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING = "missing"
    NOT_AS_DESCRIBED = "not_as_described"
    OTHER = "other"


class Remedy(enum.StrEnum):
    REFUND = "refund"  # the buyer keeps the goods (spoilt food need not travel back)
    RETURN = "return"  # the goods go back to the cooperative; the whole part is refunded


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"  # the cooperative has until due_at to answer
    RETURNING = "returning"  # a return was accepted; the goods travel back until due_at
    REFUSED = "refused"  # the cooperative refused; the buyer may take it to the office
    ESCALATED = "escalated"  # the office decides
    REFUNDED = "refunded"  # closed: money given back
    REJECTED = "rejected"  # closed: the office found the complaint unfounded


WAITING_ON_COOPERATIVE = (ComplaintStatus.OPEN, ComplaintStatus.RETURNING)
CLOSED = (ComplaintStatus.REFUNDED, ComplaintStatus.REJECTED)


class Complaint(db.Model):
    """One complaint per part, opened within the return window after delivery."""

    __tablename__ = "complaint"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("refunded >= 0", name="refunded_not_negative"),
        sa.Index("ix_complaint_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[ComplaintReason] = mapped_column(str_enum(ComplaintReason))
    remedy: Mapped[Remedy] = mapped_column(str_enum(Remedy))
    message: Mapped[str] = mapped_column(sa.String(2000))
    amount: Mapped[int] = mapped_column(sa.BigInteger, comment="đồng asked for")
    status: Mapped[ComplaintStatus] = mapped_column(str_enum(ComplaintStatus), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The deadline of whoever must act next (the cooperative's answer, the goods' return).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The cooperative's answer: None until it answers.
    seller_accepted: Mapped[bool | None]
    answer: Mapped[str] = mapped_column(sa.String(2000), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    decision: Mapped[str] = mapped_column(sa.String(2000), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    refunded: Mapped[int] = mapped_column(sa.BigInteger, default=0, comment="đồng given back")
    goods_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    part: Mapped[OrderPart] = relationship()
    photos: Mapped[list[ComplaintPhoto]] = relationship(
        back_populates="complaint", order_by="ComplaintPhoto.id", cascade="all, delete-orphan"
    )
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    @property
    def waiting_on_cooperative(self) -> bool:
        return self.status in WAITING_ON_COOPERATIVE


class ComplaintPhoto(db.Model):
    """A photo of the parcel or the goods, re-encoded; kept out of the public media folder
    (a parcel's label carries the buyer's name, phone and address)."""

    __tablename__ = "complaint_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(sa.String(300))
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)

    complaint: Mapped[Complaint] = relationship(back_populates="photos")
