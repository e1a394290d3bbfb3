"""The transactional outbox: work outside the database, written in the same transaction."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime, str_enum


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"  # failed too often: the office sees it and can retry it


class OutboxMessage(db.Model):
    """An email to send or a provider call to make once the transaction that wanted it commits."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, 20), default=OutboxState.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
