"""Ratings: a council's decision refused word for word at each rule and recorded as decided,
a revocation only with a reason, and stars that count to the last valid day and are zeroed
in the database the day after, by the daily run."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import OcopLevel, Product
from shop.services import ratings
from shop.services.errors import InvalidInput
from tests.services.test_refusals import refused


def stars_in_the_database(product: Product):
    return db.session.scalar(sa.select(Product.ocop_stars).where(Product.id == product.id))


def test_stars_hold_on_the_last_valid_day_and_are_zero_the_day_after(catalog):
    catalog.tea.ocop_valid_until = today()  # its last valid day
    catalog.banana.ocop_valid_until = today() - timedelta(days=1)
    db.session.commit()
    kept = stars_in_the_database(catalog.tea)
    assert kept >= 3
    assert ratings.expire_lapsed() == 1
    db.session.commit()
    assert stars_in_the_database(catalog.banana) == 0  # zero, not unknown
    assert stars_in_the_database(catalog.tea) == kept
    assert ratings.expire_lapsed(today() + timedelta(days=1)) == 1
    db.session.commit()
    assert stars_in_the_database(catalog.tea) == 0


def test_a_rating_is_revoked_only_with_a_reason(catalog):
    rating = ratings.current_rating(catalog.tea)
    stars = catalog.tea.ocop_stars
    for reason in ("", "   "):
        refused(
            InvalidInput,
            lambda r=reason: ratings.revoke_rating(rating, r),
            "Give a reason for revoking the rating.",
        )
    assert rating.revoked_at is None and catalog.tea.ocop_stars == stars >= 3
    ratings.revoke_rating(rating, "  Hồ sơ không đúng.  ")
    assert rating.revoked_reason == "Hồ sơ không đúng." and catalog.tea.ocop_stars == 0


def test_a_council_s_decision_is_refused_in_words_and_recorded_as_decided(catalog):
    def record(score, level, decided):
        return lambda: ratings.record_rating(
            catalog.longan,
            score=score,
            level=level,
            council="Hội đồng OCOP",
            certificate_number="OCOP-1",
            decision_date=decided,
        )

    for score in (-1, 101, 50.5):
        refused(
            InvalidInput,
            record(score, OcopLevel.PROVINCIAL, today()),
            "The OCOP score is a whole number from 0 to 100.",
        )
    refused(
        InvalidInput,
        record(49, OcopLevel.PROVINCIAL, today()),
        "Below 50 points a product is not recognised as OCOP: there is no rating to record.",
    )
    refused(
        InvalidInput,
        record(89, OcopLevel.NATIONAL, today()),
        "The central council recognises 5 stars only: 90 points or more.",
    )
    refused(
        InvalidInput,
        record(60, OcopLevel.DISTRICT, date(2025, 7, 6)),
        "District councils no longer rate products since 6 July 2025"
        " (Decision 1489/QĐ-TTg): the provincial council does.",
    )
    refused(
        InvalidInput,
        record(70, OcopLevel.DISTRICT, date(2025, 7, 5)),
        "A district council recognised 3 stars only: 50 to 69 points.",
    )
    refused(
        InvalidInput,
        record(60, OcopLevel.PROVINCIAL, today() + timedelta(days=1)),
        "The decision date cannot be in the future.",
    )
    assert catalog.longan.ratings == []
    rating = record(95, OcopLevel.NATIONAL, today())()  # decided today
    assert (rating.stars, rating.decision_date) == (5, today())
    old = record(60, OcopLevel.DISTRICT, date(2025, 7, 5))()
    assert old.stars == 3
