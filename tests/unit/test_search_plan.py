"""How a search's first tier is read on PostgreSQL: the estimate that chooses the plan."""

from __future__ import annotations

import pytest

from shop.services.search import prefix_counter, walk_finds_sooner


def test_prefix_counter_adds_the_names_of_every_word_a_prefix_starts():
    count = prefix_counter({"co": 10, "coi": 4, "com": 3, "cu": 7, "b": 1})
    assert count("co") == 17
    assert count("coi") == 4
    assert count("c") == 24
    assert count("cz") == 0
    assert count("") == 25


@pytest.mark.parametrize(
    ("counts", "names", "walk"),
    [
        ([45_600], 100_000, True),  # "co": most names, a page is a few rows into the walk
        ([7_000], 100_000, True),  # sqrt(480 × 100,000) ≈ 6,928: just past even
        ([6_800], 100_000, False),
        ([1_000], 100_000, False),  # a rare word: its matches, read through the index
        ([6_300, 100_000], 100_000, False),  # "sản cói": 1,069 names hold both
        ([50_000, 50_000], 100_000, True),  # two words in half the names each
        ([16_000, 16_000], 100_000, False),  # 2,560 if independent, 16,000 if together
        ([30_000, 30_000], 100_000, True),
        ([21_000], 1_000_000, False),  # the even point grows with the catalog: 21,909
        ([22_000], 1_000_000, True),
        ([500], 0, False),  # nothing counted yet
        ([], 100_000, False),
        ([200_000], 100_000, True),  # counts of a word's names may pass the catalog's size
    ],
)
def test_walking_the_star_index_is_chosen_when_the_names_are_many(counts, names, walk):
    assert walk_finds_sooner(counts, names, kept=480) is walk
