"""Delivery priced by weight, shown before the cart; packing slips and tracking links."""

import shutil
import subprocess

import pytest
import zxingcpp
from PIL import Image

from shop.extensions import db
from shop.models import Product
from shop.services.pricing import DeliveryRule
from shop.services.weights import grams_from_unit
from tests import factories
from tests.factories import sign_in
from tests.web.test_coop import product_form
from tests.web.test_recalls import buy, ship

RULE = DeliveryRule()  # 25,000 / 40,000 for the first kilogram, then 5,000 / 9,000 per 500 g


@pytest.mark.parametrize(
    ("unit", "grams"),
    [
        ("gói 200 g", 250),
        ("hộp quà 1 kg", 1_050),
        ("thùng 5kg", 5_050),
        ("chai 500 ml", 550),
        ("hộp 1,5 kg", 1_550),
        ("hộp 10 gói x 20g", 250),
        ("bộ 6 chén", 0),
    ],
)
def test_weights_are_read_from_units(unit, grams):
    assert grams_from_unit(unit) == grams


def test_a_heavy_parcel_costs_more_and_across_regions_more_again():
    assert RULE.fee(100_000, "Phú Thọ", "Hà Nội", 250) == 25_000
    assert RULE.fee(100_000, "Phú Thọ", "Hà Nội", 1_000) == 25_000
    assert RULE.fee(100_000, "Phú Thọ", "Hà Nội", 1_001) == 30_000  # a started step counts
    assert RULE.fee(100_000, "Phú Thọ", "Hồ Chí Minh", 5_050) == 40_000 + 9 * 9_000
    assert RULE.fee(100_000, "Phú Thọ", None, 5_050) == 121_000  # no province yet: the higher
    assert RULE.fee(500_000, "Phú Thọ", "Cà Mau", 20_000) == 0  # free above the threshold


def test_the_cart_prices_each_parcel_from_its_weight(client, catalog):
    catalog.banana.weight_grams = 5_050  # a 5 kg box
    db.session.commit()
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    client.post("/cart/add", data={"product_id": catalog.tea.id, "quantity": "1"})
    page = client.get("/cart").get_data(as_text=True)
    assert "121.000" in page  # 5 kg from Phú Thọ before a province is given
    assert "40.000" in page  # the tea's light parcel from Lào Cai


def test_the_product_page_says_what_delivery_costs_before_the_cart(client, catalog):
    catalog.banana.weight_grams = 1_550
    db.session.commit()
    page = client.get("/products/chuoi-say").get_data(as_text=True)
    assert "1550 g" in page
    assert "35.000" in page and "58.000" in page  # north: 25,000 + 2 steps; south: 40,000 + 2


def test_the_product_form_reads_the_weight_from_the_unit_or_takes_it(client, catalog):
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    client.post("/coop/products/new", data=product_form(unit="hộp 500 g"))
    created = db.session.query(Product).filter_by(name_vi="Mật ong rừng").one()
    assert created.weight_grams == 550
    form = product_form(unit="hộp 500 g", weight_grams="720")
    assert client.post(f"/coop/products/{created.id}", data=form).status_code == 303
    db.session.refresh(created)
    assert created.weight_grams == 720
    bad = client.post(f"/coop/products/{created.id}", data=form | {"weight_grams": "90000"})
    assert bad.status_code == 400


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is missing")
def test_packing_slip_and_tracking_link(app, client, catalog, tmp_path):
    factories.lot(catalog.banana, code="L-SLIP")
    order = buy(app, catalog.banana, "slip@example.vn")
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    part = order.parts[0]
    ship(client, order)  # by Viettel Post, tracking number VTP<part id>
    slip = client.get(f"/coop/orders/{part.id}/packing-slip.pdf")
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    (tmp_path / "slip.pdf").write_bytes(slip.data)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(tmp_path / "slip.pdf"), str(tmp_path / "p")],
        check=True,
    )
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "slip.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert order.number in text and "L-SLIP" in text and "Thu hộ (COD)" in text
    [decoded] = [r.text for r in zxingcpp.read_barcodes(Image.open(next(tmp_path.glob("p*.png"))))]
    assert decoded.endswith(f"/coop/orders#part-{part.id}")
    other = factories.user("member", cooperative=catalog.thai_son)
    client.post("/account/logout")
    sign_in(client, other)
    assert client.get(f"/coop/orders/{part.id}/packing-slip.pdf").status_code == 404
    buyer_page = client.get(f"/orders/{order.access_token}").get_data(as_text=True)
    assert f"https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code=VTP{part.id}" in buyer_page


def test_delivery_days_by_region_fewer_within_the_producers_own():
    rule = DeliveryRule(days_same_region=(1, 2), days_other_region=(3, 6))
    assert rule.days_by_region("Phú Thọ") == {
        "north": (1, 2),
        "central": (3, 6),
        "south": (3, 6),
    }
    assert rule.days_by_region("Cần Thơ")["south"] == (1, 2)


def test_a_parcels_fee_to_each_region_is_cheaper_within_the_producers_own():
    rule = DeliveryRule(same_region=20_000, other_region=35_000, step_same_region=4_000)
    assert rule.by_region(100_000, "Phú Thọ", 1_200) == {  # one started step beyond 1 kg
        "north": 24_000,
        "central": 44_000,
        "south": 44_000,
    }
    assert rule.by_region(100_000, "Khánh Hòa", 0) == {
        "north": 35_000,
        "central": 20_000,
        "south": 35_000,
    }
    assert rule.by_region(100_000, "Cần Thơ", 0)["south"] == 20_000
    assert set(rule.by_region(500_000, "Cần Thơ", 9_000).values()) == {0}  # free from 500,000


@pytest.mark.parametrize(("text", "days"), [("1-3", (1, 3)), ("2", (2, 2)), (" 2-4", (2, 4))])
def test_delivery_days_from_the_configuration(text, days):
    from shop.services.pricing import days_range

    assert days_range(text) == days


@pytest.mark.parametrize("text", ["0-2", "5-3", "soon", ""])
def test_nonsense_delivery_days_are_refused(text):
    from shop.services.pricing import days_range

    with pytest.raises(ValueError):
        days_range(text)


def test_the_product_page_says_how_long_delivery_takes(client, catalog):
    page = client.get(f"/products/{catalog.banana.slug}?lang=en").get_data(as_text=True)
    assert "₫25,000 · 1–3 days" in page  # Viba is in Phú Thọ: the north is its own region
    assert "₫40,000 · 3–5 days" in page
    vietnamese = client.get(f"/products/{catalog.banana.slug}?lang=vi").get_data(as_text=True)
    assert "1–3 ngày" in vietnamese
