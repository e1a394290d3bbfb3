"""Take-downs: the office hides a listing or suspends a cooperative with a reason; the seller
is told; every action is logged and can be undone."""

import pytest

from shop.extensions import db
from shop.models import ModerationAction, ModerationEntry, Product
from tests import factories
from tests.factories import sign_in
from tests.web.test_coop import product_form


@pytest.fixture
def office(client):
    account = factories.user("admin")
    sign_in(client, account)
    return account


def test_a_listing_taken_down_leaves_the_shop_until_the_office_restores_it(
    client, office, catalog, outbox
):
    catalog.viba.email = "viba@example.vn"
    db.session.commit()
    url = f"/admin/products/{catalog.banana.id}"
    assert client.post(f"{url}/take-down", data={"reason": ""}).status_code == 400
    reason = "Nhãn ghi sai khối lượng tịnh"
    assert client.post(f"{url}/take-down", data={"reason": reason}).status_code == 303
    assert client.post(f"{url}/take-down", data={"reason": reason}).status_code == 409
    assert client.get("/products/chuoi-say").status_code == 404
    told = [m for m in outbox if m.to == ["viba@example.vn"]]
    assert told and reason in told[-1].body

    # The cooperative sees why, and cannot put it back on sale itself.
    client.post("/account/logout")
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    assert reason in client.get("/coop/products").get_data(as_text=True)
    form = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="85000")
    refused = client.post(f"/coop/products/{catalog.banana.id}", data=form)
    assert refused.status_code == 409 and reason in refused.get_data(as_text=True)

    client.post("/account/logout")
    sign_in(client, office)
    assert reason in client.get("/admin/take-downs").get_data(as_text=True)
    restored = client.post(f"{url}/restore", data={"reason": "Đã sửa nhãn"})
    assert restored.status_code == 303
    assert client.post(f"{url}/restore", data={"reason": "x"}).status_code == 409
    assert client.get("/products/chuoi-say").status_code == 200
    actions = [e.action for e in db.session.query(ModerationEntry).order_by(ModerationEntry.id)]
    assert actions == [ModerationAction.TAKE_DOWN, ModerationAction.RESTORE]
    db.session.expire_all()
    assert db.session.get(Product, catalog.banana.id).active


def test_a_listing_off_sale_before_its_take_down_is_restored_off_sale(client, office, catalog):
    catalog.banana.active = False
    db.session.commit()
    url = f"/admin/products/{catalog.banana.id}"
    client.post(f"{url}/take-down", data={"reason": "Nhãn sai"})
    restored = client.post(f"{url}/restore", data={"reason": "Đã sửa"}, follow_redirects=True)
    page = restored.get_data(as_text=True)
    assert "không còn bị gỡ; sản phẩm vẫn ngừng bán như hợp tác xã đã chọn." in page
    assert client.get("/products/chuoi-say").status_code == 404

    # The cooperative may now put it back on sale itself.
    client.post("/account/logout")
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    form = product_form(name_vi="Chuối sấy dẻo Viba", gtin=catalog.banana.gtin, price="85000")
    assert client.post(f"/coop/products/{catalog.banana.id}", data=form).status_code == 303
    assert client.get("/products/chuoi-say").status_code == 200


def test_a_suspension_is_logged_and_the_seller_told(client, office, catalog, outbox):
    catalog.thai_son.email = "thaison@example.vn"
    db.session.commit()
    client.post(f"/admin/cooperatives/{catalog.thai_son.id}/suspend", data={"reason": "Hàng giả"})
    client.post(f"/admin/cooperatives/{catalog.thai_son.id}/reinstate")
    entries = db.session.query(ModerationEntry).order_by(ModerationEntry.id).all()
    assert [(e.action, e.reason) for e in entries] == [
        (ModerationAction.SUSPEND, "Hàng giả"),
        (ModerationAction.REINSTATE, "reinstated"),
    ]
    subjects = [m.subject for m in outbox if m.to == ["thaison@example.vn"]]
    assert subjects == ["Gian hàng bị tạm ngừng", "Gian hàng hoạt động trở lại"]


def test_only_the_office_takes_listings_down(client, catalog):
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    response = client.post(f"/admin/products/{catalog.banana.id}/take-down", data={"reason": "x"})
    assert response.status_code == 403
