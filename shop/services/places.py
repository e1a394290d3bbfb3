"""Vietnam's 34 provinces and cities (since 1 July 2025), from the vietnam-provinces package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province


@dataclass(frozen=True)
class Place:
    code: str  # e.g. "phu_tho", used in URLs
    name: str  # e.g. "Phú Thọ", stored on cooperatives and addresses


def _short_name(name: str) -> str:
    return name.removeprefix("Thành phố ")


@cache
def provinces() -> tuple[Place, ...]:
    """All provinces and centrally governed cities, ordered by their official code."""
    return tuple(Place(p.codename, _short_name(p.name)) for p in Province.iter_all())


def province_by_code(code: str) -> Place | None:
    return next((p for p in provinces() if p.code == code), None)


def province_by_name(name: str) -> Place | None:
    return next((p for p in provinces() if p.name == name), None)
