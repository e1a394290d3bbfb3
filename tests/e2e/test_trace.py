"""A shopper scans the QR code on a packet of tea with a small phone, in the shop's aisle."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from shop.models import Lot, Product, Scan, Unit

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
THRESHOLD = 5  # SCAN_WARNING_THRESHOLD: more scans than this and the page warns


def unscanned_tea_unit(e2e_db) -> str:
    """The Digital Link path of a serialized packet of "Chè xanh Mỹ Tân" nobody scanned yet."""
    with e2e_db() as session:
        scanned = sa.select(Scan.unit_id)
        gtin, lot_code, serial = session.execute(
            sa.select(Product.gtin, Lot.code, Unit.serial)
            .join(Lot, Unit.lot_id == Lot.id)
            .join(Product, Lot.product_id == Product.id)
            .where(Product.slug == "che-xanh-my-tan", Unit.id.not_in(scanned))
            .order_by(Unit.id.desc())
            .limit(1)
        ).one()
    return f"/01/{gtin}/10/{lot_code}/21/{serial}"


def scrolls_sideways(page: Page) -> bool:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    return width > inner


def test_scan_a_packet_on_a_small_phone(new_page, e2e_app, e2e_db, screenshot):
    assert e2e_app.config["SCAN_WARNING_THRESHOLD"] == THRESHOLD
    uri = unscanned_tea_unit(e2e_db)
    serial = uri.rsplit("/", 1)[1]
    page = new_page(**PHONE)
    page.goto(uri)

    expect(page.get_by_role("heading", level=1)).to_have_text("Chè xanh Mỹ Tân")
    authentic = page.get_by_role("region", name="Hàng chính hãng")
    expect(authentic.get_by_role("heading", name="Hàng chính hãng")).to_be_visible()
    expect(authentic).to_contain_text("Lần quét đầu tiên")
    expect(authentic).to_contain_text(f"Số sê-ri: {serial}")
    expect(page.get_by_role("alert")).to_have_count(0)  # neither recalled nor past its date

    journey = page.get_by_role("region", name="Hành trình")
    steps = journey.get_by_role("listitem")
    assert steps.count() >= 3, "the tea's journey has its steps, field to packet"
    expect(steps.first.locator("time")).to_have_text(re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$"))
    expect(journey).to_contain_text("Thu hoạch")
    expect(journey).to_contain_text("Đóng gói")
    assert not scrolls_sideways(page), "the scan page scrolls sideways on a small phone"
    screenshot(page, "trace-phone")

    for _ in range(THRESHOLD + 1):  # the buyer reloads: the same phone, never a warning
        page.reload()
    expect(page.get_by_role("heading", name="Hàng chính hãng")).to_be_visible()
    expect(page.get_by_role("region", name="Hàng chính hãng")).to_contain_text("Lần quét đầu tiên")
    other = new_page(**PHONE)  # a second phone
    other.goto(uri)
    expect(other.get_by_role("region", name="Hàng chính hãng")).to_contain_text(
        "đã được quét trên 2 điện thoại"
    )

    page.get_by_role("link", name="Mua sản phẩm này").click()
    expect(page).to_have_url(re.compile(r"/products/che-xanh-my-tan$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Chè xanh Mỹ Tân")
    expect(page.get_by_role("button", name="Thêm vào giỏ")).to_be_visible()
