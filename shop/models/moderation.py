"""The office's take-downs: a listing or a cooperative hidden with a reason, and put back."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum


class ModerationAction(enum.StrEnum):
    TAKE_DOWN = "take_down"
    RESTORE = "restore"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


class ModerationEntry(db.Model):
    """One take-down or restoration, with its reason and who did it (never changed)."""

    __tablename__ = "moderation_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[ModerationAction] = mapped_column(str_enum(ModerationAction))
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    cooperative_id: Mapped[int] = mapped_column(sa.ForeignKey("cooperative.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
