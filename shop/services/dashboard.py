"""What a cooperative sees first: parcels to send, low stock, expiring papers, recent sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.clock import VIETNAM, today, utcnow
from shop.extensions import db
from shop.models import (
    Certification,
    Cooperative,
    OcopRating,
    Order,
    OrderPart,
    PartStatus,
    Product,
)

TO_FULFIL = (PartStatus.PAID, PartStatus.CONFIRMED, PartStatus.PROCESSING)
SOLD = (
    PartStatus.PAID,
    PartStatus.CONFIRMED,
    PartStatus.PROCESSING,
    PartStatus.SHIPPED,
    PartStatus.DELIVERED,
)
LOW_STOCK = 5
WARN_DAYS = 60


def parts(coop: Cooperative, statuses=None) -> list[OrderPart]:
    query = (
        sa.select(OrderPart)
        .join(OrderPart.order)
        .where(OrderPart.cooperative_id == coop.id)
        .options(selectinload(OrderPart.lines), selectinload(OrderPart.order))
        .order_by(Order.placed_at.desc())
    )
    if statuses:
        query = query.where(OrderPart.status.in_(statuses))
    return list(db.session.scalars(query))


def owned_part(coop: Cooperative, part_id: int) -> OrderPart | None:
    return db.session.scalar(
        sa.select(OrderPart).where(OrderPart.id == part_id, OrderPart.cooperative_id == coop.id)
    )


def low_stock(coop: Cooperative) -> list[Product]:
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(
                Product.cooperative_id == coop.id,
                Product.active.is_(True),
                Product.stock <= LOW_STOCK,
            )
            .order_by(Product.stock)
        )
    )


@dataclass(frozen=True)
class Expiring:
    what: str
    number: str
    until: date


def expiring(coop: Cooperative, days: int = WARN_DAYS) -> list[Expiring]:
    """Certificates and current OCOP ratings that lapse within ``days``."""
    start, end = today(), today() + timedelta(days=days)
    certs = db.session.scalars(
        sa.select(Certification)
        .outerjoin(Certification.product)
        .where(
            sa.or_(Certification.cooperative_id == coop.id, Product.cooperative_id == coop.id),
            Certification.verified_at.is_not(None),  # a refused or pending one lapses unseen
            Certification.valid_to.between(start, end),
        )
    )
    ratings = db.session.execute(
        sa.select(OcopRating, Product.name_vi)
        .join(OcopRating.product)
        .where(
            Product.cooperative_id == coop.id,
            OcopRating.revoked_at.is_(None),
            OcopRating.valid_until.between(start, end),
        )
    )
    items = [Expiring(c.kind.value, c.number, c.valid_to) for c in certs]
    items += [
        Expiring(f"OCOP {r.stars}★ · {name}", r.certificate_number, r.valid_until)
        for r, name in ratings
    ]
    return sorted(items, key=lambda e: e.until)


def sales_by_day(coop: Cooperative, days: int = 30) -> list[tuple[date, int]]:
    """Đồng sold per Vietnam day over the last ``days`` days (cancelled parts left out)."""
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        sa.select(Order.placed_at, OrderPart.subtotal)
        .join(OrderPart.order)
        .where(
            OrderPart.cooperative_id == coop.id,
            OrderPart.status.in_(SOLD),
            Order.placed_at >= since,
        )
    ).all()
    totals: dict[date, int] = {}
    for placed_at, subtotal in rows:
        day = placed_at.astimezone(VIETNAM).date()
        totals[day] = totals.get(day, 0) + subtotal
    first = today() - timedelta(days=days - 1)
    return [
        (first + timedelta(days=i), totals.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def sales_chart(series: list[tuple[date, int]], width: int = 300, height: int = 80) -> dict:
    """Bars of an inline SVG chart (no script): x, y, w, h for each day, and the peak."""
    peak = max((amount for _, amount in series), default=0) or 1
    bar = width / max(len(series), 1)
    bars = [
        {
            "x": round(i * bar, 1),
            "w": round(bar * 0.8, 1),
            "h": round(amount / peak * (height - 2), 1),
            "day": day,
            "amount": amount,
        }
        for i, (day, amount) in enumerate(series)
    ]
    for b in bars:
        b["y"] = round(height - b["h"], 1)
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "peak": peak if peak > 1 else 0,
        "total": sum(a for _, a in series),
    }
