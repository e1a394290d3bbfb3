"""Template helpers for pictures: product photos and the illustrations that stand in for them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Flask, current_app, has_request_context, render_template, url_for
from markupsafe import Markup

from shop.i18n import current_language
from shop.models import Category


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on the shop's public address (PUBLIC_BASE_URL).

    Never built from the request's Host header, which a client chooses: a cached page,
    an email or a QR code must not carry another site's address.
    """
    if has_request_context():
        return absolute(url_for(endpoint, **values))
    # A worker or a command: build the path as a request to the public address would.
    with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"]):
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
def _illustrations(static_folder: str) -> frozenset[str]:
    return frozenset(p.stem for p in (Path(static_folder) / "img" / "groups").glob("*.svg"))


def illustration(category: Category) -> str:
    """The drawing shown without photos: the sub-group's if drawn, else the group's."""
    drawn = _illustrations(current_app.static_folder)
    slug = category.slug if category.slug in drawn else category.group.slug
    return f"{slug}.svg"


def shown_certificates(*groups) -> list:
    """The certificates buyers may see among ``groups``: verified, valid today, each once."""
    seen, shown = set(), []
    for group in groups:
        for certificate in group or ():
            if certificate.id not in seen and certificate.is_shown():
                seen.add(certificate.id)
                shown.append(certificate)
    return shown


def same_for_everyone(template: str) -> Markup:
    """A part of every page that depends on the language and the settings alone (the footer),
    rendered once per language by each process instead of on every page (0.1 ms each)."""
    kept = current_app.extensions.setdefault("shop.same_for_everyone", {})
    key = (template, current_language())
    if key not in kept:
        kept[key] = Markup(render_template(template))
    return kept[key]


def register_templating(app: Flask) -> None:
    from shop.fragments import cards_of, product_cards
    from shop.services.banks import bank_name
    from shop.services.carriers import names as carrier_names
    from shop.services.carriers import tracking_url

    app.jinja_env.globals.update(
        shown_certificates=shown_certificates,
        bank_name=bank_name,
        tracking_url=tracking_url,
        carrier_names=carrier_names,
        image_url=image_url,
        illustration=illustration,
        external_url=external_url,
        absolute=absolute,
        product_cards=product_cards,
        cards_of=cards_of,
        same_for_everyone=same_for_everyone,
    )
