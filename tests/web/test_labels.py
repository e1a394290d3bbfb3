"""What the label says: published on the product page, required before goods go on sale."""

import io

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import Product
from shop.services import gs1
from tests import factories
from tests.factories import sign_in
from tests.web.test_coop import NEW_GTIN, product_form
from tests.web.test_sizes_and_photos import add_gift_box

LABEL = (
    "label_origin",
    "label_net_quantity",
    "label_ingredients",
    "label_storage_use",
    "label_shelf_life",
)


@pytest.fixture
def member(client, catalog):
    account = factories.user("member", cooperative=catalog.viba)
    sign_in(client, account)
    return account


def new_product() -> Product | None:
    return db.session.scalar(sa.select(Product).where(Product.gtin == NEW_GTIN))


def test_goods_without_their_label_do_not_go_on_sale(client, member):
    data = product_form(label_ingredients="", label_shelf_life=" ")
    response = client.post("/coop/products/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "thành phần hoặc nguyên liệu, hạn sử dụng" in page
    assert 'value="Xã Mỹ Tân, tỉnh Cao Bằng, Việt Nam"' in page  # what was typed is kept
    assert new_product() is None

    data.pop("active")  # kept as a draft, not on sale, until the label is complete
    assert client.post("/coop/products/new", data=data).status_code == 303
    draft = new_product()
    assert not draft.active and draft.label_gaps() == ["label_ingredients", "label_shelf_life"]
    listing = client.get("/coop/products").get_data(as_text=True)
    assert "Cần bổ sung thông tin nhãn" in listing

    complete = product_form(label_ingredients="Mật ong rừng 100 %.", label_shelf_life="24 tháng")
    assert client.post(f"/coop/products/{draft.id}", data=complete).status_code == 303
    db.session.expire_all()
    assert draft.active and draft.label_gaps() == []


def test_a_label_field_too_long_is_refused_with_its_name(client, member):
    response = client.post("/coop/products/new", data=product_form(label_origin="x" * 201))
    assert response.status_code == 400
    assert new_product() is None


def test_a_tourism_service_has_no_label(client, member):
    data = product_form(group="tourism", unit="suất cho 1 người", **dict.fromkeys(LABEL, ""))
    assert client.post("/coop/products/new", data=data).status_code == 303
    service = new_product()
    assert service.active and service.label_gaps() == []
    assert "Thông tin trên nhãn" not in client.get(f"/products/{service.slug}").get_data(
        as_text=True
    )


def test_the_product_page_shows_the_label_and_the_producer(client, catalog):
    page = client.get(f"/products/{catalog.banana.slug}").get_data(as_text=True)
    section = page[page.index('id="label-title"') :]
    for text in (
        "Thông tin trên nhãn",
        "Xuất xứ",
        "Xã Liên Sơn, tỉnh Phú Thọ, Việt Nam",
        "Định lượng",
        "500 g",
        "Chuối tiêu hồng 100 %.",
        "Nơi khô ráo, thoáng mát.",
        "6 tháng kể từ ngày sản xuất",
        "Hợp tác xã Chuối Viba",
    ):
        assert text in section
    english = client.get(f"/products/{catalog.banana.slug}?lang=en").get_data(as_text=True)
    assert "On the label" in english and "Net quantity" in english


def test_a_size_shares_the_label_but_states_its_own_net_quantity(client, member, catalog):
    add_gift_box(client, catalog, label_net_quantity="1 kg")
    box = db.session.scalar(sa.select(Product).where(Product.family_id == catalog.banana.id))
    assert box.label_net_quantity == "1 kg"
    assert box.label_ingredients == catalog.banana.label_ingredients
    assert box.label_origin == catalog.banana.label_origin

    data = product_form(gtin=catalog.banana.gtin, label_ingredients="Chuối tiêu hồng, mật ong.")
    assert client.post(f"/coop/products/{catalog.banana.id}", data=data).status_code == 303
    db.session.expire_all()
    assert box.label_ingredients == "Chuối tiêu hồng, mật ong." and box.label_net_quantity == "1 kg"


def test_csv_round_trips_the_label_and_refuses_goods_without_it(client, member, catalog):
    exported = client.get("/coop/products.csv").get_data(as_text=True)
    header = exported.splitlines()[0]
    assert header.endswith(",".join(LABEL))
    assert "Chuối tiêu hồng 100 %." in exported

    other = gs1.make_gtin14("89360555", 7)
    rows = [
        "gtin,name_vi,name_en,group,unit,price,stock,active",
        f"{other},Mật ong,Honey,processed-food,chai,250000,5,1",
    ]
    response = client.post(
        "/coop/products/import",
        data={"file": (io.BytesIO("\n".join(rows).encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Trước khi mở bán" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Product).where(Product.gtin == other)) is None
