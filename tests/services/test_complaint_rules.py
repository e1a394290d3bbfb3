"""The complaint rules as the buyer, the cooperative and the office read them: each refusal
word for word (nothing changed by it), the deadlines to the second, and what each side is
told on the channel they chose, in their language."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from shop.clock import VIETNAM, utcnow
from shop.extensions import db
from shop.i18n import money
from shop.models import ComplaintReason, PartStatus, Remedy
from shop.models.outbox import OutboxMessage
from shop.services import complaints, orders
from shop.services import outbox as outbox_service
from shop.services.complaints import Rules, S
from shop.services.errors import Conflict, InvalidInput, NotFound
from shop.templating import external_url
from tests import factories
from tests.services.test_coop_ledger import deliver, paid_transfer
from tests.services.test_refusals import refused
from tests.web.test_complaints import png

RULES = Rules(window_days=7, answer_days=2, goods_days=10)


@pytest.fixture
def sold(catalog):
    """A paid order of two delivered parcels; the buyer and Viba's owner read Zalo."""
    catalog.viba.email = "viba@example.vn"
    order = paid_transfer(catalog, {catalog.banana.id: 2, catalog.tea.id: 1})
    for part in order.parts:
        deliver(part)
    buyer = factories.user(email="an@example.vn")
    buyer.phone, buyer.notify_zalo = "0912345678", True
    order.user = buyer
    owner = factories.user("member", cooperative=catalog.viba)
    owner.is_owner, owner.phone, owner.notify_zalo = True, "0987654321", True
    db.session.commit()
    viba = next(p for p in order.parts if p.cooperative_id == catalog.viba.id)
    return order, viba


def open_on(part, tmp_path, remedy=Remedy.REFUND, amount=30_000, now=None):
    return complaints.open_complaint(
        part,
        reason=ComplaintReason.DAMAGED,
        remedy=remedy,
        message="Gói chuối bị rách.",
        amount=amount,
        photos=[png()],
        photo_dir=tmp_path,
        rules=RULES,
        now=now,
    )


def zalo(phone: str) -> list[tuple[str, str]]:
    """(event, text) of each Zalo message queued to ``phone``, oldest first."""
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.kind == "notify.zalo")
        .order_by(OutboxMessage.id)
    )
    return [(m.payload["event"], m.payload["text"]) for m in rows if m.payload["phone"] == phone]


def said(language: str, message: str, **values) -> str:
    """``message`` as a reader of ``language`` reads it."""
    with force_locale(language):
        return gettext(message, **values)


def hanoi(moment) -> str:
    """A deadline as the cooperative reads it: Hà Nội time, hours first."""
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def delivered(outbox) -> list:
    """Commit, send what the outbox holds, and return the emails sent so far."""
    db.session.commit()
    outbox_service.deliver_due()
    return outbox


BUYER, OWNER = "0912345678", "0987654321"


def test_each_refusal_says_what_went_wrong_and_changes_nothing(sold, tmp_path):
    order, viba = sold
    complaint = open_on(viba, tmp_path)
    office = factories.user("admin")
    refused(
        Conflict,
        lambda: complaints.escalate(complaint, "không đồng ý"),
        "Only a complaint the cooperative refused can go to the OCOP office.",
    )
    refused(
        Conflict,
        lambda: complaints.decide(complaint, True, 1_000, "hoàn", office),
        "Only a complaint sent to the OCOP office can be decided.",
    )
    member = factories.user("member", cooperative=viba.cooperative)
    refused(
        InvalidInput,
        lambda: complaints.answer(complaint, True, "x" * 2001, member, RULES),
        "Answer in 2,000 characters at most.",
    )
    refused(
        InvalidInput,
        lambda: complaints.answer(complaint, False, "  ", member, RULES),
        "Tell the buyer why you refuse.",
    )
    assert complaint.status is S.OPEN and complaint.answer in ("", None)
    complaints.answer(complaint, False, "Hàng đã kiểm trước khi gửi.", member, RULES)
    refused(
        Conflict,
        lambda: complaints.answer(complaint, True, "", member, RULES),
        "This complaint has already been answered.",
    )
    refused(
        InvalidInput,
        lambda: complaints.escalate(complaint, "x" * 1001),
        "Say why in 1,000 characters at most.",
    )
    assert complaint.status is S.REFUSED
    complaints.escalate(complaint, "x" * 1000)  # the longest note
    for note, message in (
        (" ", "Explain the decision; the buyer and the cooperative read it."),
        ("x" * 2001, "Explain the decision in 2,000 characters at most."),
    ):
        refused(
            InvalidInput,
            lambda n=note: complaints.decide(complaint, False, None, n, office),
            message,
        )
    refused(
        InvalidInput,
        lambda: complaints.decide(complaint, True, None, "hoàn", office),
        "Give the amount to refund.",
    )
    assert complaint.status is S.ESCALATED and complaint.refunded == 0
    assert orders.refunded(order) == 0
    other = next(p for p in order.parts if p is not viba)
    refused(NotFound, lambda: complaints.of_part_or_404(other), "No such complaint.")
    assert complaints.of_part_or_404(viba) is complaint


def test_an_accepted_return_left_waiting_goes_to_the_office_and_its_goods_still_count(
    sold, tmp_path
):
    """The cooperative accepted the return but never confirmed the goods: the office takes it,
    and when the goods do come back they are refunded, as the cooperative had agreed."""
    _, viba = sold
    now = utcnow()
    complaint = open_on(viba, tmp_path, remedy=Remedy.RETURN, now=now)
    member = factories.user("member", cooperative=viba.cooperative)
    complaints.answer(complaint, True, "Gửi lại cho chúng tôi.", member, RULES, now)
    assert complaint.status is S.RETURNING and complaint.seller_accepted is True
    assert complaint.due_at == now + timedelta(days=10)
    assert complaints.remind_complaints(now + timedelta(days=10)) == (0, 1)
    assert complaint.status is S.ESCALATED
    complaints.goods_received(complaint, now + timedelta(days=11))
    assert complaint.status is S.REFUNDED and complaint.refunded == viba.total
    assert viba.status is PartStatus.REFUNDED


def test_the_buyer_reads_the_cooperative_s_answer_in_their_language(
    sold, tmp_path, catalog, outbox
):
    order, viba = sold
    order.language = "en"
    member = factories.user("member", cooperative=viba.cooperative)
    complaint = open_on(viba, tmp_path, amount=30_000)
    complaints.answer(complaint, True, "Xin lỗi anh.", member, RULES)
    subject = said(
        "en",
        "%(coop)s answered your complaint (order %(number)s)",
        coop=catalog.viba.name,
        number=order.number,
    )
    text = said(
        "en",
        "Order %(number)s: %(coop)s accepted your complaint; %(amount)s is being refunded.",
        number=order.number,
        coop=catalog.viba.name,
        amount="₫30,000",
    )
    assert zalo(BUYER)[-1] == ("complaint.answered", text)
    told = [m for m in delivered(outbox) if m.to == [order.email]][-1]
    link = external_url("checkout.complaint", token=order.access_token, part_id=viba.id)
    assert told.subject == subject and told.body.startswith(f"{text}\n\n{link}\n")


def test_the_buyer_reads_a_return_accepted_and_a_refusal(sold, tmp_path, catalog):
    order, viba = sold
    tea = next(p for p in order.parts if p is not viba)
    member = factories.user("member", cooperative=catalog.viba)
    back = open_on(viba, tmp_path, remedy=Remedy.RETURN)
    complaints.answer(back, True, "Gửi qua bưu điện.", member, RULES)
    returning = said(
        "vi",
        "Order %(number)s: %(coop)s accepted your return. Send the goods back as it "
        "explains; you are refunded when they arrive. %(answer)s",
        number=order.number,
        coop=catalog.viba.name,
        answer="Gửi qua bưu điện.",
    )
    assert zalo(BUYER)[-1] == ("complaint.answered", returning)
    refusal = open_on(tea, tmp_path)
    tea_member = factories.user("member", cooperative=catalog.thai_son)
    complaints.answer(refusal, False, "Chè đã được kiểm.", tea_member, RULES)
    refused_text = said(
        "vi",
        "Order %(number)s: %(coop)s refused your complaint: %(answer)s If you disagree, "
        "ask the OCOP office to decide on the complaint's page.",
        number=order.number,
        coop=catalog.thai_son.name,
        answer="Chè đã được kiểm.",
    )
    assert zalo(BUYER)[-1] == ("complaint.answered", refused_text)


def test_the_office_s_decision_is_told_to_both_sides_with_the_amount(sold, tmp_path, catalog):
    """The buyer reads the amount in their language; the cooperative in Vietnamese, even when
    the office's clerk works in English."""
    order, viba = sold
    order.language = "en"
    member = factories.user("member", cooperative=catalog.viba)
    complaint = open_on(viba, tmp_path)
    complaints.answer(complaint, False, "Không.", member, RULES)
    complaints.escalate(complaint, "Ảnh cho thấy hàng hỏng.")
    office = factories.user("admin")
    with force_locale("en"):  # the clerk's language
        complaints.decide(complaint, True, 12_500, "Photos show the damage.", office)
    told_buyer = said(
        "en",
        "The OCOP office decided: %(amount)s is refunded. %(note)s",
        amount="₫12,500",
        note="Photos show the damage.",
    )
    assert complaint.refunded == 12_500 and orders.refunded(order) == 12_500
    assert zalo(BUYER)[-1] == ("complaint.decided", told_buyer)
    assert zalo(OWNER)[-1] == (
        "complaint.decided",
        f"Văn phòng OCOP quyết định hoàn {money(12_500, 'vi')} cho người mua "
        "(trừ vào số dư của hợp tác xã): Photos show the damage.",
    )
    assert money(12_500, "vi") == "12.500\xa0₫"


def test_a_return_s_reminder_says_the_goods_are_due_and_when(sold, tmp_path, catalog):
    order, viba = sold
    now = utcnow()
    complaint = open_on(viba, tmp_path, remedy=Remedy.RETURN, now=now)
    member = factories.user("member", cooperative=catalog.viba)
    complaints.answer(complaint, True, "Gửi lại.", member, RULES, now)
    reminded_at = complaint.due_at - timedelta(hours=3)
    assert complaints.remind_complaints(reminded_at) == (1, 0)
    due = hanoi(complaint.due_at)
    assert zalo(OWNER)[-1] == (
        "complaint.reminder",
        f"Hạn xác nhận đã nhận lại hàng trả đơn {order.number} là {due}. Sau hạn này, "
        "Văn phòng OCOP sẽ quyết định.",
    )
    assert complaint.reminded_at == reminded_at


def test_an_escalation_reaches_the_office_and_the_cooperative_in_words(
    sold, tmp_path, catalog, outbox
):
    order, viba = sold
    member = factories.user("member", cooperative=catalog.viba)
    complaint = open_on(viba, tmp_path)
    complaints.answer(complaint, False, "Không.", member, RULES)
    delivered(outbox).clear()
    complaints.escalate(complaint, "Ảnh cho thấy hàng hỏng.")
    [to_office] = [m for m in delivered(outbox) if m.to == ["hotro@ocop.shop"]]
    assert to_office.subject == f"Khiếu nại đơn {order.number} cần Văn phòng OCOP quyết định"
    link = external_url("admin.complaint_detail", complaint_id=complaint.id)
    assert to_office.body.startswith(
        f"Khiếu nại #{complaint.id} về đơn {order.number} ({catalog.viba.name}) "
        f"chờ Văn phòng OCOP quyết định.\n\n{link}\n\n-- \n"
    )
    [to_cooperative] = [m for m in outbox if m.to == ["viba@example.vn"]]
    assert to_cooperative.subject == f"Khiếu nại đơn {order.number} đã chuyển lên Văn phòng OCOP"
    assert to_cooperative.body.startswith(
        f"Khiếu nại về đơn {order.number} đã chuyển lên Văn phòng OCOP để quyết định.\n\n"
        f"{external_url('coop.complaint_detail', complaint_id=complaint.id)}\n"
    )
    assert zalo(OWNER)[-1] == (
        "complaint.escalated",
        f"Khiếu nại về đơn {order.number} đã chuyển lên Văn phòng OCOP để quyết định.",
    )
    assert complaint.escalation_note == "Ảnh cho thấy hàng hỏng."


def test_opening_a_complaint_is_refused_in_words_up_to_each_edge(sold, tmp_path, catalog):
    """Each limit is allowed at its edge and refused one past it; nothing is kept on a refusal."""
    order, viba = sold
    delivered = complaints.delivered_at(viba)
    end = delivered + timedelta(days=7)
    ends = {p.id: complaints.window_end(p, RULES) for p in order.parts}
    assert ends[viba.id] == end and all(e >= end for e in ends.values())
    assert complaints.openable(order, set(), RULES, end) == ends  # the last second included
    assert complaints.openable(order, {viba.id}, RULES, end + timedelta(seconds=1)) == {}
    refused(
        Conflict,
        lambda: open_on(viba, tmp_path, now=end + timedelta(seconds=1)),
        "Complaints about a parcel are opened within %(days)s days of its delivery; "
        "that time is over.",
        days=7,
    )
    short = Rules(window_days=3, answer_days=2, goods_days=10)
    refused(
        Conflict,
        lambda: complaints.open_complaint(
            viba,
            reason=ComplaintReason.DAMAGED,
            remedy=Remedy.REFUND,
            message="Rách.",
            amount=1,
            photos=[png()],
            photo_dir=tmp_path,
            rules=short,
            now=delivered + timedelta(days=4),
        ),
        "Complaints about a parcel are opened within %(days)s days of its delivery; "
        "that time is over.",
        days=3,
    )

    def attempt(**changes):
        values = {"message": "Rách.", "amount": 1, "photos": [png()]} | changes
        return lambda: complaints.open_complaint(
            viba,
            reason=ComplaintReason.DAMAGED,
            remedy=Remedy.REFUND,
            photo_dir=tmp_path,
            rules=RULES,
            now=end,
            **values,
        )

    refused(InvalidInput, attempt(message="  "), "Say what is wrong with the parcel.")
    refused(
        InvalidInput,
        attempt(message="x" * 2001),
        "Describe the problem in 2,000 characters at most.",
    )
    for amount in (0, viba.total + 1, 1.5, None):
        refused(
            InvalidInput,
            attempt(amount=amount),
            "Ask for a whole number of đồng from 1 to %(n)s (the parcel's total).",
            n=viba.total,
        )
    refused(InvalidInput, attempt(photos=[]), "Add at least one photo of the parcel and the goods.")
    refused(InvalidInput, attempt(photos=[png()] * 5), "Add at most 4 photos.")
    assert complaints.of_part(viba) is None and not list(tmp_path.iterdir())
    complaint = attempt(message="x" * 2000, photos=[png()] * 4)()  # every edge at once
    assert (complaint.amount, complaint.opened_at, len(complaint.photos)) == (1, end, 4)
    assert {(photo.width, photo.height) for photo in complaint.photos} == {(64, 48)}
    first = complaint.photos[0]
    assert complaints.photo(complaint, first.id) is first
    refused(NotFound, lambda: complaints.photo(complaint, 10**6), "No such photo.")
    assert complaint.due_at == end + timedelta(days=2)
    refused(
        Conflict,
        lambda: open_on(viba, tmp_path),
        "You have already opened a complaint about this parcel.",
    )


def test_a_complaint_waits_for_the_parcel_to_arrive(catalog, tmp_path):
    order = paid_transfer(catalog, {catalog.banana.id: 1})
    refused(
        Conflict,
        lambda: open_on(order.parts[0], tmp_path),
        "A complaint can be opened once the parcel has been delivered.",
    )
    other = paid_transfer(catalog, {catalog.tea.id: 1})
    refused(
        NotFound,
        lambda: complaints.part_of(order, other.parts[0].id),
        "No such parcel in this order.",
    )
    assert complaints.part_of(order, order.parts[0].id) is order.parts[0]


def test_the_cooperative_reads_what_the_buyer_asks_and_by_when(sold, tmp_path, catalog):
    order, viba = sold
    tea = next(p for p in order.parts if p is not viba)
    tea_owner = factories.user("member", cooperative=catalog.thai_son)
    tea_owner.is_owner, tea_owner.phone, tea_owner.notify_zalo = True, "0977000111", True
    complaint = open_on(viba, tmp_path, amount=30_000)
    due = hanoi(complaint.due_at)
    assert zalo(OWNER)[-1] == (
        "complaint.new",
        f"Người mua đơn {order.number} khiếu nại (hàng hỏng, vỡ) và xin hoàn "
        f"{money(30_000, 'vi')}. Hãy trả lời trước {due}.",
    )
    with force_locale("en"):  # the buyer's page in English; the cooperative reads Vietnamese
        back = open_on(tea, tmp_path, remedy=Remedy.RETURN)
    assert back.amount == tea.total
    due = hanoi(back.due_at)
    assert zalo("0977000111")[-1] == (
        "complaint.new",
        f"Người mua đơn {order.number} khiếu nại (hàng hỏng, vỡ) và muốn trả hàng, hoàn tiền "
        f"{money(tea.total, 'vi')}. Hãy trả lời trước {due}.",
    )


def test_the_office_reads_what_it_must_decide_first(sold, tmp_path, catalog):
    order, viba = sold
    tea = next(p for p in order.parts if p is not viba)
    now = utcnow()
    first = open_on(tea, tmp_path, now=now - timedelta(hours=2))
    member = factories.user("member", cooperative=catalog.thai_son)
    complaints.answer(first, False, "Không.", member, RULES, now - timedelta(hours=2))
    complaints.escalate(first, "")
    later = open_on(viba, tmp_path, now=now - timedelta(hours=1))
    assert complaints.office_list() == [first, later]  # the office's to decide, then newest
    refused(NotFound, lambda: complaints.get(10**6), "No such complaint.")
    assert complaints.get(first.id) is first


def test_the_office_reads_the_newest_complaint_first(sold, tmp_path):
    order, viba = sold
    tea = next(p for p in order.parts if p is not viba)
    now = utcnow()
    newer = open_on(viba, tmp_path, now=now - timedelta(hours=1))
    older = open_on(tea, tmp_path, now=now - timedelta(hours=2))  # written second
    assert complaints.office_list() == [newer, older]


def test_the_rules_come_from_the_settings(app, monkeypatch):
    assert Rules.from_config(
        {"RETURN_WINDOW_DAYS": 3, "COMPLAINT_ANSWER_DAYS": 4, "RETURN_GOODS_DAYS": 5}
    ) == Rules(window_days=3, answer_days=4, goods_days=5)
    monkeypatch.setitem(app.config, "COMPLAINT_ANSWER_DAYS", 6)
    assert Rules.from_config() == Rules(window_days=7, answer_days=6, goods_days=10)


def test_returned_goods_come_back_to_the_shelf_once_and_are_refunded_once(sold, tmp_path, catalog):
    """The office refunded a return the cooperative had left waiting; when the goods arrive
    they go back on the shelf, and nothing is refunded a second time."""
    from shop.models import StockMovement

    order, viba = sold
    tea = next(p for p in order.parts if p is not viba)
    now = utcnow()
    keep = open_on(tea, tmp_path, now=now)  # money back, goods kept
    refused(
        Conflict,
        lambda: complaints.goods_received(keep),
        "No returned goods are expected for this complaint.",
    )
    back = open_on(viba, tmp_path, remedy=Remedy.RETURN, now=now)
    member = factories.user("member", cooperative=catalog.viba)
    complaints.answer(back, True, "Gửi lại.", member, RULES, now)
    complaints.remind_complaints(now + timedelta(days=10))  # goods not back in time
    complaints.decide(back, True, viba.total, "Hoàn đủ.", factories.user("admin"))
    assert viba.status is PartStatus.REFUNDED and orders.refunded(order) == viba.total
    stock = catalog.banana.stock
    complaints.goods_received(back, now + timedelta(days=12))
    db.session.refresh(catalog.banana)
    assert catalog.banana.stock == stock + 2 and orders.refunded(order) == viba.total
    moved = db.session.scalars(
        sa.select(StockMovement).where(StockMovement.part_id == viba.id, StockMovement.delta > 0)
    ).all()
    assert [(m.delta, m.reason) for m in moved] == [(2, "returned by the buyer")]
    refused(
        Conflict,
        lambda: complaints.goods_received(back),
        "No returned goods are expected for this complaint.",
    )


def test_the_buyer_is_told_when_returned_goods_are_refunded(sold, tmp_path, catalog, outbox):
    order, viba = sold
    member = factories.user("member", cooperative=catalog.viba)
    back = open_on(viba, tmp_path, remedy=Remedy.RETURN)
    complaints.answer(back, True, "Gửi lại.", member, RULES)
    complaints.goods_received(back)
    text = said(
        "vi",
        "Order %(number)s: %(coop)s received the goods you sent back; %(amount)s is "
        "being refunded.",
        number=order.number,
        coop=catalog.viba.name,
        amount=money(viba.total, "vi"),
    )
    assert zalo(BUYER)[-1] == ("complaint.refunded", text)
    subject = said("vi", "Your return for order %(number)s is refunded", number=order.number)
    assert [m.subject for m in delivered(outbox) if m.to == [order.email]][-1] == subject
    assert back.refunded == viba.total and back.status is S.REFUNDED


def test_the_cooperative_reads_what_waits_on_it_first_nearest_deadline_first(
    sold, tmp_path, catalog
):
    _, viba = sold
    now = utcnow()
    member = factories.user("member", cooperative=catalog.viba)
    second = paid_transfer(catalog, {catalog.banana.id: 1})
    third = paid_transfer(catalog, {catalog.banana.id: 1})
    for part in (second.parts[0], third.parts[0]):
        deliver(part)
    answered = open_on(viba, tmp_path, now=now)
    complaints.answer(answered, False, "Không.", member, RULES, now)  # waits on the buyer
    sooner = open_on(second.parts[0], tmp_path, now=now - timedelta(hours=5))
    later = open_on(third.parts[0], tmp_path, now=now)  # written last: not by id
    assert complaints.of_cooperative(catalog.viba) == [sooner, later, answered]
    assert complaints.of_cooperative(catalog.thai_son) == []
    assert complaints.owned(catalog.viba, later.id) is later
    refused(NotFound, lambda: complaints.owned(catalog.thai_son, later.id), "No such complaint.")


def test_no_goods_are_expected_for_a_refused_return_refunded_outside_its_complaint(
    sold, tmp_path, catalog
):
    """The cooperative refused the return; the parcel was then refunded in full by other means
    (the office, say). No return was agreed, so no goods are booked back onto the shelf."""
    _, viba = sold
    back = open_on(viba, tmp_path, remedy=Remedy.RETURN)
    member = factories.user("member", cooperative=catalog.viba)
    complaints.answer(back, False, "Hàng đúng mô tả.", member, RULES)
    orders.refund_part(viba, None, "office decision by phone")
    assert viba.status is PartStatus.REFUNDED and back.status is S.REFUSED
    stock = catalog.banana.stock
    refused(
        Conflict,
        lambda: complaints.goods_received(back),
        "No returned goods are expected for this complaint.",
    )
    db.session.refresh(catalog.banana)
    assert catalog.banana.stock == stock and back.goods_received_at is None
