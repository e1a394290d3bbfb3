"""How long the shop keeps personal data, and what goes when its time is up.

Each kind of data has its own retention, counted back from the moment the daily job runs:
what is older than that is cleared or removed, what is exactly that old or younger is kept
as it is. An order still on its way keeps its buyer's details whatever its age, and so does a
message not yet sent. The job says how many rows each rule touched, and a second run right
after the first touches none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import (
    Consent,
    ConsentPurpose,
    CounterfeitReport,
    DataAccess,
    Order,
    OutboxMessage,
    OutboxState,
    PartStatus,
    PaymentMethod,
    Scan,
    SearchMiss,
)
from shop.services import consents, counterfeits, orders, personal_data, tracing
from shop.services.personal_data import UNFINISHED
from tests import factories
from tests.services.test_orders import HOLDS, RULE

# Noon in UTC: the same calendar day in Vietnam, so a day's search misses fall on one side.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RULES = personal_data.Retention(
    order_details=3653,
    scan_networks=365,
    report_contacts=180,
    sent_messages=90,
    office_views=730,
    search_misses=400,
)
SECOND = timedelta(seconds=1)
NOTHING = {
    "order_details": 0,
    "scan_networks": 0,
    "report_contacts": 0,
    "sent_messages": 0,
    "office_views": 0,
    "search_misses": 0,
    "consent_emails": 0,
}
BUYER = orders.Delivery(
    "Trần Thị Bích",
    "0912345678",
    "bich@example.vn",
    "Hà Nội",
    "Phường Ba Đình",
    "1 Hùng Vương",
    note="Gọi trước khi giao",
)
FINISHED = [PartStatus.DELIVERED, PartStatus.CANCELLED, PartStatus.REFUNDED]


def last_moment(days: int) -> datetime:
    """The oldest a row may be and still be kept under a retention of ``days``."""
    return NOW - timedelta(days=days)


def past_kept_and_within(days: int) -> tuple[datetime, datetime, datetime]:
    """One second past the retention, its last moment, and one second within it."""
    edge = last_moment(days)
    return edge - SECOND, edge, edge + SECOND


def enforce() -> dict[str, int]:
    done = personal_data.enforce_retention(RULES, now=NOW)
    db.session.commit()
    db.session.expire_all()
    return done


def counted(**touched: int) -> dict[str, int]:
    return NOTHING | touched


# --- Orders ------------------------------------------------------------------------------


def order_placed(catalog, at: datetime, *statuses: PartStatus, buyer=None) -> Order:
    """An order of two parcels (one per cooperative) placed at ``at``, its parcels in
    ``statuses``, with the buyer's consent to the terms recorded with it."""
    order = orders.place_order(
        {catalog.banana.id: 1, catalog.tea.id: 1},
        BUYER,
        PaymentMethod.COD,
        RULE,
        HOLDS,
        user_id=buyer.id if buyer else None,
    )
    order.placed_at = at
    for part, status in zip(order.parts, statuses or (PartStatus.DELIVERED,) * 2, strict=True):
        part.status = status
    consents.record(ConsentPurpose.TERMS, order.email, "checkout", order=order, user=buyer)
    db.session.commit()
    return order


def buyer_details(order: Order) -> dict:
    return {
        "full_name": order.full_name,
        "phone": order.phone,
        "email": order.email,
        "street": order.street,
        "note": order.note,
        "user_id": order.user_id,
    }


def kept_for_the_books(order: Order) -> tuple:
    return (
        order.number,
        order.province,
        order.ward,
        order.subtotal,
        order.delivery_total,
        order.total,
        order.payment_method,
        order.placed_at,
    )


def consent_emails_of(order: Order) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Consent.email).where(Consent.order_id == order.id).order_by(Consent.id)
        )
    )


def test_an_orders_details_are_kept_to_the_last_second_of_their_retention(catalog):
    buyer = factories.user(email="bich@example.vn")
    past, last, within = (
        order_placed(catalog, at, buyer=buyer) for at in past_kept_and_within(3653)
    )
    as_placed = buyer_details(within)
    books = {order.id: kept_for_the_books(order) for order in (past, last, within)}

    assert enforce() == counted(order_details=1, consent_emails=1)

    assert buyer_details(past) == {
        "full_name": "",
        "phone": "",
        "email": "",
        "street": "",
        "note": "",
        "user_id": None,
    }
    assert buyer_details(last) == buyer_details(within) == as_placed
    assert as_placed["note"] == "Gọi trước khi giao" and as_placed["user_id"] == buyer.id
    for order in (past, last, within):
        assert kept_for_the_books(order) == books[order.id]
    assert consent_emails_of(past) == [""]
    assert consent_emails_of(last) == consent_emails_of(within) == ["bich@example.vn"]


@pytest.mark.parametrize("finished", FINISHED)
def test_an_order_whose_parcels_all_arrived_or_stopped_loses_its_details(catalog, finished):
    old = order_placed(catalog, NOW - timedelta(days=4000), PartStatus.DELIVERED, finished)

    assert enforce() == counted(order_details=1, consent_emails=1)
    assert (old.full_name, old.phone, old.email, old.street, old.note) == ("",) * 5


@pytest.mark.parametrize("on_its_way", UNFINISHED)
def test_an_order_with_a_parcel_on_its_way_keeps_its_details_whatever_its_age(catalog, on_its_way):
    old = order_placed(catalog, NOW - timedelta(days=4000), PartStatus.DELIVERED, on_its_way)
    as_placed = buyer_details(old)

    assert enforce() == NOTHING
    assert buyer_details(old) == as_placed
    assert consent_emails_of(old) == ["bich@example.vn"]


def test_a_consent_kept_apart_from_an_order_keeps_its_email(catalog):
    buyer = factories.user(email="bich@example.vn")
    consents.record(ConsentPurpose.MARKETING, buyer.email, "registration", user=buyer)
    order_placed(catalog, NOW - timedelta(days=4000), buyer=buyer)

    assert enforce() == counted(order_details=1, consent_emails=1)
    registration = db.session.scalar(sa.select(Consent).where(Consent.order_id.is_(None)))
    assert registration.email == "bich@example.vn"


# --- Scans of a package's code -----------------------------------------------------------


def scans_at(catalog, *moments: datetime, network="203.0.113.0/24", device="a1b2") -> list[Scan]:
    batch = factories.lot(catalog.tea)
    [unit] = tracing.generate_units(batch, 1)
    made = [
        Scan(unit_id=unit.id, lot_id=batch.id, network=network, device=device, scanned_at=at)
        for at in moments
    ]
    db.session.add_all(made)
    db.session.commit()
    return made


def network_and_device(scan: Scan) -> tuple[str, str]:
    return scan.network, scan.device


def test_a_scans_network_and_device_are_kept_to_the_last_second_of_their_retention(catalog):
    past, last, within = scans_at(catalog, *past_kept_and_within(365))

    assert enforce() == counted(scan_networks=1)
    assert network_and_device(past) == ("", "")
    assert network_and_device(last) == network_and_device(within) == ("203.0.113.0/24", "a1b2")
    assert db.session.scalar(sa.select(sa.func.count(Scan.id))) == 3  # the scans still count


def test_an_old_scan_that_kept_nothing_of_its_visitor_is_not_counted(catalog):
    scans_at(catalog, NOW - timedelta(days=400), network="", device="")

    assert enforce() == NOTHING


def test_an_old_scan_without_a_network_still_loses_its_device(catalog):
    [old] = scans_at(catalog, NOW - timedelta(days=400), network="", device="a1b2")

    assert enforce() == counted(scan_networks=1)
    assert network_and_device(old) == ("", "")


# --- Counterfeit reports -------------------------------------------------------------------


def report_at(catalog, at: datetime, contact="0987654321", address="198.51.100.7"):
    item = counterfeits.report(
        catalog.banana,
        lot_code="L1",
        serial="S1",
        place="Chợ Đồng Xuân",
        contact=contact,
        address=address,
    )
    item.created_at = at
    db.session.commit()
    return item


def contact_and_network(report: CounterfeitReport) -> tuple[str, str]:
    return report.contact, report.network


def test_a_reports_contact_and_network_are_kept_to_the_last_second_of_their_retention(catalog):
    past, last, within = (report_at(catalog, at) for at in past_kept_and_within(180))

    assert enforce() == counted(report_contacts=1)
    assert contact_and_network(past) == ("", "")
    assert (
        contact_and_network(last)
        == contact_and_network(within)
        == ("0987654321", "198.51.100.0/24")
    )
    assert (past.place, past.lot_code, past.serial) == ("Chợ Đồng Xuân", "L1", "S1")


@pytest.mark.parametrize(
    ("contact", "address"),
    [("0987654321", None), ("", "198.51.100.7"), ("0987654321", "198.51.100.7")],
)
def test_an_old_report_loses_whichever_of_contact_and_network_it_has(catalog, contact, address):
    old = report_at(catalog, NOW - timedelta(days=200), contact=contact, address=address)

    assert enforce() == counted(report_contacts=1)
    assert contact_and_network(old) == ("", "")


def test_an_old_report_with_neither_contact_nor_network_is_not_counted(catalog):
    old = report_at(catalog, NOW - timedelta(days=200), contact="", address=None)

    assert enforce() == NOTHING
    assert contact_and_network(old) == ("", "")


# --- Messages, the office's views and search misses ----------------------------------------


def message(state: OutboxState, at: datetime) -> OutboxMessage:
    made = OutboxMessage(
        kind="email", payload={"to": ["bich@example.vn"]}, state=state, created_at=at
    )
    db.session.add(made)
    db.session.commit()
    return made


def remaining(model) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).order_by(model.id)))


def test_a_message_once_sent_is_kept_to_the_last_second_of_its_retention():
    _, last, within = (message(OutboxState.DONE, at) for at in past_kept_and_within(90))

    assert enforce() == counted(sent_messages=1)
    assert remaining(OutboxMessage) == [last.id, within.id]


def test_a_message_not_yet_sent_is_kept_whatever_its_age_and_a_failed_one_is_not():
    long_ago = NOW - timedelta(days=1000)
    waiting = message(OutboxState.PENDING, long_ago)
    message(OutboxState.DEAD, long_ago)
    message(OutboxState.DONE, long_ago)

    assert enforce() == counted(sent_messages=2)
    assert remaining(OutboxMessage) == [waiting.id]


def test_the_office_views_are_kept_to_the_last_second_of_their_retention():
    views = [DataAccess(what="order", at=at) for at in past_kept_and_within(730)]
    db.session.add_all(views)
    db.session.commit()

    assert enforce() == counted(office_views=1)
    assert remaining(DataAccess) == [views[1].id, views[2].id]


def test_a_search_miss_is_kept_until_the_last_day_of_its_retention_and_removed_the_day_after():
    last_day = last_moment(400).date()
    for query, day in (
        ("old", last_day - timedelta(days=1)),
        ("last", last_day),
        ("new", last_day + timedelta(days=1)),
    ):
        db.session.add(SearchMiss(day=day, query=query, times=2))
    db.session.commit()

    assert enforce() == counted(search_misses=1)
    assert db.session.scalars(sa.select(SearchMiss.query).order_by(SearchMiss.day)).all() == [
        "last",
        "new",
    ]


# --- Every rule at once -----------------------------------------------------------------------


def everything_past_its_time(catalog) -> None:
    order_placed(catalog, NOW - timedelta(days=4000))
    scans_at(catalog, NOW - timedelta(days=400))
    report_at(catalog, NOW - timedelta(days=200))
    message(OutboxState.DONE, NOW - timedelta(days=100))
    db.session.add(DataAccess(what="account", at=NOW - timedelta(days=800)))
    db.session.add(SearchMiss(day=(NOW - timedelta(days=500)).date(), query="sầu riêng"))
    db.session.commit()


def test_nothing_to_remove_counts_nothing_for_every_rule():
    assert enforce() == NOTHING


def test_every_rule_counts_what_it_touched_and_a_second_run_touches_nothing(catalog):
    everything_past_its_time(catalog)

    assert enforce() == {
        "order_details": 1,
        "scan_networks": 1,
        "report_contacts": 1,
        "sent_messages": 1,
        "office_views": 1,
        "search_misses": 1,
        "consent_emails": 1,
    }
    assert enforce() == NOTHING
