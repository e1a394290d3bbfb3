"""What each cooperative is owed: an append-only ledger of its sales, refunds, the platform's
fee and the payouts the office made."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum

if TYPE_CHECKING:
    from shop.models.cooperative import Cooperative
    from shop.models.orders import OrderPart


class EntryKind(enum.StrEnum):
    SALE = "sale"  # a delivered part whose money the shop holds (+)
    REFUND = "refund"  # money given back to the buyer of a part (−)
    FEE = "fee"  # the platform's commission on the goods (−, or + when a refund returns it)
    PAYOUT = "payout"  # money the office sent to the cooperative's bank account (−)


class LedgerEntry(db.Model):
    """One movement of a cooperative's balance, in whole đồng (signed: + the shop owes more).
    Entries are never changed: a correction is a new entry."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint("(kind = 'payout') = (part_id IS NULL)", name="payouts_have_no_part"),
        sa.Index("ix_ledger_entry_cooperative_created", "cooperative_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperative.id"))
    part_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    amount: Mapped[int] = mapped_column(sa.BigInteger, comment="whole đồng, signed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Payouts only: the day of the transfer and the bank's reference.
    paid_on: Mapped[date | None]
    reference: Mapped[str] = mapped_column(sa.String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    cooperative: Mapped[Cooperative] = relationship()
    part: Mapped[OrderPart | None] = relationship()
