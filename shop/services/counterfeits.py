"""Codes the producer never issued: tell the shopper plainly, and let them report it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shop.extensions import db
from shop.models import Cooperative, CounterfeitReport, Product
from shop.services.errors import InvalidInput
from shop.services.tracing import network_of


@dataclass(frozen=True)
class ReportCount:
    product: str
    place: str
    reports: int


def report(
    product: Product,
    *,
    lot_code: str,
    serial: str,
    place: str,
    contact: str,
    address: str | None,
    photo_path: str = "",
) -> CounterfeitReport:
    """Record a shopper's report (the place is required, the contact optional)."""
    place, contact = (place or "").strip(), (contact or "").strip()
    if not place or len(place) > 200:
        raise InvalidInput(_l("Say where you bought it (a shop, a market, a website)."))
    if len(contact) > 200:
        raise InvalidInput(_l("The contact is too long."))
    item = CounterfeitReport(
        product=product,
        lot_code=(lot_code or "")[:20],
        serial=(serial or "")[:20],
        place=place,
        contact=contact,
        network=network_of(address),
        photo_path=photo_path,
    )
    db.session.add(item)
    db.session.flush()
    return item


def latest(cooperative: Cooperative | None = None, limit: int = 10) -> list[CounterfeitReport]:
    """The newest reports, with their photos: one cooperative's, or all (the office)."""
    query = (
        sa.select(CounterfeitReport)
        .join(CounterfeitReport.product)
        .order_by(CounterfeitReport.id.desc())
        .limit(limit)
    )
    if cooperative is not None:
        query = query.where(Product.cooperative_id == cooperative.id)
    return list(db.session.scalars(query))


def counts(cooperative: Cooperative | None = None, limit: int = 50) -> list[ReportCount]:
    """Reports per product and place, most first: one cooperative's, or all (the office)."""
    query = (
        sa.select(Product.name_vi, CounterfeitReport.place, sa.func.count(CounterfeitReport.id))
        .join(CounterfeitReport.product)
        .group_by(Product.name_vi, CounterfeitReport.place)
        .order_by(
            sa.func.count(CounterfeitReport.id).desc(), Product.name_vi, CounterfeitReport.place
        )
        .limit(limit)
    )
    if cooperative is not None:
        query = query.where(Product.cooperative_id == cooperative.id)
    return [ReportCount(*row) for row in db.session.execute(query)]
