"""The OCOP rules of Decision 148/QĐ-TTg as amended by Decision 1489/QĐ-TTg (6 July 2025)."""

from datetime import date

import pytest

from shop.models import OcopLevel, OcopRating
from shop.services.errors import InvalidInput
from shop.services.ratings import recognised_stars

P, C, D = OcopLevel.PROVINCIAL, OcopLevel.NATIONAL, OcopLevel.DISTRICT
AFTER, BEFORE = date(2025, 7, 6), date(2025, 7, 5)

# score, level, decision date -> stars recognised, or the words of the refusal
RULES = [
    (50, P, AFTER, 3),
    (69, P, AFTER, 3),
    (70, P, AFTER, 4),
    (89, P, AFTER, 4),
    (90, P, AFTER, 4),  # provincial 90+: 4 stars, proposed to the central council
    (100, P, AFTER, 4),
    (95, P, BEFORE, 4),
    (90, C, AFTER, 5),
    (100, C, BEFORE, 5),
    (89, C, AFTER, "central council recognises 5 stars only"),
    (60, D, BEFORE, 3),
    (60, D, AFTER, "District councils no longer"),
    (75, D, BEFORE, "district council recognised 3 stars only"),
    (49, P, AFTER, "not recognised as OCOP"),
    (40, C, AFTER, "not recognised as OCOP"),
    (0, D, BEFORE, "not recognised as OCOP"),
]


@pytest.mark.parametrize(("score", "level", "decided", "expected"), RULES)
def test_the_rules_table(app, score, level, decided, expected):
    with app.test_request_context("/?lang=en"):
        if isinstance(expected, int):
            assert recognised_stars(score, level, decided) == expected
        else:
            with pytest.raises(InvalidInput) as refused:
                recognised_stars(score, level, decided)
            assert expected.lower() in str(refused.value).lower()


@pytest.mark.parametrize(
    ("score", "level", "proposed"), [(90, P, True), (89, P, False), (95, C, False)]
)
def test_a_provincial_90_is_proposed_for_five_stars(score, level, proposed):
    assert OcopRating(score=score, level=level).proposed_for_five is proposed
