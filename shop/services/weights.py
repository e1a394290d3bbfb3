"""Parcel weights: what a package weighs, read from how cooperatives write their units."""

from __future__ import annotations

import re

# "gói 200 g", "hộp 1,5 kg", "chai 500 ml", "túi 2kg": a number and a unit, anywhere.
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|gr|gam|ml|l|lít|lit)\b", re.IGNORECASE)
# "hộp 10 gói x 20 g": so many packs of the stated amount.
_PACKS = re.compile(r"(\d+)\s*[^\d\sx×]*\s*[x×]\s*$")
_GRAMS_PER = {"kg": 1000, "g": 1, "gr": 1, "gam": 1, "ml": 1, "l": 1000, "lít": 1000, "lit": 1000}
# What the packaging adds on top of the contents (a bottle, a box), as carriers weigh it.
PACKAGING_GRAMS = 50


def grams_from_unit(unit: str) -> int:
    """The shipping weight of one package described by ``unit``, or 0 when it says none.
    Liquids count 1 g per ml; a package's wrapping adds PACKAGING_GRAMS."""
    match = _AMOUNT.search(unit or "")
    if match is None:
        return 0
    number = float(match.group(1).replace(",", "."))
    packs = _PACKS.search(unit[: match.start()])
    grams = round(number * _GRAMS_PER[match.group(2).lower()]) * (
        int(packs.group(1)) if packs else 1
    )
    return grams + PACKAGING_GRAMS if grams else 0


def stated_quantity(unit: str) -> str:
    """The net quantity a unit states ("hộp quà 1 kg" → "1 kg"), or "" when it states none."""
    match = _AMOUNT.search(unit or "")
    return match.group(0) if match else ""
