"""The shop's published policies: every change is a new, dated version; old ones stay readable."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.clock import utcnow
from shop.extensions import db
from shop.models.types import UTCDateTime


class PolicyVersion(db.Model):
    """One version of one policy, in Vietnamese and English Markdown."""

    __tablename__ = "policy_version"
    __table_args__ = (sa.UniqueConstraint("slug", "version", name="uq_policy_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int]
    title_vi: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    body_vi: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_vi

    def body(self, locale: str) -> str:
        return self.body_en if locale == "en" and self.body_en else self.body_vi
