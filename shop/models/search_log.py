"""Searches that found nothing, counted per day: what buyers look for and do not find."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import db


class SearchMiss(db.Model):
    """How many times on ``day`` a search for ``query`` found no product.

    No person, address or session is kept: only the words, so the log needs no consent
    and may be kept as long as it is useful (``RETAIN_SEARCH_MISSES_DAYS``)."""

    __tablename__ = "search_miss"
    __table_args__ = (sa.UniqueConstraint("day", "query", name="uq_search_miss_day_query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    query: Mapped[str] = mapped_column(sa.String(100), comment="as typed, lower case, trimmed")
    times: Mapped[int] = mapped_column(default=1)
