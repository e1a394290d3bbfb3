"""The carriers cooperatives ship with, and a link to follow a parcel on the carrier's site."""

from __future__ import annotations

from urllib.parse import quote

from flask import current_app

from shop.services.text import fold


def names() -> list[str]:
    """The carriers the ship form suggests (any other name may still be typed)."""
    return [name for name, _pattern in current_app.config["CARRIERS"]]


def tracking_url(carrier: str, number: str) -> str | None:
    """The carrier's public tracking page for ``number``, when the carrier is a known one."""
    if not number:
        return None
    wanted = fold(carrier).replace(" ", "")
    for name, pattern in current_app.config["CARRIERS"]:
        if fold(name).replace(" ", "") == wanted:
            return pattern.format(number=quote(number.strip(), safe=""))
    return None
