"""Recalls that act: sales pause, the lot's buyers are told, shipping records lots."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import Order, PartStatus, Product, Recall, ShippedLot
from shop.services import recalls
from tests import factories
from tests.factories import CHECKOUT_FORM, sign_in

DELIVERY = CHECKOUT_FORM | {"payment_method": "cod"}  # each test sets its own email


def buy(app, product, email: str) -> Order:
    buyer = app.test_client()
    buyer.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    buyer.post(
        "/checkout",
        data=DELIVERY | {"email": email, "checkout_key": factories.checkout_key()},
    )
    return db.session.scalars(
        sa.select(Order).where(Order.email == email).order_by(Order.id.desc())
    ).first()


def ship(client, order: Order, **lots) -> int:
    part = order.parts[0]
    client.post(f"/coop/orders/{part.id}/prepare")
    data = {"carrier": "Viettel Post", "tracking_number": f"VTP{part.id}"}
    data |= {f"lot-{line.id}": str(lots[line.name]) for line in part.lines if line.name in lots}
    return client.post(f"/coop/orders/{part.id}/ship", data=data).status_code


@pytest.fixture
def member(client, catalog):
    account = factories.user("member", cooperative=catalog.viba)
    db.session.commit()
    sign_in(client, account)
    return account


def test_shipping_records_the_lot_by_default_the_first_to_expire(app, client, catalog, member):
    later = factories.lot(catalog.banana, "L-LATE", best_before=today() + timedelta(days=300))
    sooner = factories.lot(catalog.banana, "L-SOON", best_before=today() + timedelta(days=30))
    order = buy(app, catalog.banana, "a@example.vn")
    assert ship(client, order) == 303
    assert [s.lot_id for s in order.parts[0].lines[0].shipped_lots] == [sooner.id]
    # Next parcel: the lot used last, not the first to expire, unless it cannot ship.
    again = buy(app, catalog.banana, "b@example.vn")
    assert ship(client, again, **{catalog.banana.name_vi: later.id}) == 303
    third = buy(app, catalog.banana, "c@example.vn")
    assert ship(client, third) == 303
    assert third.parts[0].lines[0].shipped_lots[0].lot_id == later.id


def test_a_lot_past_best_before_cannot_be_shipped(app, client, catalog, member):
    old = factories.lot(catalog.banana, "L-OLD", best_before=today() - timedelta(days=1))
    order = buy(app, catalog.banana, "a@example.vn")
    response = ship(client, order, **{catalog.banana.name_vi: old.id})
    assert response == 409
    db.session.expire_all()
    assert order.parts[0].status is PartStatus.PROCESSING
    # With no other lot, the default cannot ship either: the cooperative is told why.
    assert ship(client, order) == 409
    assert db.session.scalar(sa.select(sa.func.count(ShippedLot.id))) == 0


def test_a_recall_pauses_sales_tells_the_buyers_and_is_closed_on_record(
    app, client, catalog, member, outbox
):
    lot = factories.lot(catalog.banana, "L-BAD")
    other = factories.lot(catalog.banana, "L-GOOD", best_before=today() + timedelta(days=400))
    shipped = buy(app, catalog.banana, "da-nhan@example.vn")
    assert ship(client, shipped, **{catalog.banana.name_vi: lot.id}) == 303
    not_shipped = buy(app, catalog.banana, "chua-nhan@example.vn")
    outbox.clear()

    started = client.post(
        f"/coop/lots/{lot.id}/recall",
        data={
            "reason": "Túi bị thủng, chuối có thể bị mốc.",
            "instructions": "Không ăn; mang túi về nơi mua để được hoàn tiền.",
            "contact": "0912 111 222",
        },
    )
    assert started.status_code == 303
    told = [address for m in outbox for address in m.to]
    assert told == ["da-nhan@example.vn"]  # who received the lot, not who is still waiting
    assert "Không ăn; mang túi về nơi mua" in outbox[0].body
    assert not_shipped.email not in told

    # Sales pause: the product page says why, the cart refuses, a waiting checkout too.
    page = app.test_client().get(f"/products/{catalog.banana.slug}").get_data(as_text=True)
    assert "Túi bị thủng" in page and 'class="add-to-cart"' not in page
    refused = app.test_client().post(
        "/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"}
    )
    assert refused.status_code == 409
    trace = app.test_client().get(f"/01/{catalog.banana.gtin}/10/{lot.code}").get_data(as_text=True)
    assert "mang túi về nơi mua" in trace and "0912 111 222" in trace
    # Lot L-BAD cannot be shipped any more; the default for the waiting order is L-GOOD.
    assert ship(client, not_shipped, **{catalog.banana.name_vi: lot.id}) == 409
    assert ship(client, not_shipped) == 303
    assert not_shipped.parts[0].lines[0].shipped_lots[0].lot_id == other.id

    # The cooperative confirms its stock is from other lots: sales resume.
    assert client.post(f"/coop/products/{catalog.banana.id}/resume-sales").status_code == 303
    assert db.session.get(Product, catalog.banana.id).sales_paused_at is None
    page = app.test_client().get(f"/products/{catalog.banana.slug}").get_data(as_text=True)
    assert 'class="add-to-cart"' in page and "L-BAD" in page  # still named while open

    closed = client.post(
        f"/coop/lots/{lot.id}/recall/close", data={"resolution": "Đã thu hồi 40 túi."}
    )
    assert closed.status_code == 303
    recall = db.session.scalars(sa.select(Recall)).one()
    assert recall.closed_at is not None and recall.buyers_notified == 1
    trace = app.test_client().get(f"/01/{catalog.banana.gtin}/10/{lot.code}").get_data(as_text=True)
    assert 'class="recall"' not in trace and "Đã thu hồi 40 túi." in trace


def test_a_recall_needs_its_three_facts_and_only_one_is_open(app, client, catalog, member):
    lot = factories.lot(catalog.banana, "L-X")
    missing = client.post(f"/coop/lots/{lot.id}/recall", data={"reason": "Hỏng"})
    assert missing.status_code == 400
    full = {"reason": "Hỏng", "instructions": "Không dùng", "contact": "0912"}
    assert client.post(f"/coop/lots/{lot.id}/recall", data=full).status_code == 303
    assert client.post(f"/coop/lots/{lot.id}/recall", data=full).status_code == 409
    other_coop_lot = factories.lot(catalog.tea, "L-TEA")
    assert client.post(f"/coop/lots/{other_coop_lot.id}/recall", data=full).status_code == 404


def test_the_office_sees_open_recalls_and_their_reach(app, client, catalog, member):
    lot = factories.lot(catalog.banana, "L-R")
    order = buy(app, catalog.banana, "mua@example.vn")
    assert ship(client, order, **{catalog.banana.name_vi: lot.id}) == 303
    office = app.test_client()
    sign_in(office, factories.user("admin"))
    db.session.commit()
    started = office.post(
        "/admin/recalls",
        data={
            "gtin": catalog.banana.gtin,
            "lot_code": "L-R",
            "reason": "Kiểm nghiệm phát hiện nấm mốc",
            "instructions": "Ngừng sử dụng",
            "contact": "024 3999 9999",
        },
    )
    assert started.status_code == 303
    page = office.get("/admin/recalls").get_data(as_text=True)
    assert "Kiểm nghiệm phát hiện nấm mốc" in page
    reach = recalls.open_recalls()
    assert [(r.parts, r.buyers, r.recall.buyers_notified) for r in reach] == [(1, 1, 1)]
    recall_id = reach[0].recall.id
    unknown = office.post(
        "/admin/recalls",
        data={
            "gtin": catalog.banana.gtin,
            "lot_code": "NOPE",
            "reason": "x",
            "instructions": "y",
            "contact": "z",
        },
    )
    assert unknown.status_code == 400
    closed = office.post(f"/admin/recalls/{recall_id}/close", data={"resolution": "Đã xử lý"})
    assert closed.status_code == 303
    assert recalls.open_recalls() == []
