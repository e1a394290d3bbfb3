"""OCOP ratings: stars from the score bands, 36 months of validity, the product's current rating."""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models import OcopLevel, OcopRating, Product
from shop.services.errors import InvalidInput

VALIDITY_MONTHS = 36
# (lowest score, stars), highest band first, from Decision 148/QĐ-TTg.
STAR_BANDS = ((90, 5), (70, 4), (50, 3), (30, 2), (0, 1))
OCOP_FLOOR = 50  # below it a product is not an OCOP product: no stars, no "OCOP" mark
# Decision 1489/QĐ-TTg: two-level local government, no more district councils.
TWO_LEVEL_RULES_FROM = date(2025, 7, 6)


def stars_for_score(score: int) -> int:
    """The scorecard's band: 90+ five, 70+ four, 50+ three, 30+ two, else one."""
    if not isinstance(score, int) or not 0 <= score <= 100:
        raise InvalidInput(_l("The OCOP score is a whole number from 0 to 100."))
    return next(stars for floor, stars in STAR_BANDS if score >= floor)


def recognised_stars(score: int, level: OcopLevel, decided: date) -> int:
    """The stars a council of ``level`` could recognise on ``decided``, or InvalidInput.

    Since 6 July 2025 (Decision 1489/QĐ-TTg amending 148/QĐ-TTg) the provincial council
    recognises 3 stars (50-69) and 4 stars (70-89, and 90+ which it may propose to the
    central council); only the central council recognises 5 stars (90-100). Before
    that date district councils recognised 3 stars. Below 50 points there is no OCOP
    recognition at all.
    """
    band = stars_for_score(score)
    if score < OCOP_FLOOR:
        raise InvalidInput(
            _l("Below 50 points a product is not recognised as OCOP: there is no rating to record.")
        )
    if level is OcopLevel.NATIONAL:
        if band < 5:
            raise InvalidInput(
                _l("The central council recognises 5 stars only: 90 points or more.")
            )
        return 5
    if level is OcopLevel.DISTRICT:
        if decided >= TWO_LEVEL_RULES_FROM:
            raise InvalidInput(
                _l(
                    "District councils no longer rate products since 6 July 2025"
                    " (Decision 1489/QĐ-TTg): the provincial council does."
                )
            )
        if band != 3:
            raise InvalidInput(_l("A district council recognised 3 stars only: 50 to 69 points."))
        return 3
    return min(band, 4)  # provincial: 90+ stays 4 stars, proposed to the central council


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (29 Feb -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def record_rating(
    product: Product,
    *,
    score: int,
    level: OcopLevel,
    council: str,
    certificate_number: str,
    decision_date: date,
) -> OcopRating:
    """Record a council's decision; validity is the decision date plus 36 months."""
    if decision_date > today():
        raise InvalidInput(_l("The decision date cannot be in the future."))
    rating = OcopRating(
        product=product,
        score=score,
        stars=recognised_stars(score, level, decision_date),
        level=level,
        council=council.strip(),
        certificate_number=certificate_number.strip(),
        decision_date=decision_date,
        valid_until=add_months(decision_date, VALIDITY_MONTHS),
    )
    db.session.add(rating)
    refresh_current_rating(product)
    db.session.flush()
    return rating


def revoke_rating(rating: OcopRating, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(_l("Give a reason for revoking the rating."))
    rating.revoked_at = utcnow()
    rating.revoked_reason = reason.strip()
    refresh_current_rating(rating.product)
    db.session.flush()


def current_rating(product: Product) -> OcopRating | None:
    """The latest decision that has not been revoked (it may have expired)."""
    live = [r for r in product.ratings if r.revoked_at is None]
    return max(live, key=lambda r: (r.decision_date, r.id or 0), default=None)


def refresh_current_rating(product: Product) -> None:
    """Copy the current rating onto the product, where the catalog filters and sorts by it.

    ``ocop_stars`` is 0 when no stars may be shown (none, revoked or expired), so that the
    star order is a plain index walk; ``expire_lapsed`` keeps it true as days pass.
    """
    rating = current_rating(product)
    recognised = rating is not None and rating.stars >= 3 and not rating.is_expired()
    product.ocop_stars = rating.stars if recognised else 0  # 1-2 stars (old rows): no OCOP
    product.ocop_valid_until = rating.valid_until if rating else None


def expire_lapsed(on: date | None = None) -> int:
    """Zero the stars of products whose rating lapsed (run daily); returns how many."""
    result = db.session.execute(
        sa.update(Product)
        .where(Product.ocop_stars > 0, Product.ocop_valid_until < (on or today()))
        .values(ocop_stars=0)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
