from datetime import date

import pytest
from babel.numbers import format_currency
from hypothesis import given
from hypothesis import strategies as st

from shop.i18n import money
from shop.services.errors import InvalidInput
from shop.services.ratings import add_months, stars_for_score


def test_money_in_vietnamese_and_english():
    assert money(125_000, "vi") == "125.000\xa0₫"
    assert money(1_250_000, "vi") == "1.250.000\xa0₫"
    assert money(125_000, "en") == "₫125,000"


@given(st.integers(min_value=-(10**13), max_value=10**13), st.sampled_from(["vi", "en"]))
def test_money_is_written_as_babel_writes_it(amount, language):
    locale = "vi_VN" if language == "vi" else "en_US"
    assert money(amount, language) == format_currency(amount, "VND", locale=locale)


@pytest.mark.parametrize(
    ("score", "stars"),
    [(100, 5), (90, 5), (89, 4), (70, 4), (69, 3), (50, 3), (49, 2), (30, 2), (29, 1), (0, 1)],
)
def test_star_bands(score, stars):
    assert stars_for_score(score) == stars


@pytest.mark.parametrize("score", [-1, 101, 50.5, "70"])
def test_scores_outside_the_scorecard_are_refused(score):
    with pytest.raises(InvalidInput):
        stars_for_score(score)


def test_validity_is_36_months_clamped_to_month_end():
    assert add_months(date(2024, 6, 20), 36) == date(2027, 6, 20)
    assert add_months(date(2024, 2, 29), 36) == date(2027, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
