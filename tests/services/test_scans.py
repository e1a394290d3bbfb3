"""What a package's page says about its scans, from the rows themselves: who counts as a
phone, what is kept of it, and the first, last and "copied label" signs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import Scan, Unit
from shop.services import tracing
from shop.services.errors import InvalidInput
from shop.services.tracing import ScanSummary
from tests import factories
from tests.services.test_refusals import refused


@pytest.fixture
def units(catalog):
    batch = factories.lot(catalog.tea)
    made = tracing.generate_units(batch, 2)
    db.session.commit()
    return made


def scan_rows(unit) -> list[tuple[str, str, str]]:
    rows = db.session.scalars(sa.select(Scan).where(Scan.unit_id == unit.id).order_by(Scan.id))
    return [(s.network, s.language, s.device) for s in rows]


@pytest.mark.parametrize(
    ("agent", "robot"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("facebookexternalhit/1.1", True),
        ("WhatsApp/2.23", True),
        ("", True),
        (None, True),
        ("Mozilla/5.0 (Linux; Android 13; SM-A145F) Mobile Safari/537.36", False),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Zalo iOS", False),
    ],
)
def test_link_previews_and_robots_are_not_shoppers(agent, robot):
    assert tracing.is_robot(agent) is robot


def test_a_phone_is_kept_as_a_hash_of_its_cookie():
    kept = tracing.device_of("phone-cookie-1")
    assert len(kept) == 32 and set(kept) <= set("0123456789abcdef")
    assert kept == tracing.device_of("phone-cookie-1") != tracing.device_of("phone-cookie-2")
    assert tracing.device_of("") == ""


def test_a_phone_counts_once_per_package_and_again_on_another(units):
    box, other = units
    phone = tracing.device_of("phone-a")
    assert tracing.record_scan(box, address="203.0.113.9", language="vi", device=phone)
    assert not tracing.record_scan(box, address="203.0.113.9", language="vi", device=phone)
    # The same phone scanning the next box is a scan of that box.
    assert tracing.record_scan(other, address="203.0.113.9", language="vi", device=phone)
    # A scan without a phone cookie (an old browser, cookies off) is counted each time.
    assert tracing.record_scan(box, address="2001:ee0:4041:1::7", language="en-US,en;q=0.9")
    assert tracing.record_scan(box, address="not an address")
    assert scan_rows(box) == [
        ("203.0.113.0/24", "vi", phone),
        ("2001:ee0:4041::/48", "en-US,en;q", ""),  # 10 characters kept
        ("", "", ""),
    ]
    assert scan_rows(other) == [("203.0.113.0/24", "vi", phone)]


def test_the_summary_counts_phones_networks_and_dates_from_the_rows(units):
    box, other = units
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    # Written out of the order they were made in: the last scan is the latest, not the
    # last row; the first is the earliest.
    for minutes, network in (
        (30, "203.0.113.0/24"),
        (0, "198.51.100.0/24"),
        (90, "2001:ee0:4041::/48"),
        (60, "203.0.113.0/24"),
    ):
        db.session.add(
            Scan(
                unit_id=box.id,
                lot_id=box.lot_id,
                network=network,
                device=f"d{minutes}",
                scanned_at=start + timedelta(minutes=minutes),
            )
        )
    db.session.add(
        Scan(
            unit_id=other.id,
            lot_id=other.lot_id,
            network="192.0.2.0/24",
            scanned_at=start + timedelta(days=1),
        )
    )
    db.session.commit()
    summary = tracing.scan_summary(box)
    assert summary == ScanSummary(
        4,
        start,
        devices=4,
        networks=3,
        last_scanned_at=start + timedelta(minutes=90),
        last_network="2001:ee0::/32",
    )
    never = tracing.generate_units(box.lot, 1)[0]
    assert tracing.scan_summary(never) == ScanSummary(0, None, 0, 0, None, "")


def test_the_last_of_two_scans_in_the_same_instant_is_the_later_row(units):
    box, _ = units
    moment = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for network in ("198.51.100.0/24", "203.0.113.0/24"):
        db.session.add(Scan(unit_id=box.id, lot_id=box.lot_id, network=network, scanned_at=moment))
    db.session.commit()
    assert tracing.scan_summary(box).last_network == "203.0.x.x"


@pytest.mark.parametrize(
    ("network", "shown"),
    [
        ("203.113.145.0/24", "203.113.x.x"),
        ("2001:ee0:4041::/48", "2001:ee0::/32"),
        ("", ""),
        ("not a network", ""),
    ],
)
def test_the_public_page_names_only_the_providers_block(network, shown):
    assert tracing.public_network(network) == shown


def test_a_copied_label_is_many_phones_on_more_than_one_network():
    threshold = 5
    assert not ScanSummary(6, None, devices=5, networks=3).suspicious(threshold)  # not more
    assert ScanSummary(6, None, devices=6, networks=2).suspicious(threshold)
    assert not ScanSummary(60, None, devices=60, networks=1).suspicious(threshold)  # one home


def test_serials_never_repeat_within_a_product_whatever_the_generator_draws(catalog, monkeypatch):
    """31^10 serials make a clash rare, not impossible: a serial the product already has,
    or one drawn twice in the same run, is drawn again; another product's serial is free."""
    tea_lot = factories.lot(catalog.tea)
    banana_lot = factories.lot(catalog.banana, code="L-BANANA")
    db.session.add_all(
        [
            Unit(product_id=catalog.tea.id, lot_id=tea_lot.id, serial="TAKEN23456"),
            Unit(product_id=catalog.banana.id, lot_id=banana_lot.id, serial="XTHER23456"),
        ]
    )
    db.session.flush()
    draws = iter(["TAKEN23456", "XTHER23456", "DRAWN2TWCE", "DRAWN2TWCE", "FRESH23456"])
    monkeypatch.setattr(tracing, "new_serial", lambda: next(draws))
    made = tracing.generate_units(tea_lot, 3)
    assert [u.serial for u in made] == ["XTHER23456", "DRAWN2TWCE", "FRESH23456"]


@pytest.mark.parametrize("count", [0, tracing.MAX_UNITS_PER_CALL + 1])
def test_serials_are_made_between_one_and_the_limit_at_a_time(catalog, count):
    tea_lot = factories.lot(catalog.tea)
    refused(
        InvalidInput,
        lambda: tracing.generate_units(tea_lot, count),
        "Generate between 1 and %(n)s serials at a time.",
        n=tracing.MAX_UNITS_PER_CALL,
    )


def test_the_largest_batch_of_serials_is_allowed(catalog):
    tea_lot = factories.lot(catalog.tea)
    made = tracing.generate_units(tea_lot, tracing.MAX_UNITS_PER_CALL)
    assert len({u.serial for u in made}) == tracing.MAX_UNITS_PER_CALL


def test_the_lot_report_flags_a_box_on_many_networks_not_a_familys_on_one(units):
    family, copied = units
    threshold = 3
    for n in range(threshold + 2):  # five phones at home: one network
        db.session.add(
            Scan(unit_id=family.id, lot_id=family.lot_id, network="203.0.113.0/24", device=f"f{n}")
        )
    for n, network in enumerate(["198.51.100.0/24", "198.51.100.0/24", "", "198.51.100.0/24"]):
        db.session.add(
            Scan(unit_id=copied.id, lot_id=copied.lot_id, network=network, device=f"c{n}")
        )
    db.session.commit()
    total, scanned, unusual = tracing.lot_scan_report(family.lot, threshold)
    assert (total, scanned) == (9, 2)
    # A scan whose network could not be read is shown as "?", not left out.
    assert [(u.serial, u.scans, u.networks) for u in unusual] == [
        (copied.serial, 4, ["198.51.100.0/24", "?"])
    ]
