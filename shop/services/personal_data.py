"""A person's own data, as they may ask for it (Law 91/2025/QH15): their account, the orders
placed with their account or their email, their reviews and cart, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.models import CartItem, Order, OrderPart, Review, User
from shop.services.products import neutral


def _orders(user: User) -> list[Order]:
    """Orders of the account, and those placed as a guest with its (verified) email."""
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(
                sa.or_(Order.user_id == user.id, sa.func.lower(Order.email) == user.email.lower())
            )
            .order_by(Order.id)
            .options(selectinload(Order.parts).selectinload(OrderPart.lines))
        )
    )


def export(user: User) -> dict:
    """Everything the shop keeps about ``user`` that is theirs to take away."""
    reviews = db.session.scalars(
        sa.select(Review).where(Review.user_id == user.id).order_by(Review.id)
    )
    cart = db.session.scalars(
        sa.select(CartItem).where(CartItem.user_id == user.id).order_by(CartItem.id)
    )
    return {
        "account": {
            "email": user.email,
            "name": user.name,
            "phone": user.phone,
            "language": user.language,
            "role": user.role.value,
            "created_at": user.created_at.isoformat(),
            "notifications": sorted(user.channels),
        },
        "orders": [
            {
                "number": order.number,
                "placed_at": order.placed_at.isoformat(),
                "full_name": order.full_name,
                "phone": order.phone,
                "email": order.email,
                "address": {"street": order.street, "ward": order.ward, "province": order.province},
                "note": order.note,
                "payment_method": order.payment_method.value,
                "payment_status": order.payment_status.value,
                "total_vnd": order.total,
                "parcels": [
                    {
                        "status": part.status.value,
                        "carrier": part.carrier,
                        "tracking_number": part.tracking_number,
                        "lines": [
                            {
                                "name": line.name,
                                "unit": line.unit,
                                "quantity": line.quantity,
                                "unit_price_vnd": line.unit_price,
                            }
                            for line in part.lines
                        ],
                    }
                    for part in order.parts
                ],
            }
            for order in _orders(user)
        ],
        "reviews": [
            {
                "product_id": review.product_id,
                "stars": review.stars,
                "text": review.text,
                "created_at": review.created_at.isoformat(),
            }
            for review in reviews
        ],
        "cart": [{"product_id": item.product_id, "quantity": item.quantity} for item in cart],
    }


def export_json(user: User) -> str:
    return json.dumps(export(user), ensure_ascii=False, indent=2)


def _rows(value, path: str):
    """(path, value) for every leaf of nested dicts and lists: orders[0].parcels[1].status."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _rows(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _rows(item, f"{path}[{index}]")
    else:
        yield path, value


def export_csv(user: User) -> str:
    """The same data as two columns, field and value (spreadsheet-safe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["field", "value"])
    for path, value in _rows(export(user), ""):
        writer.writerow([path, neutral("" if value is None else value)])
    return out.getvalue()
