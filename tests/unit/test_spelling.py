"""One wrong letter put right: the words a search knows and the likeliest correction."""

from __future__ import annotations

import pytest

from shop.services.search import corrected_query, one_edit_away

WORDS = {"chuoi": 5, "say": 3, "deo": 3, "mat": 4, "ong": 4, "che": 9, "xanh": 2, "chua": 1}


@pytest.mark.parametrize(
    ("a", "b", "apart"),
    [
        ("chuoii", "chuoi", True),  # one added
        ("chui", "chuoi", True),  # one missing
        ("chuoj", "chuoi", True),  # one wrong
        ("chuio", "chuoi", True),  # two swapped
        ("chuoi", "chuoi", False),  # the same
        ("choui", "chuio", False),  # two apart
        ("cuoii", "chuoi", False),  # one missing and one added
        ("ab", "ba", True),
        ("abc", "cba", False),  # swapped but not side by side
        ("", "a", True),
    ],
)
def test_one_edit_away(a, b, apart):
    assert (b in one_edit_away(a)) is apart
    assert (a in one_edit_away(b)) is apart


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("chuoii say", "chuoi say"),
        ("Chuối sâyy", "chuoi say"),
        ("mat ogn", "mat ong"),
        ("chu", None),  # a known word's beginning: searched as it is
        ("chuoi deo", None),  # nothing to correct
        ("chuoi qqqqq", None),  # a word with no neighbour: no guess
        ("xx", None),  # too short to guess
        ("", None),
    ],
)
def test_corrected_query(query, expected):
    assert corrected_query(query, WORDS) == expected


def test_the_commonest_neighbour_wins():
    assert corrected_query("chuo", {"chuoi": 5, "chua": 9}) is None  # a prefix of "chuoi"
    assert corrected_query("chux", {"chuo": 1, "chua": 9}) == "chua"
