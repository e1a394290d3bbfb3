"""Vietnam's 34 provinces and cities (since 1 July 2025), from the vietnam-provinces package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward


@dataclass(frozen=True)
class Place:
    code: str  # e.g. "phu_tho", used in URLs
    name: str  # e.g. "Phú Thọ", stored on cooperatives and addresses
    number: int  # the official code, e.g. 25


def _short_name(name: str) -> str:
    return name.removeprefix("Thành phố ")


@cache
def provinces() -> tuple[Place, ...]:
    """All provinces and centrally governed cities, ordered by their official code."""
    return tuple(Place(p.codename, _short_name(p.name), p.code.value) for p in Province.iter_all())


def province_by_code(code: str) -> Place | None:
    return next((p for p in provinces() if p.code == code), None)


def province_by_name(name: str) -> Place | None:
    return next((p for p in provinces() if p.name == name), None)


@cache
def _wards(province_number: int) -> dict[str, str]:
    """Folded ward or commune name (without its "Xã"/"Phường" prefix) -> official name."""
    from shop.services.text import fold

    names = {}
    for ward in Ward.iter_by_province(ProvinceCode(province_number)):
        names[fold(ward.name)] = ward.name
        names[fold(ward.name.split(" ", 1)[1])] = ward.name
    return names


def ward_in(province: Place, name: str) -> str | None:
    """The official name of a ward or commune of ``province`` as typed, accents optional."""
    from shop.services.text import fold

    return _wards(province.number).get(fold(name))
