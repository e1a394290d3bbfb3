"""Time helpers. Dates that matter to people (rating validity, best-before) are Vietnam dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (used as a column default)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VIETNAM).date()
