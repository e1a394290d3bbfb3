"""Package sizes (each its own trade item, listed once as a family) and ordered photos."""

import io

import pytest

from shop.extensions import db
from shop.models import Product, ProductImage
from shop.services import gs1
from tests import factories
from tests.factories import sign_in
from tests.web.test_coop import png

GIFT_BOX_GTIN = gs1.make_gtin14("89360555", 7)


@pytest.fixture
def member(client, catalog):
    account = factories.user("member", cooperative=catalog.viba)
    sign_in(client, account)
    return account


def size_form(**overrides):
    return {
        "unit": "hộp quà 1 kg",
        "price": "240000",
        "opening_stock": "20",
        "gtin": GIFT_BOX_GTIN,
        "weight_grams": "",
    } | overrides


def prefixed(form: dict) -> dict:
    return {f"size-{key}": value for key, value in form.items()}


def add_gift_box(client, catalog, **overrides):
    return client.post(
        f"/coop/products/{catalog.banana.id}/sizes", data=prefixed(size_form(**overrides))
    )


def test_a_size_is_its_own_trade_item_listed_once_with_its_family(client, member, catalog):
    assert add_gift_box(client, catalog).status_code == 303
    box = db.session.query(Product).filter_by(gtin=GIFT_BOX_GTIN).one()
    assert (box.family_id, box.name_vi, box.price, box.stock, box.weight_grams) == (
        catalog.banana.id,
        "Chuối sấy dẻo Viba",
        240_000,
        20,
        1_050,
    )
    listing = client.get("/products?group=processed-food").get_data(as_text=True)
    assert listing.count("Chuối sấy dẻo Viba") == 1  # one card for the family
    assert "từ 85.000" in listing  # from the lowest price
    page = client.get("/products/chuoi-say").get_data(as_text=True)
    assert f'href="/products/{box.slug}"' in page and "hộp quà 1 kg · 240.000" in page
    box_page = client.get(f"/products/{box.slug}").get_data(as_text=True)
    assert (
        'aria-current="page">hộp quà 1 kg' in box_page
        and f'name="product_id" value="{box.id}"' in box_page
    )
    # In the cart and the order, the size is a line of its own.
    client.post("/cart/add", data={"product_id": box.id, "quantity": "1"})
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    cart = client.get("/cart").get_data(as_text=True)
    assert "hộp quà 1 kg" in cart and "240.000" in cart and "85.000" in cart


def test_the_family_follows_its_main_product(client, member, catalog):
    add_gift_box(client, catalog)
    from tests.web.test_coop import product_form

    form = product_form(
        name_vi="Chuối sấy dẻo Viba loại 1", gtin=catalog.banana.gtin, price="85000"
    )
    assert client.post(f"/coop/products/{catalog.banana.id}", data=form).status_code == 303
    box = db.session.query(Product).filter_by(gtin=GIFT_BOX_GTIN).one()
    db.session.refresh(box)
    assert box.name_vi == "Chuối sấy dẻo Viba loại 1"


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"gtin": "89360555000001"}, 400),  # a bad check digit
        ({"price": "0"}, 400),
        ({"unit": "gói 500 g"}, 409),  # the main product is already this size
        ({"weight_grams": "99999"}, 400),
    ],
)
def test_bad_sizes_are_refused(client, member, catalog, overrides, status):
    assert add_gift_box(client, catalog, **overrides).status_code == status
    assert db.session.query(Product).filter(Product.family_id.is_not(None)).count() == 0


def test_sizes_are_added_to_the_main_product_only_and_only_by_its_cooperative(
    client, member, catalog
):
    add_gift_box(client, catalog)
    box = db.session.query(Product).filter_by(gtin=GIFT_BOX_GTIN).one()
    other = gs1.make_gtin14("89360555", 8)
    assert (
        client.post(
            f"/coop/products/{box.id}/sizes", data=prefixed(size_form(gtin=other, unit="túi 2 kg"))
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/coop/products/{catalog.tea.id}/sizes", data=prefixed(size_form(gtin=other))
        ).status_code
        == 404
    )


def test_photos_are_added_ordered_described_and_deleted(app, client, member, catalog, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    from tests.web.test_coop import product_form

    form = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="85000")
    form["photo"] = [(io.BytesIO(png()), "a.png"), (io.BytesIO(png(80, 60)), "b.png")]
    assert client.post(f"/coop/products/{catalog.banana.id}", data=form).status_code == 303
    first, second = db.session.query(ProductImage).order_by(ProductImage.position).all()
    base = f"/coop/products/{catalog.banana.id}/photos"
    client.post(f"{base}/{second.id}/describe", data={"alt": "Gói chuối  sấy mở  miệng"})
    client.post(f"{base}/{second.id}/up")
    db.session.expire_all()
    ordered = db.session.query(ProductImage).order_by(ProductImage.position).all()
    assert [p.id for p in ordered] == [second.id, first.id]
    assert ordered[0].alt == "Gói chuối sấy mở miệng"
    page = client.get("/products/chuoi-say").get_data(as_text=True)
    assert 'alt="Gói chuối sấy mở miệng"' in page and 'class="gallery"' in page
    assert client.post(f"{base}/{first.id}/delete").status_code == 303
    assert db.session.query(ProductImage).count() == 1
    assert len(list(tmp_path.glob("*.webp"))) == 2  # the deleted photo's two sizes are gone
    long_alt = client.post(f"{base}/{second.id}/describe", data={"alt": "x" * 201})
    assert long_alt.status_code == 400
    their = client.post(f"/coop/products/{catalog.tea.id}/photos/{second.id}/up")
    assert their.status_code == 404


def _jpeg(width=64, height=48) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 160, 40)).save(out, "JPEG")
    return out.getvalue()


def _no_worker_yet(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "OUTBOX_DELIVERY", "none")  # messages wait for the worker


def test_a_photo_is_checked_at_once_and_made_by_the_worker(
    app, client, member, catalog, tmp_path, monkeypatch
):
    """The request stores the checked upload; the worker's message makes the sizes."""
    from shop.models import PhotoUpload
    from shop.services import outbox
    from tests.web.test_coop import product_form

    _no_worker_yet(app, monkeypatch, tmp_path)
    form = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="85000")
    form["photo"] = [(io.BytesIO(_jpeg()), "a.jpg")]
    response = client.post(f"/coop/products/{catalog.banana.id}", data=form)
    assert response.status_code == 303
    assert db.session.query(ProductImage).count() == 0 and not list(tmp_path.iterdir())
    waiting = client.get(f"/coop/products/{catalog.banana.id}").get_data(as_text=True)
    assert "1 ảnh đang được chuẩn bị" in waiting
    assert "/media/uploads/" not in client.get("/products/chuoi-say").get_data(as_text=True)

    assert outbox.deliver_due() == (1, 0)  # what the worker (or cron) does next
    photo = db.session.query(ProductImage).one()
    assert db.session.query(PhotoUpload).count() == 0
    assert sorted(p.name.rsplit("-", 1)[1] for p in tmp_path.glob("*.webp")) == [
        "large.webp",
        "thumb.webp",
    ]
    page = client.get("/products/chuoi-say").get_data(as_text=True)
    assert "/media/uploads/" + photo.path.removeprefix("uploads/") in page


def test_a_photo_the_worker_cannot_read_is_reported_and_can_be_removed(
    app, client, member, catalog, tmp_path, monkeypatch
):
    from shop.models import PhotoUpload
    from shop.services import outbox
    from tests.web.test_coop import product_form

    _no_worker_yet(app, monkeypatch, tmp_path)
    from PIL import Image

    noisy = io.BytesIO()
    Image.effect_noise((320, 240), 80).convert("RGB").save(noisy, "JPEG")
    cut_short = noisy.getvalue()[:2000]  # a sound header, the pixels cut off in transit
    form = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="85000")
    form["photo"] = [(io.BytesIO(cut_short), "a.jpg")]
    assert client.post(f"/coop/products/{catalog.banana.id}", data=form).status_code == 303
    outbox.deliver_due()
    upload = db.session.query(PhotoUpload).one()
    assert upload.failed and db.session.query(ProductImage).count() == 0
    page = client.get(f"/coop/products/{catalog.banana.id}").get_data(as_text=True)
    assert "Không đọc được một ảnh" in page
    other = client.post(f"/coop/products/{catalog.tea.id}/uploads/{upload.id}/delete")
    assert other.status_code == 404  # another cooperative's product
    gone = client.post(f"/coop/products/{catalog.banana.id}/uploads/{upload.id}/delete")
    assert gone.status_code == 303 and db.session.query(PhotoUpload).count() == 0


def test_photos_waiting_for_the_worker_count_towards_the_eight(
    app, client, member, catalog, tmp_path, monkeypatch
):
    from shop.services import images
    from tests.web.test_coop import product_form

    _no_worker_yet(app, monkeypatch, tmp_path)
    for _ in range(images.MAX_PHOTOS):
        images.receive_photo(catalog.banana, _jpeg())
    db.session.commit()
    form = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="85000")
    form["photo"] = [(io.BytesIO(_jpeg()), "a.jpg")]
    assert client.post(f"/coop/products/{catalog.banana.id}", data=form).status_code == 400
