"""The cooperative dashboard: products, photos, stock, CSV, lots, labels and orders."""

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from shop.extensions import db
from shop.models import Lot, Order, PartStatus, Product, ProductImage, StockMovement
from shop.services import gs1
from tests import factories
from tests.factories import sign_in

NEW_GTIN = gs1.make_gtin14("89360555", 1)


@pytest.fixture
def member(client, catalog):
    account = factories.user("member", cooperative=catalog.viba)
    sign_in(client, account)
    return account


def days_from_today(days: int) -> str:
    """A date for a form, relative to today: the suite must not depend on the calendar."""
    from datetime import timedelta

    from shop.clock import today

    return (today() + timedelta(days=days)).isoformat()


def png(width=64, height=64, fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#c98a00").save(buffer, fmt)
    return buffer.getvalue()


def product_form(**overrides):
    return {
        "name_vi": "Mật ong rừng",
        "name_en": "Wild honey",
        "group": "processed-food",
        "unit": "chai 500 ml",
        "price": "250000",
        "stock": "12",
        "gtin": NEW_GTIN,
        "active": "y",
        "label_origin": "Xã Mỹ Tân, tỉnh Cao Bằng, Việt Nam",
        "label_net_quantity": "500 ml",
        "label_ingredients": "Mật ong rừng 100 %.",
        "label_storage_use": "Nơi khô ráo, thoáng mát.",
        "label_shelf_life": "24 tháng kể từ ngày sản xuất",
    } | overrides


def test_overview_shows_what_needs_doing(client, member, catalog):
    page = client.get("/coop/").get_data(as_text=True)
    for text in (
        "Đơn cần gửi",
        "Sắp hết hàng",
        "Hết hạn trong 60 ngày",
        "Doanh số 30 ngày qua",
        "<svg",
        'class="chart-axis"',  # dates and the best day written out: phones have no hover
    ):
        assert text in page
    assert "<script" not in page


def test_create_a_product_with_a_photo(client, member, catalog, app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    photo = png(1600, 1200, "JPEG")
    response = client.post(
        "/coop/products/new",
        data=product_form(photo=(io.BytesIO(photo), "mat-ong.jpg")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product).where(Product.gtin == NEW_GTIN))
    assert product.cooperative_id == catalog.viba.id and product.price == 250_000
    [image] = product.images
    stored = Image.open(tmp_path / image.path.removeprefix("uploads/"))
    assert stored.format == "WEBP" and max(stored.size) == 1200 and not stored.getexif()
    assert client.get("/products/" + product.slug).status_code == 200
    media = client.get("/media/" + image.path.replace("-large.", "-thumb."))
    assert media.status_code == 200 and media.mimetype == "image/webp"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("renamed.jpg", b"this is a text file, not a photo", "không phải là ảnh"),
        ("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10), "lớn hơn 5 MB"),
        ("bomb.png", None, "quá nhiều điểm ảnh"),
        ("anim.gif", None, "JPEG, PNG hoặc WebP"),
    ],
)
def test_bad_uploads_are_refused_cleanly(client, member, app, tmp_path, name, data, message):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    if name == "bomb.png":
        data = png(10_000, 10_000)  # 100 megapixels in a small file
    if name == "anim.gif":
        data = png(10, 10, "GIF")
    response = client.post(
        "/coop/products/new",
        data=product_form(photo=(io.BytesIO(data), name)),
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ProductImage.id))) == 0
    assert db.session.scalar(sa.select(Product).where(Product.gtin == NEW_GTIN)) is None


def test_gtin_check_digit_gets_a_clear_message(client, member):
    bad = NEW_GTIN[:-1] + str((int(NEW_GTIN[-1]) + 1) % 10)
    response = client.post("/coop/products/new", data=product_form(gtin=bad))
    assert response.status_code == 400 and "số kiểm tra" in response.get_data(as_text=True)


def test_edit_and_deactivate(client, member, catalog):
    data = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="90000")
    data.pop("active")
    assert client.post(f"/coop/products/{catalog.banana.id}", data=data).status_code == 303
    db.session.expire_all()
    assert catalog.banana.price == 90_000 and not catalog.banana.active
    assert client.get("/products/chuoi-say").status_code == 404


def test_stock_changes_by_units_received_or_removed(client, member, catalog):
    url = f"/coop/products/{catalog.banana.id}/stock"
    assert client.post(url, data={"change": "240"}).status_code == 303
    db.session.expire_all()
    assert catalog.banana.stock == 250
    assert client.post(url, data={"change": "-4"}).status_code == 303
    db.session.expire_all()
    assert catalog.banana.stock == 246
    refused = client.post(url, data={"change": "-247"})
    assert refused.status_code == 409 and "246" in refused.get_data(as_text=True)
    for bad in ("0", "", "abc"):
        assert client.post(url, data={"change": bad}).status_code == 400
    db.session.expire_all()
    assert catalog.banana.stock == 246
    deltas = db.session.scalars(
        sa.select(StockMovement.delta).where(StockMovement.product_id == catalog.banana.id)
    ).all()
    assert deltas[-2:] == [240, -4]


def test_saving_a_stale_product_form_keeps_the_stock_orders_took(client, member, catalog, app):
    form = client.get(f"/coop/products/{catalog.banana.id}").get_data(as_text=True)
    assert "stock_change" in form and 'name="stock"' not in form
    buyer = app.test_client()
    buyer.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "3"})
    data = factories.CHECKOUT_FORM | {
        "payment_method": "cod",
        "checkout_key": factories.checkout_key(),
    }
    assert buyer.post("/checkout", data=data).status_code == 303
    response = client.post(
        f"/coop/products/{catalog.banana.id}",
        data={
            "name_vi": "Chuối sấy dẻo Viba",
            "group": catalog.banana.category.slug,
            "unit": catalog.banana.unit,
            "price": "85000",
            "stock": "10",  # what the page showed before the order: ignored
            "gtin": catalog.banana.gtin,
            "active": "y",
            "description_vi": "Mô tả mới",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert catalog.banana.stock == 7 and catalog.banana.description_vi == "Mô tả mới"


def test_csv_export_then_import_updates_and_creates(client, member, catalog):
    exported = client.get("/coop/products.csv")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True).lstrip("\ufeff")
    assert "Chuối sấy dẻo Viba" in text and "Chè xanh" not in text
    text = text.replace(",85000,10,", ",88000,40,")  # a stock from a stale file is not applied
    text += (
        f"{NEW_GTIN},Mật ong rừng,Wild honey,processed-food,chai,250000,5,1,,,,"
        "Cao Bằng,500 ml,Mật ong 100 %,Nơi khô ráo,24 tháng\n"
    )
    response = client.post(
        "/coop/products/import",
        data={"file": (io.BytesIO(text.encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert (catalog.banana.price, catalog.banana.stock) == (88_000, 10)
    honey = db.session.scalar(sa.select(Product).where(Product.gtin == NEW_GTIN))
    assert honey.cooperative_id == catalog.viba.id and honey.stock == 5
    header = "gtin,name_vi,name_en,group,unit,price,stock,active,stock_change"
    rows = f"{catalog.banana.gtin},Chuối sấy dẻo Viba,,processed-food,gói,88000,0,1,+30"
    response = client.post(
        "/coop/products/import",
        data={"file": (io.BytesIO(f"{header}\n{rows}\n".encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert catalog.banana.stock == 40


def test_csv_import_is_all_or_nothing_with_a_report_per_row(client, member, catalog):
    rows = [
        "gtin,name_vi,name_en,group,unit,price,stock,active",
        f"{NEW_GTIN},Mật ong,Honey,processed-food,chai,250000,5,0",  # not on sale: no label
        "123,Sai mã,Bad,processed-food,chai,1000,1,1",
        f"{gs1.make_gtin14('89360555', 2)},Không nhóm,No group,nope,chai,1000,1,1",
        f"{catalog.tea.gtin},Của người khác,Not mine,tea,gói,1000,1,1",
        f"{gs1.make_gtin14('89360555', 3)},Giá lạ,Odd price,tea,gói,abc,1,1",
    ]
    response = client.post(
        "/coop/products/import",
        data={"file": (io.BytesIO("\n".join(rows).encode()), "p.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", page)] == [3, 4, 5, 6]
    assert db.session.scalar(sa.select(Product).where(Product.gtin == NEW_GTIN)) is None


def test_lot_event_and_labels_from_the_dashboard(client, member, catalog):
    response = client.post(
        f"/coop/products/{catalog.banana.id}/lots",
        data={
            "code": "VB-2611",
            "produced_on": days_from_today(-10),
            "packed_on": days_from_today(-8),
            "best_before": days_from_today(170),
            "quantity": "300",
            "area_name": "Đồi Liên Sơn",
        },
    )
    assert response.status_code == 303
    lot = db.session.scalar(sa.select(Lot).where(Lot.code == "VB-2611"))
    event = {
        "biz_step": "harvesting",
        "occurred_at": days_from_today(-10) + "T06:30",
        "place": "Đồi Liên Sơn",
        "description_vi": "Thu hoạch buổi sáng",
    }
    assert client.post(f"/coop/lots/{lot.id}", data=event).status_code == 303
    page = client.get(f"/01/{catalog.banana.gtin}/10/VB-2611").get_data(as_text=True)
    assert "Thu hoạch buổi sáng" in page and "Đồi Liên Sơn" in page
    pdf = client.post(f"/coop/lots/{lot.id}/labels", data={"count": "3"})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    duplicate = client.post(f"/coop/products/{catalog.banana.id}/lots", data={"code": "VB-2611"})
    assert duplicate.status_code == 400 and "đã có lô" in duplicate.get_data(as_text=True)


def test_fulfilling_a_cash_on_delivery_part(client, member, catalog, app):
    buyer = app.test_client()
    buyer.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    buyer.post("/cart/add", data={"product_id": catalog.tea.id, "quantity": "1"})
    buyer.post(
        "/checkout",
        data={
            "full_name": "Chị Lan",
            "phone": "0912345678",
            "email": "lan@example.vn",
            "province": "ha_noi",
            "ward": "Ba Đình",
            "street": "5 Phan Đình Phùng",
            "agree": "y",
            "payment_method": "cod",
            "checkout_key": factories.checkout_key(),
        },
    )
    order = db.session.scalars(sa.select(Order)).one()
    mine = next(p for p in order.parts if p.cooperative_id == catalog.viba.id)
    theirs = next(p for p in order.parts if p.cooperative_id != catalog.viba.id)
    page = client.get("/coop/orders").get_data(as_text=True)
    assert order.number in page and "Chè xanh" not in page  # only its own part
    assert client.post(f"/coop/orders/{mine.id}/deliver").status_code == 409  # not shipped yet
    assert client.post(f"/coop/orders/{mine.id}/prepare").status_code == 303
    assert client.post(f"/coop/orders/{mine.id}/ship", data={"carrier": ""}).status_code == 400
    client.post(
        f"/coop/orders/{mine.id}/ship",
        data={"carrier": "Viettel Post", "tracking_number": "VTP123"},
    )
    client.post(f"/coop/orders/{mine.id}/deliver")
    assert client.post(f"/coop/orders/{mine.id}/cash").status_code == 303
    db.session.expire_all()
    assert mine.status is PartStatus.DELIVERED and mine.cash_received_at is not None
    assert theirs.status is PartStatus.CONFIRMED
    assert client.post(f"/coop/orders/{theirs.id}/prepare").status_code == 404
    assert "Viettel Post" in buyer.get(f"/orders/{order.access_token}").get_data(as_text=True)


def test_owner_invites_staff_who_then_sees_the_dashboard(app, client, catalog, outbox):
    owner = factories.user("member", cooperative=catalog.viba)
    owner.is_owner = True
    db.session.commit()
    sign_in(client, owner)
    assert client.post("/coop/team", data={"email": "nhanvien@example.vn"}).status_code == 303
    link = re.search(r"http://127.0.0.1:5000(/account/join/\S+)", outbox[-1].body).group(1)
    staff_client = app.test_client()
    stranger = factories.user(email="khac@example.vn")
    sign_in(staff_client, stranger)
    wrong = staff_client.post(link)
    assert wrong.status_code == 400 and "email khác" in wrong.get_data(as_text=True)
    invited = factories.user(email="nhanvien@example.vn")
    staff_client.post("/account/logout")
    sign_in(staff_client, invited)
    assert staff_client.post(link).status_code == 303
    assert staff_client.get("/coop/products").status_code == 200
    staff_page = staff_client.get("/coop/team").get_data(as_text=True)
    assert "nhanvien@example.vn" in staff_page and "Mời nhân viên" not in staff_page


def test_staff_cannot_invite(client, catalog):
    staff = factories.user("member", cooperative=catalog.viba)
    sign_in(client, staff)
    assert client.post("/coop/team", data={"email": "x@example.vn"}).status_code == 409


def test_event_with_a_photo_shows_on_the_trace_page(client, member, catalog, app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    batch = factories.lot(catalog.banana, code="VB-PHOTO")
    event = {
        "biz_step": "packing",
        "occurred_at": days_from_today(-8) + "T14:00",
        "place": "Xưởng",
        "photo": (io.BytesIO(png(800, 600, "JPEG")), "dong-goi.jpg"),
    }
    response = client.post(f"/coop/lots/{batch.id}", data=event, content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(f"/01/{catalog.banana.gtin}/10/VB-PHOTO").get_data(as_text=True)
    src = re.search(
        r'<img src="(/media/uploads/e\d+-[0-9a-f]+-thumb\.webp)" alt="Đóng gói"', page
    ).group(1)
    assert client.get(src).mimetype == "image/webp"


def test_a_large_label_run_is_made_in_the_background(client, member, catalog, app, tmp_path):
    from shop.models import LabelRun, LabelRunState, OutboxMessage, Unit

    app.config["LABEL_DIR"] = str(tmp_path)
    batch = factories.lot(catalog.banana, code="VB-BIG")
    app.config["OUTBOX_DELIVERY"] = "none"  # as if the worker had not run yet
    try:
        response = client.post(f"/coop/lots/{batch.id}/labels", data={"count": "300"})
    finally:
        app.config["OUTBOX_DELIVERY"] = "inline"
    assert response.status_code == 303  # no PDF in the request: it is prepared later
    page = client.get(f"/coop/lots/{batch.id}").get_data(as_text=True)
    assert "300" in page and "Tải PDF" not in page
    [run] = db.session.scalars(sa.select(LabelRun)).all()
    assert run.state is LabelRunState.PENDING
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
    other = app.test_client()
    factories.sign_in(other, factories.user("member", cooperative=catalog.thai_son))
    assert other.get(f"/coop/label-runs/{run.id}.pdf").status_code == 404
    assert client.get(f"/coop/label-runs/{run.id}.pdf").status_code == 404  # not ready

    from shop.services import outbox

    message = db.session.scalars(sa.select(OutboxMessage)).one()
    assert outbox.deliver([message.id]) == (1, 0)
    db.session.expire_all()
    assert run.state is LabelRunState.READY
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 300
    pdf = client.get(f"/coop/label-runs/{run.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert other.get(f"/coop/label-runs/{run.id}.pdf").status_code == 404


def test_a_failed_label_run_saves_no_serial(client, member, catalog, app, tmp_path):
    from shop.models import OutboxMessage, Unit
    from shop.services import outbox

    app.config["LABEL_DIR"] = str(tmp_path)
    batch = factories.lot(catalog.banana, code="VB-FAIL")
    app.config["OUTBOX_DELIVERY"] = "none"
    try:
        client.post(f"/coop/lots/{batch.id}/labels", data={"count": "500"})
    finally:
        app.config["OUTBOX_DELIVERY"] = "inline"
    catalog.viba.approved = False  # the office withdrew approval meanwhile
    db.session.commit()
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    assert outbox.deliver([message.id]) == (0, 1)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Unit.id))) == 0
    assert message.attempts == 1 and "phê duyệt" in message.last_error
