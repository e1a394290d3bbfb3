"""A person downloads their own data (account, orders, reviews, cart) as JSON and CSV."""

import json

from shop.extensions import db
from shop.models import User
from tests import factories
from tests.factories import CHECKOUT_FORM, sign_in


def order(client, catalog, email):
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "2"})
    form = CHECKOUT_FORM | {
        "payment_method": "cod",
        "email": email,
        "note": "=HYPERLINK(1)",
        "checkout_key": factories.checkout_key(),
    }
    assert client.post("/checkout", data=form).status_code == 303


def test_my_data_holds_my_account_and_orders_and_no_one_elses(app, client, catalog):
    # Someone else's order, and an order placed as a guest with my email before I registered.
    order(app.test_client(), catalog, "other@example.vn")
    order(app.test_client(), catalog, "Lan@Example.vn")
    me = factories.user(email="lan@example.vn", name="Nguyễn Thị Lan")
    me.phone, me.notify_zalo = "0912345678", True
    db.session.commit()
    sign_in(client, me)
    order(client, catalog, "lan@example.vn")

    response = client.get("/account/data.json")
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.data)
    assert data["account"]["email"] == "lan@example.vn"
    assert data["account"]["notifications"] == ["email", "zalo"]
    assert [o["email"].lower() for o in data["orders"]] == ["lan@example.vn"] * 2
    line = data["orders"][0]["parcels"][0]["lines"][0]
    assert (line["name"], line["quantity"], line["unit_price_vnd"]) == (
        "Chuối sấy dẻo Viba",
        2,
        85_000,
    )

    table = client.get("/account/data.csv").get_data(as_text=True)
    assert "account.email,lan@example.vn" in table
    assert "orders[1].parcels[0].lines[0].quantity,2" in table
    assert "'=HYPERLINK(1)" in table and "other@example.vn" not in table


def test_my_data_needs_me_signed_in(client):
    assert client.get("/account/data.json").status_code == 302
    assert client.get("/account/data.xml").status_code == 404
    assert db.session.query(User).count() == 0
