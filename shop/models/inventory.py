"""The stock ledger: every change of a product's stock, as a signed quantity."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime


class StockMovement(db.Model):
    """Units added (positive) or taken (negative); order holds name their part."""

    __tablename__ = "stock_movement"
    __table_args__ = (sa.CheckConstraint("delta <> 0", name="delta_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    part_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="SET NULL"), index=True
    )
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
