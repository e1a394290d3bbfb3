"""Template helpers for pictures: product photos and the illustrations that stand in for them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for

from shop.models import Category


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on the shop's public address (PUBLIC_BASE_URL).

    Never built from the request's Host header, which a client chooses: a cached page,
    an email or a QR code must not carry another site's address.
    """
    return absolute(url_for(endpoint, **values))


def absolute(path: str) -> str:
    """A path of this site made absolute on PUBLIC_BASE_URL."""
    return current_app.config["PUBLIC_BASE_URL"] + path


def image_url(path: str, size: str = "large") -> str:
    """URL of a product photo: uploads come from the media folder, demo images are static."""
    if path.startswith("uploads/"):
        name = path.removeprefix("uploads/")
        return url_for("catalog.media", filename=name.replace("-large.", f"-{size}."))
    return url_for("static", filename=path)


@cache
def _illustrations(folder: str) -> frozenset[str]:
    return frozenset(p.stem for p in Path(folder).glob("*.svg"))


def illustration(category: Category) -> str:
    """The drawing shown without photos: the sub-group's if drawn, else the group's."""
    drawn = _illustrations(str(Path(current_app.static_folder) / "img" / "groups"))
    slug = category.slug if category.slug in drawn else category.group.slug
    return f"{slug}.svg"


def register_templating(app: Flask) -> None:
    from shop.fragments import product_cards

    app.jinja_env.globals.update(
        image_url=image_url,
        illustration=illustration,
        external_url=external_url,
        absolute=absolute,
        product_cards=product_cards,
    )
