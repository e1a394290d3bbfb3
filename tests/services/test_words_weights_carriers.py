"""How the shop reads what people write: folded search words and free slugs, the weight and
net quantity a unit states, and the tracking link of a parcel sent with a known carrier."""

from __future__ import annotations

import pytest

from shop.models import Cooperative, Product
from shop.services import carriers
from shop.services.text import fold, free_slug, search_terms, slugify
from shop.services.weights import PACKAGING_GRAMS, grams_from_unit, stated_quantity
from tests import factories


def test_folding_keeps_letters_and_digits_and_turns_the_rest_into_single_spaces():
    assert fold("  Mật ong—rừng (U Minh), 2024!  ") == "mat ong rung u minh 2024"
    assert fold("ĐẶC SẢN đà lạt") == "dac san da lat"
    assert fold("Cà phê") == fold("Ca\u0300 phe\u0302") == "ca phe"
    assert fold("") == ""


def test_a_search_spells_out_short_forms_and_keeps_its_first_eight_words_in_order():
    assert search_terms("HTX cafe TP. Đà Lạt") == [
        "hop",
        "tac",
        "xa",
        "ca",
        "phe",
        "thanh",
        "pho",
        "da",
    ]
    assert search_terms("caphe Sơn La", limit=3) == ["ca", "phe", "son"]
    assert slugify("Mật ong rừng U Minh") == "mat-ong-rung-u-minh"


def test_a_taken_slug_gets_the_next_free_number(catalog):
    factories.product(catalog.viba, catalog.categories["tea"], slug="chuoi-say-2")
    factories.product(catalog.viba, catalog.categories["tea"], slug="chuoi-say-4")
    assert free_slug(Product.slug, "Chuối sấy", "san-pham") == "chuoi-say-3"
    factories.product(catalog.viba, catalog.categories["tea"], slug="nhan-2")
    assert free_slug(Product.slug, "Nhãn", "san-pham") == "nhan-3"


def test_a_name_without_letters_takes_the_fallback_and_its_next_number(catalog):
    factories.cooperative(slug="htx")
    assert free_slug(Cooperative.slug, "!!! ???", "htx") == "htx-2"


def test_a_name_not_yet_taken_keeps_its_own_slug(catalog):
    assert free_slug(Product.slug, "Chuối sấy giòn", "san-pham") == "chuoi-say-gion"
    assert free_slug(Product.slug, "Chè", "san-pham") == "che"


@pytest.mark.parametrize(
    ("unit", "grams"),
    [
        ("gói 0 g", 0),
        ("gói 0,2 g", 0),
        ("gói 0,6 g", 1 + PACKAGING_GRAMS),
        ("túi 2KG", 2_000 + PACKAGING_GRAMS),
        ("chai 1,5 lít", 1_500 + PACKAGING_GRAMS),
        ("hộp 3 hũ × 250 gr", 750 + PACKAGING_GRAMS),
        ("", 0),
        (None, 0),
    ],
)
def test_a_package_weighs_its_contents_and_wrapping_and_nothing_when_it_states_none(unit, grams):
    assert grams_from_unit(unit) == grams


@pytest.mark.parametrize(
    ("unit", "quantity"),
    [
        ("hộp quà 1 kg", "1 kg"),
        ("chai 500ml", "500ml"),
        ("hộp 10 gói x 20 g", "20 g"),
        ("bộ 6 chén", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_the_net_quantity_is_the_amount_and_unit_as_written(unit, quantity):
    assert stated_quantity(unit) == quantity


def test_the_ship_form_suggests_the_configured_carriers_in_order(app):
    assert carriers.names() == ["GHN", "GHTK", "Viettel Post", "VNPost"]
    app.config["CARRIERS"] = (("J&T Express", "https://jtexpress.vn/track?billcodes={number}"),)
    assert carriers.names() == ["J&T Express"]


@pytest.mark.parametrize(
    ("carrier", "number", "url"),
    [
        ("GHN", "GHN123", "https://donhang.ghn.vn/?order_code=GHN123"),
        ("ghtk", " S1.2/3 ", "https://i.ghtk.vn/S1.2%2F3"),
        ("Viettel Post", "VP 9", "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code=VP%209"),
        ("viettelpost", "VP9", "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code=VP9"),
        (
            "VN Post",
            "EB1?x=1&y",
            "https://www.vnpost.vn/tra-cuu-hanh-trinh/buu-pham?key=EB1%3Fx%3D1%26y",
        ),
        ("Ninja Van", "NV1", None),
        ("GHN", "", None),
        ("", "GHN123", None),
    ],
)
def test_a_parcel_of_a_known_carrier_links_to_its_tracking_page(carrier, number, url):
    assert carriers.tracking_url(carrier, number) == url
