"""Buyers' reviews of products they received, and the cooperative's reply."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime

if TYPE_CHECKING:
    from shop.models.catalog import Product
    from shop.models.orders import OrderPart
    from shop.models.user import User

MAX_TEXT = 2000


class Review(db.Model):
    """One buyer's stars and words about one product (one review per buyer and product)."""

    __tablename__ = "review"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "product_id", name="uq_review_user_product"),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        sa.Index("ix_review_product_hidden", "product_id", "hidden"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    # The delivered order part that made the buyer eligible; kept if the order is purged.
    order_part_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_part.id", ondelete="SET NULL"), index=True
    )
    stars: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(MAX_TEXT), default="")
    reply: Mapped[str] = mapped_column(sa.Text, default="", comment="the cooperative's answer")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    user: Mapped[User] = relationship()
    order_part: Mapped[OrderPart | None] = relationship()

    def __repr__(self) -> str:
        return f"<Review {self.id} product={self.product_id} stars={self.stars}>"
