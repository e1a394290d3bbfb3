"""Returns and complaints: a buyer complains about a delivered parcel with photos, the
cooperative answers, the office decides when they disagree; money goes back through the
order lifecycle and is charged to the cooperative of that parcel alone."""

import io
import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from PIL import Image

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    Complaint,
    ComplaintStatus,
    EntryKind,
    PartStatus,
    PartStatusChange,
    Product,
    Refund,
    RefundKind,
    Role,
    User,
)
from shop.services import coop_ledger
from tests import factories
from tests.factories import sign_in
from tests.services.test_coop_ledger import deliver, entries, paid_transfer


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    app.config["COMPLAINT_PHOTO_DIR"] = str(tmp_path / "complaints")
    return tmp_path / "complaints"


@pytest.fixture
def sold(catalog):
    """A paid order of two parcels, both delivered: Viba's (2 bananas) and Thái Sơn's tea."""
    catalog.viba.email = "viba@example.vn"
    catalog.thai_son.email = "thaison@example.vn"
    order = paid_transfer(catalog, {catalog.banana.id: 2, catalog.tea.id: 1})
    for part in order.parts:
        deliver(part)
    viba = next(p for p in order.parts if p.cooperative_id == catalog.viba.id)
    tea = next(p for p in order.parts if p.cooperative_id == catalog.thai_son.id)
    return order, viba, tea


def url(order, part, rest=""):
    return f"/orders/{order.access_token}/parts/{part.id}/complaint{rest}"


def said(message: str, response) -> bool:
    """Whether ``response`` shows ``message`` in Vietnamese, the page's language."""
    from markupsafe import escape

    with force_locale("vi"):
        return str(escape(gettext(message))) in response.get_data(as_text=True)


def complain(client, order, part, photos=1, **fields):
    data = {
        "reason": "damaged",
        "remedy": "refund",
        "amount": "30000",
        "message": "Gói chuối bị rách, một nửa bị mốc.",
    } | fields
    data["photos"] = [(io.BytesIO(png()), f"anh-{i}.png") for i in range(photos)]
    return client.post(url(order, part), data=data, content_type="multipart/form-data")


def the_complaint(part) -> Complaint:
    db.session.expire_all()
    return db.session.scalar(sa.select(Complaint).where(Complaint.part_id == part.id))


def as_member(client, coop):
    client.post("/account/logout")
    sign_in(client, factories.user("member", cooperative=coop))


def as_office(client):
    client.post("/account/logout")
    sign_in(client, factories.user("admin"))


def test_a_partial_refund_is_charged_to_that_parcels_cooperative_only(
    client, catalog, sold, outbox, photo_dir
):
    order, viba, tea = sold
    page = client.get(f"/orders/{order.access_token}").get_data(as_text=True)
    assert url(order, viba) in page and url(order, tea) in page
    assert client.get(url(order, viba)).status_code == 200

    assert complain(client, order, viba).status_code == 303
    complaint = the_complaint(viba)
    assert complaint.status is ComplaintStatus.OPEN and complaint.amount == 30_000
    assert len(complaint.photos) == 1 and (photo_dir / complaint.photos[0].path).exists()
    photo_url = url(order, viba, f"/photos/{complaint.photos[0].id}")
    assert client.get(photo_url).mimetype == "image/webp"
    assert any(m.to == ["viba@example.vn"] and order.number in m.subject for m in outbox)
    page = client.get(f"/orders/{order.access_token}").get_data(as_text=True)
    assert "Chờ hợp tác xã trả lời" in page

    tea_before = entries(catalog.thai_son)
    as_member(client, catalog.viba)
    assert order.number in client.get("/coop/complaints").get_data(as_text=True)
    detail = client.get(f"/coop/complaints/{complaint.id}").get_data(as_text=True)
    assert "Gói chuối bị rách" in detail
    assert (
        client.get(f"/coop/complaints/{complaint.id}/photos/{complaint.photos[0].id}").status_code
        == 200
    )
    response = client.post(f"/coop/complaints/{complaint.id}/answer", data={"decision": "accept"})
    assert response.status_code == 303

    complaint = the_complaint(viba)
    assert complaint.status is ComplaintStatus.REFUNDED and complaint.refunded == 30_000
    refund = db.session.scalars(sa.select(Refund).where(Refund.order_id == order.id)).one()
    assert (refund.amount, refund.kind, refund.part_id) == (30_000, RefundKind.GOODWILL, viba.id)
    assert viba.status is PartStatus.DELIVERED  # the buyer keeps the goods
    assert entries(catalog.viba)[EntryKind.REFUND] == -30_000
    assert entries(catalog.thai_son) == tea_before  # the other cooperative pays nothing
    assert coop_ledger.sync(db.session.get(type(order), order.id)) == 0
    assert (
        client.post(
            f"/coop/complaints/{complaint.id}/answer", data={"decision": "accept"}
        ).status_code
        == 409
    )


def test_a_refund_of_the_whole_parcel_refunds_the_part(client, catalog, sold):
    order, viba, _ = sold
    complain(client, order, viba, amount=str(viba.total))
    complaint = the_complaint(viba)
    as_member(client, catalog.viba)
    overview = client.get("/coop/").get_data(as_text=True)
    assert "Khiếu nại đang chờ bạn (1)" in overview and order.number in overview
    client.post(f"/coop/complaints/{complaint.id}/answer", data={"decision": "accept"})
    assert "Khiếu nại đang chờ bạn" not in client.get("/coop/").get_data(as_text=True)
    db.session.expire_all()
    assert viba.status is PartStatus.REFUNDED
    assert entries(catalog.viba)[EntryKind.REFUND] == -viba.total
    assert entries(catalog.viba)[EntryKind.FEE] == 0
    assert db.session.get(Product, catalog.banana.id).stock == 8  # kept by the buyer


def test_a_return_is_refunded_when_the_goods_are_back_and_they_return_to_stock(
    client, catalog, sold
):
    order, viba, _ = sold
    assert db.session.get(Product, catalog.banana.id).stock == 8
    complain(client, order, viba, remedy="return", amount="")
    complaint = the_complaint(viba)
    assert complaint.amount == viba.total
    as_member(client, catalog.viba)
    goods = f"/coop/complaints/{complaint.id}/goods-received"
    assert client.post(goods).status_code == 409  # not accepted yet
    client.post(
        f"/coop/complaints/{complaint.id}/answer",
        data={"decision": "accept", "answer": "Gửi về HTX Viba, xóm 1, Liên Sơn."},
    )
    complaint = the_complaint(viba)
    assert complaint.status is ComplaintStatus.RETURNING and complaint.due_at
    assert not db.session.scalars(sa.select(Refund)).all()  # nothing until the goods are back
    assert db.session.get(Product, catalog.banana.id).stock == 8

    assert client.post(goods).status_code == 303
    complaint = the_complaint(viba)
    assert complaint.status is ComplaintStatus.REFUNDED and complaint.refunded == viba.total
    assert db.session.get(Product, catalog.banana.id).stock == 10
    assert db.session.get(type(viba), viba.id).status is PartStatus.REFUNDED
    assert sum(r.amount for r in db.session.scalars(sa.select(Refund))) == viba.total
    assert client.post(goods).status_code == 409  # once


def test_a_refusal_goes_to_the_office_which_decides_both_ways(client, catalog, sold, outbox):
    order, viba, tea = sold
    complain(client, order, viba)
    complain(client, order, tea, reason="wrong_item", amount="50000")
    first, second = the_complaint(viba), the_complaint(tea)
    not_yet = client.post(url(order, viba, "/escalate"))  # not refused yet
    assert not_yet.status_code == 409 and said(
        "Only a complaint the cooperative refused can go to the OCOP office.", not_yet
    )

    as_member(client, catalog.viba)
    refused = client.post(f"/coop/complaints/{first.id}/answer", data={"decision": "refuse"})
    assert refused.status_code == 400 and "lý do" in refused.get_data(as_text=True)
    answer = {"decision": "refuse", "answer": "Ảnh không cho thấy hàng hỏng."}
    assert client.post(f"/coop/complaints/{first.id}/answer", data=answer).status_code == 303
    as_member(client, catalog.thai_son)
    assert client.post(f"/coop/complaints/{second.id}/answer", data=answer).status_code == 303

    client.post("/account/logout")
    page = client.get(url(order, viba)).get_data(as_text=True)
    assert "Ảnh không cho thấy hàng hỏng." in page
    assert (
        client.post(url(order, viba, "/escalate"), data={"note": "Hàng mốc thật."}).status_code
        == 303
    )
    assert client.post(url(order, tea, "/escalate")).status_code == 303
    escalated = the_complaint(viba)
    assert escalated.status is ComplaintStatus.ESCALATED and escalated.due_at is None
    assert escalated.escalation_note == "Hàng mốc thật." and escalated.escalated_at is not None
    assert any("hotro@ocop.shop" in m.to for m in outbox)

    as_office(client)
    listing = client.get("/admin/complaints").get_data(as_text=True)
    assert order.number in listing
    decide = f"/admin/complaints/{first.id}/decide"
    assert client.post(decide, data={"outcome": "refund", "amount": "20000"}).status_code == 400
    too_much = {"outcome": "refund", "amount": str(viba.total + 1), "note": "Hàng mốc."}
    assert client.post(decide, data=too_much).status_code == 400
    done = {"outcome": "refund", "amount": "20000", "note": "Ảnh cho thấy hàng mốc."}
    assert client.post(decide, data=done).status_code == 303
    again = client.post(decide, data=done)
    assert again.status_code == 409 and said(
        "Only a complaint sent to the OCOP office can be decided.", again
    )
    decided = the_complaint(viba)
    assert decided.decision == "Ảnh cho thấy hàng mốc." and decided.decided_at is not None
    assert db.session.get(User, decided.decided_by_id).role is Role.ADMIN
    rejected = {"outcome": "reject", "note": "Đúng hàng đã đặt."}
    assert client.post(f"/admin/complaints/{second.id}/decide", data=rejected).status_code == 303

    assert the_complaint(viba).status is ComplaintStatus.REFUNDED
    assert the_complaint(tea).status is ComplaintStatus.REJECTED
    assert entries(catalog.viba)[EntryKind.REFUND] == -20_000
    assert EntryKind.REFUND not in entries(catalog.thai_son)
    page = client.get(f"/orders/{order.access_token}").get_data(as_text=True)
    assert "Văn phòng OCOP từ chối" in page
    told_both_sides_in_words(order, outbox)


def told_both_sides_in_words(order, outbox) -> None:
    """The buyer reads each decision in their language; each cooperative reads its own."""
    from shop.i18n import money

    first, second = "Ảnh cho thấy hàng mốc.", "Đúng hàng đã đặt."
    with force_locale(order.language):
        subject = gettext(
            "The OCOP office decided on your complaint (order %(number)s)", number=order.number
        )
        refunded = gettext(
            "The OCOP office decided: %(amount)s is refunded. %(note)s",
            amount=money(20_000, order.language),
            note=first,
        )
        rejected = gettext("The OCOP office rejected the complaint: %(note)s", note=second)
    to_buyer = [m.body for m in outbox if m.to == [order.email] and m.subject == subject]
    assert len(to_buyer) == 2 and refunded in to_buyer[0] and rejected in to_buyer[1]
    decided = f"Văn phòng OCOP đã quyết định khiếu nại đơn {order.number}"
    to_coop = {m.to[0]: m.body for m in outbox if m.subject == decided}
    assert (
        f"Văn phòng OCOP quyết định hoàn {money(20_000, 'vi')} cho người mua "
        f"(trừ vào số dư của hợp tác xã): {first}"
    ) in to_coop["viba@example.vn"]
    assert f"Văn phòng OCOP không chấp nhận khiếu nại: {second}" in to_coop["thaison@example.vn"]


@pytest.mark.parametrize(
    ("fields", "photos", "status", "message"),
    [
        ({"message": "   "}, 1, 400, "Hãy cho biết"),
        ({"message": "x" * 2001}, 1, 400, "2.000"),
        ({"amount": "999999999"}, 1, 400, ""),
        ({"amount": "abc"}, 1, 400, ""),
        ({"reason": "bored"}, 1, 400, ""),
        ({"remedy": "swap"}, 1, 400, ""),
        ({}, 0, 400, "ít nhất một ảnh"),
        ({}, 5, 400, "tối đa 4 ảnh"),
    ],
)
def test_bad_complaints_are_refused_with_a_clear_message(
    client, sold, fields, photos, status, message
):
    order, viba, _ = sold
    response = complain(client, order, viba, photos=photos, **fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert the_complaint(viba) is None


def test_an_amount_above_the_parcel_and_a_file_that_is_no_photo_are_refused(
    client, sold, photo_dir
):
    order, viba, _ = sold
    response = complain(client, order, viba, amount=str(viba.total + 1))
    assert response.status_code == 400 and "tổng" in response.get_data(as_text=True)
    data = {"reason": "damaged", "remedy": "refund", "amount": "1000", "message": "Hỏng."}
    data["photos"] = [(io.BytesIO(png()), "a.png"), (io.BytesIO(b"%PDF-1.4 no"), "b.jpg")]
    response = client.post(url(order, viba), data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert the_complaint(viba) is None
    assert not photo_dir.exists() or not any(photo_dir.iterdir())  # the good one removed too


def test_two_large_phone_photos_fit_though_other_forms_stop_at_6_mb(client, sold):
    order, viba, _ = sold
    noise = Image.frombytes("RGB", (1200, 1000), os.urandom(1200 * 1000 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    big = out.getvalue()
    assert 2 * len(big) > 6 * 1024 * 1024 > len(big)  # together above MAX_CONTENT_LENGTH
    data = {"reason": "damaged", "remedy": "refund", "amount": "1000", "message": "Vỡ hũ."}
    data["photos"] = [(io.BytesIO(big), "1.png"), (io.BytesIO(big), "2.png")]
    response = client.post(url(order, viba), data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    assert len(the_complaint(viba).photos) == 2


def test_complaints_only_on_delivered_parcels_within_the_window_and_once(client, catalog, sold):
    order, viba, tea = sold
    change = db.session.scalars(
        sa.select(PartStatusChange).where(
            PartStatusChange.part_id == tea.id, PartStatusChange.to_status == "delivered"
        )
    ).one()
    change.changed_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert client.get(url(order, tea)).status_code == 409
    late = complain(client, order, tea)
    assert late.status_code == 409 and "7 ngày" in late.get_data(as_text=True)
    page = client.get(f"/orders/{order.access_token}").get_data(as_text=True)
    assert url(order, tea) not in page

    assert complain(client, order, viba).status_code == 303
    again = complain(client, order, viba)
    assert again.status_code == 409 and "đã gửi khiếu nại" in again.get_data(as_text=True)

    fresh = paid_transfer(catalog, {catalog.longan.id: 1})
    assert complain(client, fresh, fresh.parts[0]).status_code == 409  # paid, not delivered
    assert client.get(url(fresh, viba)).status_code == 404  # another order's parcel
    assert client.get(f"/orders/wrong-token/parts/{viba.id}/complaint").status_code == 404


def test_another_cooperative_and_strangers_cannot_see_a_complaint(client, catalog, sold):
    order, viba, _ = sold
    complain(client, order, viba)
    complaint = the_complaint(viba)
    photo = complaint.photos[0].id
    assert client.get(f"/orders/nope/parts/{viba.id}/complaint/photos/{photo}").status_code == 404
    as_member(client, catalog.thai_son)
    assert client.get(f"/coop/complaints/{complaint.id}").status_code == 404
    assert client.get(f"/coop/complaints/{complaint.id}/photos/{photo}").status_code == 404
    refused = client.post(f"/coop/complaints/{complaint.id}/answer", data={"decision": "accept"})
    assert refused.status_code == 404
    assert order.number not in client.get("/coop/complaints").get_data(as_text=True)
    assert the_complaint(viba).status is ComplaintStatus.OPEN


def test_reminders_before_the_deadline_and_the_office_after_it(
    client, runner, catalog, sold, outbox
):
    order, viba, tea = sold
    complain(client, order, viba)
    complain(client, order, tea)
    soon, late = the_complaint(viba), the_complaint(tea)
    soon.due_at = utcnow() + timedelta(hours=20)
    late.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    outbox.clear()
    result = runner.invoke(args=["remind-complaints"])
    assert "1 reminders sent, 1 complaints sent to the office" in result.output
    assert any(m.to == ["viba@example.vn"] and "Nhắc" in m.subject for m in outbox)
    assert any(m.to == ["hotro@ocop.shop"] for m in outbox)
    assert any(m.to == ["an@example.vn"] or m.to == [order.email] for m in outbox)
    assert the_complaint(tea).status is ComplaintStatus.ESCALATED
    assert the_complaint(viba).status is ComplaintStatus.OPEN
    result = runner.invoke(args=["remind-complaints"])
    assert "0 reminders sent, 0 complaints sent to the office" in result.output  # once each

    as_office(client)
    page = client.get(f"/admin/complaints/{late.id}").get_data(as_text=True)
    assert "không trả lời đúng hạn" in page


def test_deadlines_hold_to_the_second_and_the_buyer_is_told_in_words(
    client, runner, catalog, sold, outbox
):
    """Due now: the office decides; due in exactly a day: a reminder; the buyer reads why."""
    from flask_babel import force_locale, gettext

    from shop.models import Order
    from shop.models.outbox import OutboxMessage
    from shop.services import complaints
    from shop.services import outbox as outbox_service

    order, viba, tea = sold
    complain(client, order, viba)
    complain(client, order, tea)
    buyer = factories.user()
    buyer.phone, buyer.notify_zalo = "0912345678", True  # also told on Zalo
    db.session.get(Order, order.id).user = buyer
    db.session.commit()
    now = utcnow()
    due_now, due_in_a_day = the_complaint(tea), the_complaint(viba)
    due_now.due_at, due_in_a_day.due_at = now, now + timedelta(days=1)
    db.session.commit()
    outbox_service.deliver_due()  # what the order and the complaints already said
    outbox.clear()
    assert complaints.remind_complaints(now) == (1, 1)
    db.session.commit()
    zalo = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "notify.zalo"))
    assert [m.payload["event"] for m in zalo] == ["complaint.escalated"]
    outbox_service.deliver_due()
    assert the_complaint(tea).status is ComplaintStatus.ESCALATED
    assert the_complaint(viba).reminded_at is not None
    with force_locale(order.language):
        subject = gettext(
            "Your complaint about order %(number)s went to the OCOP office", number=order.number
        )
        text = gettext(
            "Order %(number)s: the cooperative did not act in time, so the "
            "OCOP office will decide on your complaint.",
            number=order.number,
        )
    told = [m for m in outbox if m.to == [order.email]]
    assert [m.subject for m in told] == [subject] and text in told[0].body
    [reminder] = [m for m in outbox if m.to == ["viba@example.vn"]]
    assert reminder.subject == f"Nhắc: hạn trả lời khiếu nại đơn {order.number}"
    assert reminder.body.startswith(f"Hạn trả lời khiếu nại đơn {order.number} là ")
    assert "Sau hạn này, Văn phòng OCOP sẽ quyết định." in reminder.body
    assert complaints.remind_complaints(now) == (0, 0)  # once each
    later = the_complaint(viba)
    later.reminded_at, later.due_at = None, now + timedelta(days=1, seconds=1)
    db.session.commit()
    assert complaints.remind_complaints(now) == (0, 0)  # not yet within a day
