"""Messages where people read them: email, Zalo (ZNS) and SMS, through the outbox, to local
fakes of the gateways' HTTP APIs."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop import transaction
from shop.clock import today
from shop.extensions import db
from shop.models import Certification, OutboxMessage, OutboxState, User
from shop.services.notify import channels as notify_channels
from shop.services.notify.events import warn_expiring
from tests import factories
from tests.factories import CHECKOUT_FORM, sign_in
from tests.fake_gateways import gateways_on


@pytest.fixture
def gateways(app):
    with gateways_on(app) as state:
        yield state


def choose(client, **form):
    return client.post("/account/notifications", data={f"nt-{k}": v for k, v in form.items()})


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"phone": "12345", "by_zalo": "y"}, "10 chữ số"),
        ({"phone": "", "by_sms": "y"}, "số điện thoại di động"),
    ],
)
def test_bad_choices_are_refused(client, catalog, form, message):
    buyer = factories.user()
    sign_in(client, buyer)
    response = choose(client, **form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.get(User, buyer.id).notify_zalo is False


def order_as(client, catalog, email):
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    form = CHECKOUT_FORM | {
        "payment_method": "cod",
        "email": email,
        "checkout_key": factories.checkout_key(),
    }
    assert client.post("/checkout", data=form).status_code == 303


def test_a_buyer_on_zalo_and_sms_hears_of_each_step(app, client, catalog, gateways, outbox):
    buyer = factories.user(email="zalo@example.vn")
    sign_in(client, buyer)
    assert (
        choose(client, phone="0912 345 678", by_email="y", by_zalo="y", by_sms="y").status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(User, buyer.id).channels == {"email", "zalo", "sms"}
    order_as(client, catalog, "zalo@example.vn")
    placed = [m for m in gateways.zalo if m["template_data"]["event"] == "order.placed"]
    assert placed and placed[0]["phone"] == "84912345678"
    assert any(m["Phone"] == "0912345678" and "OCOP-" in m["Content"] for m in gateways.sms)

    from shop.models import Order

    order = db.session.scalars(sa.select(Order).where(Order.email == "zalo@example.vn")).one()
    client.post("/account/logout")
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    part = order.parts[0]
    client.post(f"/coop/orders/{part.id}/prepare")
    client.post(
        f"/coop/orders/{part.id}/ship", data={"carrier": "GHN", "tracking_number": "GHN123ABC"}
    )
    shipped = [m for m in gateways.zalo if m["template_data"]["event"] == "part.shipped"]
    assert shipped[0]["template_id"] == "231457"
    assert shipped[0]["template_data"]["link"] == "https://donhang.ghn.vn/?order_code=GHN123ABC"
    assert any("GHN123ABC" in m["Content"] for m in gateways.sms)
    assert any("GHN123ABC" in mail.body for mail in outbox if mail.to == ["zalo@example.vn"])
    client.post(f"/coop/orders/{part.id}/deliver")
    assert any(m["template_data"]["event"] == "part.delivered" for m in gateways.zalo)


def test_a_guest_hears_by_email_only(app, client, catalog, gateways, outbox):
    catalog.viba.email = "viba@example.vn"
    db.session.commit()
    order_as(client, catalog, "guest@example.vn")
    from shop.models import Order

    order = db.session.scalars(sa.select(Order).where(Order.email == "guest@example.vn")).one()
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    client.post(f"/coop/orders/{order.parts[0].id}/cancel")
    assert gateways.zalo == [] and gateways.sms == []
    told = [m for m in outbox if m.to == ["guest@example.vn"]]
    assert any("hủy" in m.subject for m in told)
    # The cooperative is told of the cancellation too.
    assert (
        any("đã bị hủy" in m.subject for m in outbox if m.to == [catalog.viba.email or ""])
        or not catalog.viba.email
    )


def test_a_refusing_gateway_is_retried_by_the_outbox(app, client, catalog, gateways):
    gateways.refuse_zalo = True
    buyer = factories.user(email="nozalo@example.vn")
    sign_in(client, buyer)
    choose(client, phone="0987654321", by_zalo="y")
    order_as(client, catalog, "nozalo@example.vn")
    failed = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "notify.zalo")
    ).all()
    assert failed and all(m.state is OutboxState.PENDING and m.attempts == 1 for m in failed)
    assert "Zalo account not existed" in failed[0].last_error


def test_without_credentials_messages_go_to_the_log(app, caplog):
    with app.test_request_context():
        notifier = notify_channels.notifier("zalo")
        assert isinstance(notifier, notify_channels.ConsoleNotifier)
        with caplog.at_level("INFO", logger=app.logger.name):
            notifier.send("0912345678", "part.shipped", "Đã gửi", "https://x")
    assert "[zalo to 0912345678] part.shipped: Đã gửi" in caplog.text


def test_an_approved_applicant_is_told(client, catalog, outbox):
    coop = factories.cooperative(approved=False, email="moi@example.vn")
    db.session.commit()
    sign_in(client, factories.user("admin"))
    client.post(f"/admin/cooperatives/{coop.id}/approve")
    assert any(m.to == ["moi@example.vn"] and "duyệt" in m.subject for m in outbox)


def test_expiring_certificates_are_warned_60_and_7_days_ahead(app, catalog, outbox):
    catalog.viba.email = "viba@example.vn"
    for days, number in ((60, "C-60"), (7, "C-7"), (30, "C-30")):
        db.session.add(
            Certification(
                kind="vietgap",
                number=number,
                issuer="X",
                valid_from=today() - timedelta(days=300),
                valid_to=today() + timedelta(days=days),
                cooperative=catalog.viba,
                verified_at=catalog.viba.created_at,
            )
        )
    db.session.commit()
    with app.test_request_context():
        assert warn_expiring(today()) == 2
        transaction.commit()  # then the outbox delivers
    subjects = [m.subject for m in outbox if m.to == ["viba@example.vn"]]
    assert any("C-60" in s for s in subjects) and any("C-7" in s for s in subjects)
    assert not any("C-30" in s for s in subjects)
