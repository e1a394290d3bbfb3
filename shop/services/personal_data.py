"""A person's own data (Law 91/2025/QH15): what they may take away (their account, the
orders placed with their account or their email, their reviews, cart and consents, and who at
the office looked at them, as JSON and CSV), deleting the account, the office's views of a
buyer's data logged, and the retention of personal data, enforced daily."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    CartItem,
    Consent,
    CounterfeitReport,
    DataAccess,
    Order,
    OrderPart,
    OutboxMessage,
    OutboxState,
    PartStatus,
    Review,
    Role,
    Scan,
    SearchMiss,
    User,
)
from shop.models.user import new_session_token
from shop.services import consents
from shop.services.errors import Conflict, InvalidInput
from shop.services.products import neutral

# Parts still on their way: the buyer's details are needed to deliver or refund them.
UNFINISHED = (
    PartStatus.PENDING_PAYMENT,
    PartStatus.PAID,
    PartStatus.CONFIRMED,
    PartStatus.PROCESSING,
    PartStatus.SHIPPED,
)


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
        "consents": [
            {
                "purpose": consent.purpose.value,
                "policies": consent.policies,
                "source": consent.source,
                "given_at": consent.given_at.isoformat(),
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            }
            for consent in consents.of(user)
        ],
        "viewed_by_the_office": [
            {"what": access.what, "at": access.at.isoformat()} for access in accesses_of(user)
        ],
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


# --- Deleting an account -----------------------------------------------------------------


def delete_account(user: User, password: str) -> None:
    """The person's account is gone: what identified them is removed from its row, their
    reviews, cart and marketing consent with it, every session ends. Their orders stay, as the
    accounting law asks, until ``enforce_retention`` removes the details on them."""
    if not user.check_password(password or ""):
        raise InvalidInput(_l("The password is not right."))
    if user.role is not Role.CUSTOMER:
        raise Conflict(
            _l(
                "An account of a cooperative or of the OCOP office is deleted by the office: "
                "write to it."
            )
        )
    if _has_unfinished_orders(user):
        raise Conflict(
            _l(
                "An order of yours is still on its way. Delete the account once it is "
                "delivered or cancelled."
            )
        )
    consents.withdraw_marketing(user.email, user)
    for model in (CartItem, Review):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.execute(sa.update(Order).where(Order.user_id == user.id).values(user_id=None))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name, user.phone, user.active, user.deleted_at = "", "", False, utcnow()
    user.notify_email = user.notify_zalo = user.notify_sms = False
    user.password_hash = "!"  # matches no password
    user.session_token = new_session_token()  # signs out every session
    db.session.flush()


def _has_unfinished_orders(user: User) -> bool:
    return (
        db.session.scalar(
            sa.select(OrderPart.id)
            .join(Order)
            .where(
                sa.or_(Order.user_id == user.id, sa.func.lower(Order.email) == user.email.lower()),
                OrderPart.status.in_(UNFINISHED),
            )
            .limit(1)
        )
        is not None
    )


# --- The office's views of a buyer's data ------------------------------------------------


def log_access(staff: User, what: str, *, subject: User | None = None, order: Order | None = None):
    """Note that ``staff`` opened a page with a buyer's personal data."""
    db.session.add(
        DataAccess(
            staff_id=staff.id,
            subject_user_id=subject.id if subject else (order.user_id if order else None),
            order_id=order.id if order else None,
            what=what[:80],
        )
    )


def accesses_of(user: User) -> list[DataAccess]:
    """The office's views of this person's account or orders, newest first."""
    order_ids = [order.id for order in _orders(user)]
    return list(
        db.session.scalars(
            sa.select(DataAccess)
            .where(
                sa.or_(
                    DataAccess.subject_user_id == user.id,
                    DataAccess.order_id.in_(order_ids) if order_ids else sa.false(),
                )
            )
            .order_by(DataAccess.at.desc(), DataAccess.id.desc())
        )
    )


def access_log(limit: int = 200) -> list[DataAccess]:
    return list(
        db.session.scalars(
            sa.select(DataAccess)
            .options(selectinload(DataAccess.staff))
            .order_by(DataAccess.at.desc(), DataAccess.id.desc())
            .limit(limit)
        )
    )


# --- Retention -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    """How long each kind of personal data is kept (days), from the configuration."""

    order_details: int  # name, phone, email, street and note on an order (accounting law)
    scan_networks: int  # the network and device hash of a scan (counterfeit detection)
    report_contacts: int  # contact and network on a counterfeit report
    sent_messages: int  # emails and notifications once sent (they carry addresses)
    office_views: int  # the log of the office's views of buyers' data
    search_misses: int = 365  # searches that found nothing (words only, no person)

    @classmethod
    def from_config(cls, config) -> Retention:
        return cls(**{field: int(config[f"RETAIN_{field.upper()}_DAYS"]) for field in FIELDS})


FIELDS = (
    "order_details",
    "scan_networks",
    "report_contacts",
    "sent_messages",
    "office_views",
    "search_misses",
)


def enforce_retention(rules: Retention, now: datetime | None = None) -> dict[str, int]:
    """Remove what is kept past its time; how many rows each rule touched."""
    now = now or utcnow()

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    finished = ~sa.exists().where(OrderPart.order_id == Order.id, OrderPart.status.in_(UNFINISHED))
    done = {
        "order_details": db.session.execute(
            sa.update(Order)
            .where(Order.placed_at < before(rules.order_details), Order.full_name != "", finished)
            .values(full_name="", phone="", email="", street="", note="", user_id=None)
            .execution_options(synchronize_session=False)
        ).rowcount,
        "scan_networks": db.session.execute(
            sa.update(Scan)
            .where(
                Scan.scanned_at < before(rules.scan_networks),
                sa.or_(Scan.network != "", Scan.device != ""),
            )
            .values(network="", device="")
        ).rowcount,
        "report_contacts": db.session.execute(
            sa.update(CounterfeitReport)
            .where(
                CounterfeitReport.created_at < before(rules.report_contacts),
                sa.or_(CounterfeitReport.contact != "", CounterfeitReport.network != ""),
            )
            .values(contact="", network="")
        ).rowcount,
        "sent_messages": db.session.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.state != OutboxState.PENDING,
                OutboxMessage.created_at < before(rules.sent_messages),
            )
        ).rowcount,
        "office_views": db.session.execute(
            sa.delete(DataAccess).where(DataAccess.at < before(rules.office_views))
        ).rowcount,
        "search_misses": db.session.execute(
            sa.delete(SearchMiss).where(SearchMiss.day < before(rules.search_misses).date())
        ).rowcount,
    }
    consents_ended = db.session.execute(  # a consent kept with an order whose details went
        sa.update(Consent)
        .where(Consent.order_id.in_(sa.select(Order.id).where(Order.email == "")))
        .where(Consent.email != "")
        .values(email="")
    ).rowcount
    done["consent_emails"] = consents_ended
    return done
