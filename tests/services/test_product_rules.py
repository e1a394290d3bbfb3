"""A cooperative's listings: what a product form or a CSV row may hold, each refusal with
the words the cooperative reads, a new product's opening stock, a family's shared fields,
and the CSV file going out and coming back."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Product, StockMovement
from shop.services import gs1, products
from shop.services.errors import Conflict, InvalidInput, NotFound
from shop.services.products import ProductData
from tests import factories
from tests.services.test_refusals import refused

LABEL = {
    "label_origin": "Xã Liên Sơn - Phú Thọ",
    "label_net_quantity": "500 g",
    "label_ingredients": "Chuối 100 %",
    "label_storage_use": "Nơi khô ráo",
    "label_shelf_life": "6 tháng",
}
GAPS = "Before it goes on sale, fill in what its label says: %(fields)s. Or save it as not on sale."


def gtin(n: int) -> str:
    return gs1.make_gtin14("89360777", n)


def data(catalog, **fields) -> ProductData:
    values = (
        {
            "name_vi": "Mật ong rừng",
            "name_en": "Wild honey",
            "category": catalog.categories["processed-food"],
            "unit": "chai 500 g",
            "price": 250_000,
            "stock": 5,
            "gtin": gtin(1),
        }
        | LABEL
        | fields
    )
    return ProductData(**values)


def movements(product: Product) -> list[tuple[int, str]]:
    return [
        (m.delta, m.reason)
        for m in db.session.scalars(
            sa.select(StockMovement)
            .where(StockMovement.product_id == product.id)
            .order_by(StockMovement.id)
        )
    ]


# --- check ----------------------------------------------------------------------------------


def test_a_blank_vietnamese_name_is_refused(catalog):
    refused(
        InvalidInput,
        lambda: products.check(data(catalog, name_vi="   ")),
        "Give the product a Vietnamese name.",
    )


@pytest.mark.parametrize(
    ("field", "good", "bad", "message"),
    [
        (
            "price",
            (1, 99_999_999),
            (0, 100_000_000),
            "The price is a whole number of đồng from 1 to 99,999,999.",
        ),
        (
            "stock",
            (0, 1_000_000),
            (-1, 1_000_001),
            "The stock is a whole number from 0 to 1,000,000.",
        ),
        (
            "weight_grams",
            (1, 30_000, None),
            (0, 30_001),
            "The weight is a whole number of grams from 1 to 30,000.",
        ),
    ],
)
def test_numbers_are_taken_to_their_edges_and_refused_beyond(catalog, field, good, bad, message):
    for value in good:
        products.check(data(catalog, **{field: value}))
    for value in bad:
        refused(InvalidInput, lambda v=value: products.check(data(catalog, **{field: v})), message)


def test_a_gtin_with_a_wrong_check_digit_is_refused(catalog):
    wrong = gtin(1)[:-1] + str((int(gtin(1)[-1]) + 1) % 10)
    refused(
        InvalidInput,
        lambda: products.check(data(catalog, gtin=wrong)),
        "This GTIN is not valid: check its digits; the last one is a check digit.",
    )


def test_another_product_s_gtin_is_refused_even_written_short(catalog):
    banana = catalog.banana.gtin
    for written in (banana, banana.lstrip("0")):
        refused(
            Conflict,
            lambda w=written: products.check(data(catalog, gtin=w)),
            "Another product already uses this GTIN.",
        )
        refused(
            Conflict,
            lambda w=written: products.check(data(catalog, gtin=w), existing=catalog.longan),
            "Another product already uses this GTIN.",
        )
        products.check(data(catalog, gtin=written), existing=catalog.banana)  # its own


def test_the_net_quantity_is_read_from_the_unit_when_left_blank(catalog):
    item = data(catalog, unit="hộp quà 1 kg", label_net_quantity=" ")
    products.check(item)
    assert item.label_net_quantity == "1 kg"
    given = data(catalog, unit="hộp quà 1 kg", label_net_quantity="10 gói x 100 g")
    products.check(given)
    assert given.label_net_quantity == "10 gói x 100 g"


@pytest.mark.parametrize(
    ("name", "limit", "called"),
    [
        ("label_origin", 200, "origin"),
        ("label_net_quantity", 60, "net quantity"),
        ("label_ingredients", 1000, "ingredients or materials"),
        ("label_storage_use", 1000, "storage and use"),
        ("label_shelf_life", 200, "shelf life"),
    ],
)
def test_each_label_field_has_its_length(catalog, name, limit, called):
    products.check(data(catalog, **{name: " " + "x" * limit + " "}))  # spaces do not count
    refused(
        InvalidInput,
        lambda: products.check(data(catalog, **{name: "x" * (limit + 1)})),
        "The label's %(field)s is longer than %(n)s characters.",
        field=gettext(called),
        n=limit,
    )


def test_goods_on_sale_need_every_label_field_and_the_message_names_the_gaps(catalog):
    blank = {"label_origin": "", "label_ingredients": " ", "label_shelf_life": ""}
    refused(
        InvalidInput,
        lambda: products.check(data(catalog, **blank)),
        GAPS,
        fields=", ".join(gettext(f) for f in ("origin", "ingredients or materials", "shelf life")),
    )
    products.check(data(catalog, active=False, **blank))  # off sale: it may wait


def test_a_tourism_service_needs_no_label(catalog):
    tourism = catalog.categories["tourism"]
    empty = {name: "" for name in LABEL}
    item = data(catalog, category=tourism, unit="đêm", **empty)
    assert item.label_gaps() == []
    products.check(item)
    food = data(catalog, unit="đêm", **empty)
    assert food.label_gaps() == list(LABEL)


# --- create, update, sizes, stock -----------------------------------------------------------


def test_a_new_product_has_its_opening_stock_its_fields_trimmed_and_a_full_gtin(catalog):
    item = products.create(
        catalog.viba,
        data(
            catalog, name_vi="  Mật ong  ", name_en=" Honey ", unit=" chai 500 g ", gtin=gtin(2)[1:]
        ),
    )
    db.session.commit()
    db.session.expire_all()
    assert (item.name_vi, item.name_en, item.unit, item.gtin) == (
        "Mật ong",
        "Honey",
        "chai 500 g",
        gtin(2),
    )
    assert (item.stock, item.weight_grams, item.cooperative_id) == (5, 550, catalog.viba.id)
    assert movements(item) == [(5, "opening stock")]


def test_a_new_product_without_stock_has_none_and_a_name_without_letters_gets_a_slug(catalog):
    item = products.create(catalog.viba, data(catalog, name_vi="***", stock=0, active=False))
    db.session.commit()
    db.session.expire_all()
    assert item.stock == 0 and movements(item) == []
    assert item.slug.startswith("san-pham")


def test_a_product_form_changes_stock_only_by_its_change(catalog):
    banana = catalog.banana
    products.update(banana, data(catalog, gtin=banana.gtin, stock=999, stock_change=-3))
    db.session.commit()
    db.session.expire_all()
    assert banana.stock == 7
    assert movements(banana) == [(-3, "changed by the cooperative")]
    assert products.change_stock(banana, 4) == 11
    assert movements(banana)[-1] == (4, "changed by the cooperative")


def test_a_listing_taken_down_cannot_be_saved_on_sale(catalog):
    banana = catalog.banana
    banana.taken_down_at, banana.taken_down_reason = utcnow(), "nhãn sai"
    refused(
        Conflict,
        lambda: products.update(banana, data(catalog, gtin=banana.gtin)),
        "The OCOP office took this listing down (%(reason)s): it cannot be put on sale.",
        reason="nhãn sai",
    )
    products.update(banana, data(catalog, gtin=banana.gtin, price=1_000, active=False))
    assert banana.price == 1_000 and not banana.active


def test_another_cooperative_s_product_is_not_found(catalog):
    assert products.owned_product(catalog.viba, catalog.banana.id) is catalog.banana
    refused(
        NotFound,
        lambda: products.owned_product(catalog.viba, catalog.tea.id),
        "No such product in your shop.",
    )


def size_data(catalog, unit="hộp quà 1 kg", n=3, price=300_000) -> ProductData:
    return data(catalog, name_vi="", unit=unit, price=price, stock=2, gtin=gtin(n))


def test_sizes_are_added_to_the_main_product_with_units_of_their_own(catalog):
    banana = catalog.banana
    size = products.add_size(banana, size_data(catalog))
    refused(
        Conflict,
        lambda: products.add_size(size, size_data(catalog, unit="thùng 5 kg", n=4)),
        "Add sizes to the main product of the family.",
    )
    refused(
        Conflict,
        lambda: products.add_size(banana, size_data(catalog, unit=" HỘP QUÀ 1 KG ", n=4)),
        "This family already has a size called %(unit)s.",
        unit=" HỘP QUÀ 1 KG ",
    )


def test_the_family_s_order_in_the_list_is_name_then_main_then_price(catalog):
    viba = catalog.viba
    big = products.add_size(catalog.banana, size_data(catalog, unit="túi 1 kg", n=5))
    small = products.add_size(
        catalog.banana, size_data(catalog, unit="túi 100 g", n=6, price=20_000)
    )
    other = factories.product(viba, catalog.categories["tea"], name_vi="Bột sắn", price=1_000)
    listed = products.products_of(viba)
    assert listed[0] is other
    assert listed[1:4] == [catalog.banana, small, big]
    assert catalog.tea not in listed


# --- CSV -------------------------------------------------------------------------------------


def test_the_export_says_whether_each_product_is_on_sale(catalog):
    catalog.longan.active = False
    lines = list(csv.reader(io.StringIO(products.export_csv(catalog.viba))))
    assert lines[0] == list(products.CSV_COLUMNS)
    by_gtin = {line[0]: line for line in lines[1:]}
    assert by_gtin[catalog.banana.gtin][7] == "1"
    assert by_gtin[catalog.longan.gtin][7] == "0"


HEADER = "gtin,name_vi,name_en,group,unit,price,stock,active"


def imported(catalog, *rows, header=HEADER):
    return products.import_csv(
        catalog.viba, "\ufeff" + "\n".join((header, *rows)) + "\n", catalog.categories
    )


def test_an_import_counts_what_it_created_and_updated(catalog):
    labels = ",".join(LABEL.values())
    header = HEADER + ",description_vi,description_en,weight_grams," + ",".join(LABEL)
    banana = catalog.banana
    report = imported(
        catalog,
        f"{banana.gtin},Chuối sấy,Banana,processed-food,gói,85.000,3,1,Ngon,Tasty,1.250,{labels}",
        f'{gtin(7)},Mật ong,,processed-food,,"1,000",4,1,,,,{labels}',
        f"{gtin(8)},Mật ong 2,,processed-food,chai,2000,4,không,,,,,,,,",
        f"{gtin(9)},Mật ong 3,,processed-food,chai,2000,4,FALSE,,,,,,,,",
        f"{gtin(10)},Mật ong 4,,processed-food,chai,2000,4,No,,,,,,,,",
        f"{catalog.longan.gtin},Nhãn,,fresh-produce,túi 1 kg,90000,0,1,,,,{labels}",
        header=header,
    )
    assert (report.ok, report.created, report.updated) == (True, 4, 2)
    db.session.expire_all()
    assert (banana.unit, banana.price, banana.stock, banana.weight_grams) == (
        "gói",
        85_000,
        10,
        1_250,
    )
    assert (banana.description_vi, banana.description_en, banana.name_en) == (
        "Ngon",
        "Tasty",
        "Banana",
    )
    assert banana.label_origin == LABEL["label_origin"]
    honey = db.session.scalar(sa.select(Product).where(Product.gtin == gtin(7)))
    assert (honey.unit, honey.price, honey.stock, honey.name_en, honey.active) == (
        "cái",
        1_000,
        4,
        "",
        True,
    )
    assert (honey.description_vi, honey.description_en) == ("", "")
    assert catalog.longan.unit == "túi 1 kg"
    quiet = db.session.scalar(sa.select(Product).where(Product.gtin == gtin(8)))
    assert [getattr(quiet, name) for name in LABEL] == ["", "", "", "", ""]
    for n in (8, 9, 10):
        assert not db.session.scalar(sa.select(Product.active).where(Product.gtin == gtin(n)))


def test_an_import_with_label_columns_changes_the_label_and_one_without_keeps_it(catalog):
    header = HEADER + "," + ",".join(LABEL)
    new = dict(LABEL, label_origin="Xã Thanh Sơn")
    assert imported(
        catalog,
        f"{catalog.banana.gtin},Chuối,,processed-food,gói 500 g,85000,0,1,"
        + ",".join(new.values()),
        header=header,
    ).ok
    assert catalog.banana.label_origin == "Xã Thanh Sơn"
    assert imported(catalog, f"{catalog.banana.gtin},Chuối,,processed-food,gói 500 g,85000,0,1").ok
    assert catalog.banana.label_origin == "Xã Thanh Sơn"


def test_an_import_without_its_columns_says_which_are_missing(catalog):
    report = products.import_csv(catalog.viba, "gtin,name_vi,unit\n1,a,b\n", catalog.categories)
    assert report.errors == [(1, gettext("Missing columns: %(c)s", c="group, price, stock"))]
    assert not report.ok


def test_an_import_reports_each_refused_row_by_its_line(catalog):
    report = imported(
        catalog,
        f"{gtin(11)},,,processed-food,chai,1000,1,0",
        f"{gtin(12)},Một,,processed-food,chai,1000,1,0",
        f"{gtin(12)[1:]},Hai,,processed-food,chai,1000,1,0",
        f"{gtin(13)},Ba,,,chai,1000,1,0",
        f"{gtin(14)},Bốn,,nope,chai,1000,1,0",
        f"{gtin(15)},Năm,,processed-food,chai,1000,nhiều,0",
        f"{catalog.tea.gtin},Sáu,,processed-food,chai,1000,1,0",
        f"{gtin(16)},Bảy,,processed-food,chai,1000,1,0,",
    )
    assert report.errors == [
        (2, gettext("Give the product a Vietnamese name.")),
        (4, gettext("This GTIN appears twice in the file.")),
        (5, gettext("Unknown group %(g)s.", g="—")),
        (6, gettext("Unknown group %(g)s.", g="nope")),
        (7, gettext("%(col)s must be a whole number.", col="stock")),
        (8, gettext("Another product already uses this GTIN.")),
    ]
    assert (report.created, report.updated) == (0, 0)
    assert db.session.scalar(sa.select(Product).where(Product.gtin == gtin(12))) is None
