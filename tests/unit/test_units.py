"""Units as cooperatives write them, in English words on English pages."""

from __future__ import annotations

import pytest

from shop.i18n import unit_label


@pytest.mark.parametrize(
    ("unit", "english"),
    [
        ("gói 200 g", "Pack 200 g"),
        ("hộp 10 gói x 20 g", "Box of 10 packs × 20 g"),
        ("bộ 6 chén", "Set of 6 cups"),
        ("hộp quà 1 kg", "Gift box 1 kg"),
        ("hộp 1,5 kg", "Box 1.5 kg"),
        ("hộp 25 túi", "Box of 25 bags"),
        ("chai 500 ml", "Bottle 500 ml"),
        ("kg", "kg"),  # nothing to put in English
        ("Bình gốm men lam", "Bình gốm men lam"),  # half in English reads worse: as written
        ("", ""),
    ],
)
def test_units_in_english(unit, english):
    assert unit_label(unit, "en") == english
    assert unit_label(unit, "vi") == unit
