"""Personal data: consent records, news and offers withdrawn in one click, deleting an
account, the office's views of a buyer's data logged, and retention enforced."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    CartItem,
    Consent,
    ConsentPurpose,
    DataAccess,
    Order,
    OutboxMessage,
    OutboxState,
    PartStatus,
    Review,
    Scan,
    Unit,
    User,
)
from shop.services import orders, personal_data
from tests import factories
from tests.factories import CHECKOUT_FORM, PASSWORD, sign_in


def place(client, catalog, email="lan@example.vn", **extra) -> Order:
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    form = CHECKOUT_FORM | {
        "payment_method": "cod",
        "email": email,
        "checkout_key": factories.checkout_key(),
    }
    response = client.post("/checkout", data=form | extra)
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalars(sa.select(Order).order_by(Order.id.desc())).first()


def deliver(order: Order) -> None:
    for part in order.parts:
        for step in (PartStatus.PROCESSING, PartStatus.SHIPPED, PartStatus.DELIVERED):
            orders.transition(part, step)
    db.session.commit()


def consents_of(email: str) -> list[Consent]:
    return list(db.session.scalars(sa.select(Consent).where(Consent.email == email)))


# --- Consent ----------------------------------------------------------------------------


def test_registration_records_consent_and_a_separate_opt_in(client, outbox):
    client.post("/account/register", data={"name": "Lan", "email": "lan@example.vn"})
    link = re.search(r"(/account/register/\S+)", outbox[0].body).group(1)
    refused = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert refused.status_code == 400
    assert "Vui lòng đọc và đồng ý" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0

    done = client.post(
        link, data={"password": PASSWORD, "confirm": PASSWORD, "agree": "y", "marketing": "y"}
    )
    assert done.status_code == 302
    terms, marketing = consents_of("lan@example.vn")
    assert (terms.purpose, terms.source, terms.policies) == (
        ConsentPurpose.TERMS,
        "registration",
        "terms v1, privacy v1",
    )
    assert marketing.purpose is ConsentPurpose.MARKETING and marketing.withdrawn_at is None
    assert terms.user_id == marketing.user_id is not None


def test_checkout_needs_consent_and_records_it_with_the_order(client, catalog):
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    form = CHECKOUT_FORM | {"payment_method": "cod", "checkout_key": factories.checkout_key()}
    refused = client.post("/checkout", data={k: v for k, v in form.items() if k != "agree"})
    assert refused.status_code == 400
    assert "Vui lòng đọc và đồng ý" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 0

    order = place(client, catalog, "an@example.vn")
    [terms] = consents_of("an@example.vn")  # no news unless ticked
    assert (terms.purpose, terms.order_id, terms.source) == (
        ConsentPurpose.TERMS,
        order.id,
        "checkout",
    )
    place(client, catalog, "an@example.vn", marketing="y")
    assert [c.purpose for c in consents_of("an@example.vn")] == [
        ConsentPurpose.TERMS,
        ConsentPurpose.TERMS,
        ConsentPurpose.MARKETING,
    ]


def test_every_email_stops_news_in_one_click(app, client, catalog, outbox):
    place(client, catalog, "an@example.vn", marketing="y")
    mail = next(m for m in outbox if m.to == ["an@example.vn"])
    link = re.search(r"http://127.0.0.1:5000(/account/unsubscribe/\S+)", mail.body).group(1)
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in mail.extra_headers["List-Unsubscribe"]

    page = client.get(link).get_data(as_text=True)
    assert "an@example.vn" in page
    assert consents_of("an@example.vn")[-1].withdrawn_at is None  # a GET changes nothing
    app.config["WTF_CSRF_ENABLED"] = True  # mail apps post without a form token
    try:
        assert app.test_client().post(link, data="List-Unsubscribe=One-Click").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert consents_of("an@example.vn")[-1].withdrawn_at is not None
    assert client.get("/account/unsubscribe/forged-token").status_code == 404


def test_news_and_offers_on_and_off_from_the_account_page(client):
    me = factories.user(email="lan@example.vn")
    sign_in(client, me)
    assert "Gửi cho tôi tin tức và ưu đãi" in client.get("/account/").get_data(as_text=True)
    assert client.post("/account/marketing", data={"mk-wanted": "y"}).status_code == 303
    assert client.post("/account/marketing", data={"mk-wanted": ""}).status_code == 303
    [record] = consents_of("lan@example.vn")
    assert record.source == "account" and record.withdrawn_at is not None
    page = client.get("/account/").get_data(as_text=True)
    assert "Dừng nhận" not in page and "đã rút lại" in page


# --- Deleting an account ------------------------------------------------------------------


def test_deleting_my_account_keeps_orders_but_not_me(app, client, catalog):
    me = factories.user(email="lan@example.vn", name="Nguyễn Thị Lan")
    sign_in(client, me)
    order = place(client, catalog)
    deliver(order)
    db.session.add(Review(product=catalog.banana, user=me, stars=5, text="Ngon"))
    db.session.add(CartItem(user_id=me.id, product_id=catalog.tea.id, quantity=1))
    db.session.commit()
    copied = app.test_client()
    sign_in(copied, me)

    wrong = client.post("/account/delete", data={"del-password": "sai", "del-sure": "y"})
    assert wrong.status_code == 400 and "Mật khẩu không đúng" in wrong.get_data(as_text=True)
    unsure = client.post("/account/delete", data={"del-password": PASSWORD})
    assert unsure.status_code == 400 and "Hãy đánh dấu ô" in unsure.get_data(as_text=True)
    done = client.post("/account/delete", data={"del-password": PASSWORD, "del-sure": "y"})
    assert done.status_code == 303

    db.session.expire_all()
    gone = db.session.get(User, me.id)
    assert (gone.email, gone.name, gone.active) == (f"deleted-{me.id}@deleted.invalid", "", False)
    assert gone.deleted_at is not None and not gone.check_password(PASSWORD)
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(CartItem.id))) == 0
    kept = db.session.get(Order, order.id)
    assert kept.user_id is None and kept.full_name == "Nguyễn Văn An"  # until retention ends
    assert copied.get("/account/").status_code == 302  # every session ended
    assert sign_in(app.test_client(), me).status_code == 400


def test_an_order_on_its_way_or_a_cooperative_account_stops_deletion(client, catalog):
    me = factories.user(email="lan@example.vn")
    sign_in(client, me)
    place(client, catalog)
    waiting = client.post("/account/delete", data={"del-password": PASSWORD, "del-sure": "y"})
    assert waiting.status_code == 409 and "đang giao" in waiting.get_data(as_text=True)

    member = factories.user("member", cooperative=catalog.viba)
    other = client.application.test_client()
    sign_in(other, member)
    refused = other.post("/account/delete", data={"del-password": PASSWORD, "del-sure": "y"})
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(User, member.id).deleted_at is None


# --- The office's views ----------------------------------------------------------------------


def test_the_office_views_of_a_buyers_data_are_logged_and_shown_to_the_buyer(app, client, catalog):
    me = factories.user(email="lan@example.vn")
    sign_in(client, me)
    order = place(client, catalog)
    office = app.test_client()
    admin = factories.user("admin")
    sign_in(office, admin)
    assert office.get(f"/admin/orders/{order.id}").status_code == 200
    assert office.get(f"/admin/users/{me.id}").status_code == 200
    assert office.get(f"/admin/users/{admin.id}").status_code == 200  # staff: not a buyer

    views = db.session.scalars(sa.select(DataAccess).order_by(DataAccess.id)).all()
    assert [(v.what, v.staff_id, v.subject_user_id) for v in views] == [
        ("order", admin.id, me.id),
        ("account", admin.id, me.id),
    ]
    log = office.get("/admin/data-access").get_data(as_text=True)
    assert admin.email in log and f"#{order.id}" in log
    mine = json.loads(client.get("/account/data.json").data)
    assert sorted(v["what"] for v in mine["viewed_by_the_office"]) == ["account", "order"]
    assert [c["purpose"] for c in mine["consents"]] == ["terms"]


# --- Retention ------------------------------------------------------------------------------

RULES = personal_data.Retention(
    order_details=3653, scan_networks=365, report_contacts=365, sent_messages=90, office_views=730
)


def test_retention_removes_what_is_kept_past_its_time(client, catalog):
    old, recent, open_ = (place(client, catalog, f"b{n}@example.vn") for n in range(3))
    deliver(old)
    deliver(recent)
    eleven_years = utcnow() - timedelta(days=11 * 365)
    old.placed_at = open_.placed_at = eleven_years
    db.session.add_all(
        [
            OutboxMessage(
                kind="email", payload={}, state=OutboxState.DONE, created_at=eleven_years
            ),
            OutboxMessage(
                kind="email", payload={}, state=OutboxState.PENDING, created_at=eleven_years
            ),
            DataAccess(what="order", order_id=old.id, at=eleven_years),
        ]
    )
    batch = factories.lot(catalog.banana)
    unit = Unit(product_id=catalog.banana.id, lot=batch, serial="S1")
    db.session.add(unit)
    db.session.flush()
    two_years = utcnow() - timedelta(days=730)
    db.session.add_all(
        [
            Scan(
                unit_id=unit.id,
                lot_id=batch.id,
                network="203.0.113.0/24",
                device="d1",
                scanned_at=two_years,
            ),
            Scan(unit_id=unit.id, lot_id=batch.id, network="198.51.100.0/24", device="d2"),
        ]
    )
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))

    done = personal_data.enforce_retention(RULES)
    db.session.commit()
    db.session.expire_all()
    assert (old.full_name, old.phone, old.email, old.street) == ("", "", "", "")
    assert old.total > 0 and old.province  # the amounts and the region stay for the books
    assert recent.full_name == "Nguyễn Văn An"
    assert open_.full_name == "Nguyễn Văn An"  # still on its way: needed to deliver
    assert [
        c.email for c in db.session.scalars(sa.select(Consent).where(Consent.order_id == old.id))
    ] == [""]
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == before - 1
    assert db.session.scalar(sa.select(sa.func.count(DataAccess.id))) == 0
    networks = db.session.scalars(sa.select(Scan.network).order_by(Scan.id)).all()
    assert networks == ["", "198.51.100.0/24"]  # the scan itself stays, for the unit's count
    assert done["order_details"] == 1 and done["sent_messages"] == 1
    assert personal_data.enforce_retention(RULES)["order_details"] == 0  # nothing twice


def test_retention_runs_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["enforce-retention"])
    assert result.exit_code == 0 and "order_details: 0" in result.output


@pytest.mark.parametrize("key", ["RETAIN_ORDER_DETAILS_DAYS", "RETAIN_SCAN_NETWORKS_DAYS"])
def test_retention_comes_from_the_configuration(app, key):
    app.config[key] = 1
    rules = personal_data.Retention.from_config(app.config)
    assert 1 in (rules.order_details, rules.scan_networks)
