"""A shopper's report of a fake package: where it was bought is required, the contact is
optional, both within 200 characters; only the network of the shopper's address is kept.
A cooperative sees its own reports, the office everyone's: the newest first, and counted per
product and place, most reported first."""

from __future__ import annotations

import pytest

from shop.extensions import db
from shop.models import CounterfeitReport
from shop.services import counterfeits
from shop.services.counterfeits import ReportCount
from shop.services.errors import InvalidInput
from tests.services.test_refusals import refused

PLACE_MISSING = "Say where you bought it (a shop, a market, a website)."


def reported(product, place="Chợ Đồng Xuân", **fields) -> CounterfeitReport:
    values = {
        "lot_code": "L2611-A",
        "serial": "S1",
        "place": place,
        "contact": "",
        "address": None,
    } | fields
    item = counterfeits.report(product, **values)
    db.session.commit()
    return item


def kept(item: CounterfeitReport) -> tuple:
    db.session.expire(item)
    return (
        item.product_id,
        item.lot_code,
        item.serial,
        item.place,
        item.contact,
        item.network,
        item.photo_path,
    )


def report_count() -> int:
    return db.session.query(CounterfeitReport).count()


def test_a_report_keeps_what_the_shopper_said_and_only_their_network(catalog):
    item = reported(
        catalog.banana,
        lot_code="L2611-A",
        serial="0000042",
        place="  Chợ Đồng Xuân, Hà Nội ",
        contact=" 0987 654 321 ",
        address="198.51.100.7",
        photo_path="k-0123456789abcdef.webp",
    )
    assert kept(item) == (
        catalog.banana.id,
        "L2611-A",
        "0000042",
        "Chợ Đồng Xuân, Hà Nội",
        "0987 654 321",
        "198.51.100.0/24",
        "k-0123456789abcdef.webp",
    )


def test_a_report_needs_no_contact_code_address_or_photo(catalog):
    item = counterfeits.report(
        catalog.tea, lot_code=None, serial=None, place="shopee.vn", contact=None, address=None
    )
    db.session.commit()
    assert kept(item) == (catalog.tea.id, "", "", "shopee.vn", "", "", "")


def test_the_lot_code_and_serial_are_cut_to_twenty_characters(catalog):
    item = reported(catalog.banana, lot_code="L" * 19 + "XY", serial="9" * 19 + "XY")
    assert (item.lot_code, item.serial) == ("L" * 19 + "X", "9" * 19 + "X")


def test_a_place_and_a_contact_of_two_hundred_characters_are_taken(catalog):
    item = reported(catalog.banana, place="P" * 200, contact="C" * 200)
    assert (item.place, item.contact) == ("P" * 200, "C" * 200)


@pytest.mark.parametrize("place", ["", "   ", None, "P" * 201])
def test_a_report_without_a_place_or_with_too_long_a_one_is_refused(catalog, place):
    refused(
        InvalidInput,
        lambda: counterfeits.report(
            catalog.banana, lot_code="L1", serial="S1", place=place, contact="", address=None
        ),
        PLACE_MISSING,
    )
    assert report_count() == 0


def test_a_contact_longer_than_two_hundred_characters_is_refused(catalog):
    refused(
        InvalidInput,
        lambda: counterfeits.report(
            catalog.banana,
            lot_code="L1",
            serial="S1",
            place="Chợ",
            contact="C" * 201,
            address=None,
        ),
        "The contact is too long.",
    )
    assert report_count() == 0


def test_the_newest_reports_come_first_ten_unless_asked(catalog):
    items = [reported(catalog.banana, place=f"Chợ {n}") for n in range(12)]
    newest_ten = [item.id for item in reversed(items[2:])]
    assert [item.id for item in counterfeits.latest()] == newest_ten
    assert [item.id for item in counterfeits.latest(limit=3)] == newest_ten[:3]


def test_a_cooperative_sees_only_the_reports_of_its_products(catalog):
    banana = reported(catalog.banana)
    tea = reported(catalog.tea)
    longan = reported(catalog.longan)
    herb = reported(catalog.herb)
    assert counterfeits.latest(catalog.viba) == [longan, banana]
    assert counterfeits.latest(catalog.thai_son) == [herb, tea]
    assert counterfeits.latest() == [herb, longan, tea, banana]
    assert counterfeits.latest(catalog.viba, limit=1) == [longan]


def test_reports_are_counted_per_product_and_place_most_first(catalog):
    for product, place, times in (
        (catalog.banana, "Chợ Đồng Xuân", 1),
        (catalog.tea, "Chợ Đồng Xuân", 3),
        (catalog.banana, "shopee.vn", 2),
        (catalog.longan, "Chợ Đồng Xuân", 2),
        (catalog.herb, "Chợ Bến Thành", 1),
    ):
        for _ in range(times):
            reported(product, place=place)
    assert counterfeits.counts() == [
        ReportCount("Chè xanh Mỹ Tân", "Chợ Đồng Xuân", 3),
        ReportCount("Chuối sấy dẻo Viba", "shopee.vn", 2),
        ReportCount("Nhãn chín muộn", "Chợ Đồng Xuân", 2),
        ReportCount("Cao xạ đen", "Chợ Bến Thành", 1),
        ReportCount("Chuối sấy dẻo Viba", "Chợ Đồng Xuân", 1),
    ]
    assert counterfeits.counts(catalog.viba) == [
        ReportCount("Chuối sấy dẻo Viba", "shopee.vn", 2),
        ReportCount("Nhãn chín muộn", "Chợ Đồng Xuân", 2),
        ReportCount("Chuối sấy dẻo Viba", "Chợ Đồng Xuân", 1),
    ]
    assert counterfeits.counts(catalog.thai_son, limit=1) == [
        ReportCount("Chè xanh Mỹ Tân", "Chợ Đồng Xuân", 3)
    ]


def test_fifty_products_and_places_are_counted_unless_asked(catalog):
    places = [f"Chợ {n:02}" for n in range(51)]
    for place in reversed(places):
        reported(catalog.banana, place=place)
    assert len(counterfeits.counts()) == 50
    counted = counterfeits.counts(limit=51)
    assert [row.place for row in counted] == places  # a tie goes by product, then place
    assert {(row.product, row.reports) for row in counted} == {("Chuối sấy dẻo Viba", 1)}
