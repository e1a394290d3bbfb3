"""A rating's stars count to its last valid day and are zeroed in the database the day
after, by the daily run."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import Product
from shop.services import ratings
from shop.services.errors import InvalidInput


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
    from tests.services.test_refusals import refused

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
