"""Returns and complaints about a delivered part.

The buyer opens one complaint per part within ``RETURN_WINDOW_DAYS`` of its delivery, with
photos, asking either for money back while keeping the goods (``Remedy.REFUND``, an amount up
to the part's total) or to send the goods back for a full refund (``Remedy.RETURN``). The
cooperative answers within ``COMPLAINT_ANSWER_DAYS``: it accepts (a refund is given at once;
a return waits for the goods) or refuses with its reason, which the buyer may take to the
office. A return is refunded when the cooperative confirms the goods are back in its hands
(as Shopee and Tiki do), and only then does their stock return to the shelf; if that does
not happen within ``RETURN_GOODS_DAYS``, or the cooperative never answers, the complaint goes
to the office by itself (``remind_complaints``, run daily). Every refund goes through
``orders.refund_part``: it is charged to the part's cooperative alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from shop.clock import VIETNAM, utcnow
from shop.extensions import db
from shop.i18n import money
from shop.models import (
    Complaint,
    ComplaintPhoto,
    ComplaintReason,
    ComplaintStatus,
    Cooperative,
    Order,
    OrderPart,
    PartStatus,
    Remedy,
    User,
)
from shop.models.complaints import WAITING_ON_COOPERATIVE
from shop.services import images, inventory, notify, orders
from shop.services.errors import Conflict, InvalidInput, NotFound
from shop.services.notify import events
from shop.templating import external_url

MAX_PHOTOS = 4
MAX_UPLOAD = MAX_PHOTOS * images.MAX_BYTES + 1024 * 1024  # the photos and the form's text
MAX_MESSAGE = 2000
MAX_NOTE = 1000
S = ComplaintStatus


@dataclass(frozen=True)
class Rules:
    window_days: int = 7
    answer_days: int = 2
    goods_days: int = 10

    @classmethod
    def from_config(cls, config=None) -> Rules:
        config = config if config is not None else current_app.config
        return cls(
            config["RETURN_WINDOW_DAYS"],
            config["COMPLAINT_ANSWER_DAYS"],
            config["RETURN_GOODS_DAYS"],
        )


# --- Who may complain, and until when --------------------------------------------------------


def delivered_at(part: OrderPart) -> datetime | None:
    """When the part was marked delivered (its last such change), or None."""
    times = [c.changed_at for c in part.history if c.to_status == PartStatus.DELIVERED.value]
    return max(times) if times else None


def window_end(part: OrderPart, rules: Rules) -> datetime | None:
    delivered = delivered_at(part)
    return delivered + timedelta(days=rules.window_days) if delivered else None


def openable(
    order: Order, taken, rules: Rules | None = None, now: datetime | None = None
) -> dict[int, datetime]:
    """Part id → the end of its window, for the parts of ``order`` a complaint may be opened
    on (``taken``: the part ids that have one already)."""
    rules, now = rules or Rules.from_config(), now or utcnow()
    found = {}
    for part in order.parts:
        end = window_end(part, rules)
        if part.status is PartStatus.DELIVERED and part.id not in taken and end and now <= end:
            found[part.id] = end
    return found


def _clean(text: str | None, limit: int, required, too_long) -> str:
    text = (text or "").strip()
    if required is not None and not text:
        raise InvalidInput(required)
    if len(text) > limit:
        raise InvalidInput(too_long)
    return text


# --- The buyer -------------------------------------------------------------------------------


def check_can_open(part: OrderPart, rules: Rules | None = None, now: datetime | None = None):
    """Raise Conflict unless a complaint may be opened on ``part`` now."""
    rules, now = rules or Rules.from_config(), now or utcnow()
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.part_id == part.id)):
        raise Conflict(_l("You have already opened a complaint about this parcel."))
    if part.status is not PartStatus.DELIVERED:
        raise Conflict(_l("A complaint can be opened once the parcel has been delivered."))
    end = window_end(part, rules)
    if end is None or now > end:
        raise Conflict(
            _l(
                "Complaints about a parcel are opened within %(days)s days of its delivery; "
                "that time is over.",
                days=rules.window_days,
            )
        )


def open_complaint(
    part: OrderPart,
    *,
    reason: ComplaintReason,
    remedy: Remedy,
    message: str,
    amount: int | None,
    photos: Sequence[bytes],
    photo_dir: Path,
    rules: Rules | None = None,
    now: datetime | None = None,
) -> Complaint:
    """Open the part's complaint, or raise (nothing is written when any check fails)."""
    rules, now = rules or Rules.from_config(), now or utcnow()
    check_can_open(part, rules, now)
    message = _clean(
        message,
        MAX_MESSAGE,
        _l("Say what is wrong with the parcel."),
        _l("Describe the problem in 2,000 characters at most."),
    )
    if remedy is Remedy.RETURN:
        amount = part.total
    elif not isinstance(amount, int) or not 1 <= amount <= part.total:
        raise InvalidInput(
            _l(
                "Ask for a whole number of đồng from 1 to %(n)s (the parcel's total).",
                n=part.total,
            )
        )
    if not photos:
        raise InvalidInput(_l("Add at least one photo of the parcel and the goods."))
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_l("Add at most 4 photos."))
    complaint = Complaint(
        part=part,
        reason=reason,
        remedy=remedy,
        message=message,
        amount=amount,
        status=S.OPEN,
        opened_at=now,
        due_at=now + timedelta(days=rules.answer_days),
    )
    complaint.photos = _save_photos(photos, photo_dir)
    db.session.add(complaint)
    db.session.flush()
    _tell_cooperative(
        complaint,
        "complaint.new",
        f"Khiếu nại mới về đơn {part.order.number}",
        f"Người mua đơn {part.order.number} khiếu nại ({_reason_vi(reason)}) và "
        f"{'muốn trả hàng, hoàn tiền' if remedy is Remedy.RETURN else 'xin hoàn'} "
        f"{money(amount, 'vi')}. Hãy trả lời trước {_when_vi(complaint.due_at)}.",
    )
    return complaint


def _save_photos(photos: Sequence[bytes], photo_dir: Path) -> list[ComplaintPhoto]:
    """Every photo re-encoded, or none kept: the files of a refused batch are removed."""
    saved: list[images.Saved] = []
    try:
        for data in photos:
            saved.append(images.save_complaint_photo(data, photo_dir))
    except InvalidInput:
        for item in saved:
            (photo_dir / item.path).unlink(missing_ok=True)
        raise
    return [ComplaintPhoto(path=s.path, width=s.width, height=s.height) for s in saved]


def escalate(complaint: Complaint, note: str, now: datetime | None = None) -> None:
    """The buyer disagrees with the cooperative's refusal: the office decides."""
    if complaint.status is not S.REFUSED:
        raise Conflict(_l("Only a complaint the cooperative refused can go to the OCOP office."))
    note = _clean(note, MAX_NOTE, None, _l("Say why in 1,000 characters at most."))
    _escalate(complaint, now or utcnow(), note)


def _escalate(complaint: Complaint, now: datetime, note: str = "") -> None:
    complaint.status = S.ESCALATED
    complaint.escalated_at, complaint.due_at, complaint.escalation_note = now, None, note
    db.session.flush()
    number = complaint.part.order.number
    notify.send(
        _office(),
        "complaint.escalated",
        f"Khiếu nại đơn {number} cần Văn phòng OCOP quyết định",
        f"Khiếu nại #{complaint.id} về đơn {number} ({complaint.part.cooperative.name}) "
        "chờ Văn phòng OCOP quyết định.",
        external_url("admin.complaint_detail", complaint_id=complaint.id),
    )
    _tell_cooperative(
        complaint,
        "complaint.escalated",
        f"Khiếu nại đơn {number} đã chuyển lên Văn phòng OCOP",
        f"Khiếu nại về đơn {number} đã chuyển lên Văn phòng OCOP để quyết định.",
    )


# --- The cooperative -------------------------------------------------------------------------


def answer(
    complaint: Complaint,
    accept: bool,
    text: str,
    by: User,
    rules: Rules | None = None,
    now: datetime | None = None,
) -> None:
    """The cooperative accepts (a refund is given now; a return waits for the goods) or
    refuses with its reason."""
    rules, now = rules or Rules.from_config(), now or utcnow()
    if complaint.status is not S.OPEN:
        raise Conflict(_l("This complaint has already been answered."))
    text = _clean(
        text,
        MAX_MESSAGE,
        None if accept else _l("Tell the buyer why you refuse."),
        _l("Answer in 2,000 characters at most."),
    )
    complaint.seller_accepted = accept
    complaint.answer, complaint.answered_at, complaint.answered_by_id = text, now, by.id
    complaint.reminded_at = None
    if not accept:
        complaint.status, complaint.due_at = S.REFUSED, None
    elif complaint.remedy is Remedy.RETURN:
        complaint.status = S.RETURNING
        complaint.due_at = now + timedelta(days=rules.goods_days)
    else:
        _refund(complaint, complaint.amount)
    db.session.flush()
    _tell_buyer_answer(complaint)


def goods_received(complaint: Complaint, now: datetime | None = None) -> None:
    """The returned goods are back with the cooperative: their stock returns to the shelf and,
    unless the office refunded already, the part is refunded."""
    now = now or utcnow()
    waiting = complaint.status is S.RETURNING or (
        complaint.status is S.ESCALATED and complaint.seller_accepted
    )
    refunded_return = (
        complaint.status is S.REFUNDED and complaint.part.status is PartStatus.REFUNDED
    )
    if (
        complaint.remedy is not Remedy.RETURN
        or complaint.goods_received_at is not None
        or not (waiting or refunded_return)
    ):
        raise Conflict(_l("No returned goods are expected for this complaint."))
    part = complaint.part
    complaint.goods_received_at = now
    inventory.release(part, "returned by the buyer")
    if waiting:
        _refund(complaint, None)
        _tell_buyer(
            complaint,
            "complaint.refunded",
            lambda order: _("Your return for order %(number)s is refunded", number=order.number),
            lambda order: _(
                "Order %(number)s: %(coop)s received the goods you sent back; %(amount)s is "
                "being refunded.",
                number=order.number,
                coop=part.cooperative.name,
                amount=money(complaint.refunded, order.language),
            ),
        )
    db.session.flush()


# --- The office ------------------------------------------------------------------------------


def decide(
    complaint: Complaint,
    refund: bool,
    amount: int | None,
    note: str,
    by: User,
    now: datetime | None = None,
) -> None:
    """The office settles an escalated complaint: money back (up to what is left on the part)
    or the complaint rejected; both sides are told why."""
    now = now or utcnow()
    if complaint.status is not S.ESCALATED:
        raise Conflict(_l("Only a complaint sent to the OCOP office can be decided."))
    note = _clean(
        note,
        MAX_MESSAGE,
        _l("Explain the decision; the buyer and the cooperative read it."),
        _l("Explain the decision in 2,000 characters at most."),
    )
    complaint.decision, complaint.decided_at, complaint.decided_by_id = note, now, by.id
    if refund:
        if amount is None:
            raise InvalidInput(_l("Give the amount to refund."))
        _refund(complaint, amount)
    else:
        complaint.status = S.REJECTED
    db.session.flush()
    order = complaint.part.order
    _tell_buyer(
        complaint,
        "complaint.decided",
        lambda order: _(
            "The OCOP office decided on your complaint (order %(number)s)", number=order.number
        ),
        lambda order: (
            _(
                "The OCOP office decided: %(amount)s is refunded. %(note)s",
                amount=money(complaint.refunded, order.language),
                note=note,
            )
            if refund
            else _("The OCOP office rejected the complaint: %(note)s", note=note)
        ),
    )
    _tell_cooperative(
        complaint,
        "complaint.decided",
        f"Văn phòng OCOP đã quyết định khiếu nại đơn {order.number}",
        (
            f"Văn phòng OCOP quyết định hoàn {money(complaint.refunded, 'vi')} cho người mua "
            f"(trừ vào số dư của hợp tác xã): {note}"
            if refund
            else f"Văn phòng OCOP không chấp nhận khiếu nại: {note}"
        ),
    )


# --- Money -----------------------------------------------------------------------------------


def _refund(complaint: Complaint, amount: int | None) -> None:
    """Give ``amount`` (None: everything left on the part) back for the complaint's part."""
    part = complaint.part
    before = orders.part_refundable(part)
    orders.refund_part(part, amount, f"complaint #{complaint.id}")
    complaint.refunded += before if amount is None else amount
    complaint.status, complaint.due_at = S.REFUNDED, None


# --- Reminders -------------------------------------------------------------------------------


def remind_complaints(now: datetime | None = None) -> tuple[int, int]:
    """Run daily: remind cooperatives of answers and returns due within a day, and send to the
    office what is past due. (reminded, escalated)."""
    now = now or utcnow()
    waiting = sa.select(Complaint).where(Complaint.status.in_(WAITING_ON_COOPERATIVE))
    eager = (
        selectinload(Complaint.part).selectinload(OrderPart.order),
        selectinload(Complaint.part).selectinload(OrderPart.cooperative),
    )
    overdue = db.session.scalars(
        waiting.where(Complaint.due_at <= now).order_by(Complaint.id).options(*eager)
    ).all()
    for complaint in overdue:
        _escalate(complaint, now)
        _tell_buyer(
            complaint,
            "complaint.escalated",
            lambda order: _(
                "Your complaint about order %(number)s went to the OCOP office", number=order.number
            ),
            lambda order: _(
                "Order %(number)s: the cooperative did not act in time, so the "
                "OCOP office will decide on your complaint.",
                number=order.number,
            ),
        )
    soon = db.session.scalars(
        waiting.where(
            Complaint.due_at > now,
            Complaint.due_at <= now + timedelta(days=1),
            Complaint.reminded_at.is_(None),
        )
        .order_by(Complaint.id)
        .options(*eager)
    ).all()
    for complaint in soon:
        complaint.reminded_at = now
        number = complaint.part.order.number
        what = (
            "xác nhận đã nhận lại hàng trả"
            if complaint.status is S.RETURNING
            else "trả lời khiếu nại"
        )
        _tell_cooperative(
            complaint,
            "complaint.reminder",
            f"Nhắc: hạn {what} đơn {number}",
            f"Hạn {what} đơn {number} là {_when_vi(complaint.due_at)}. Sau hạn này, "
            "Văn phòng OCOP sẽ quyết định.",
        )
    db.session.flush()
    return len(soon), len(overdue)


# --- Reading ---------------------------------------------------------------------------------


def _eager():
    part = selectinload(Complaint.part)
    return (
        part.selectinload(OrderPart.order),
        part.selectinload(OrderPart.cooperative),
        part.selectinload(OrderPart.lines),
        selectinload(Complaint.photos),
    )


def for_order(order: Order) -> dict[int, Complaint]:
    """The order's complaints by part id (one query whatever the number of parts)."""
    ids = [part.id for part in order.parts]
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Complaint)
        .where(Complaint.part_id.in_(ids))
        .options(selectinload(Complaint.photos))
    )
    return {c.part_id: c for c in rows}


def of_part(part: OrderPart) -> Complaint | None:
    return db.session.scalar(
        sa.select(Complaint).where(Complaint.part_id == part.id).options(*_eager())
    )


def of_part_or_404(part: OrderPart) -> Complaint:
    complaint = of_part(part)
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    return complaint


def part_of(order: Order, part_id: int) -> OrderPart:
    part = next((p for p in order.parts if p.id == part_id), None)
    if part is None:
        raise NotFound(_l("No such parcel in this order."))
    return part


ORDER = sa.case(
    (Complaint.status == S.ESCALATED, 0),
    (Complaint.status == S.OPEN, 1),
    (Complaint.status == S.RETURNING, 2),
    (Complaint.status == S.REFUSED, 3),
    else_=4,
)


def of_cooperative(coop: Cooperative) -> list[Complaint]:
    """The cooperative's complaints: those waiting on it first, nearest deadline first."""
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .join(OrderPart, Complaint.part_id == OrderPart.id)
            .where(OrderPart.cooperative_id == coop.id)
            .order_by(ORDER, Complaint.due_at, Complaint.id.desc())
            .limit(200)
            .options(*_eager())
        )
    )


def owned(coop: Cooperative, complaint_id: int) -> Complaint:
    """A complaint about one of the cooperative's parts; another's is "not found"."""
    complaint = db.session.scalar(
        sa.select(Complaint)
        .join(OrderPart, Complaint.part_id == OrderPart.id)
        .where(Complaint.id == complaint_id, OrderPart.cooperative_id == coop.id)
        .options(*_eager())
    )
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    return complaint


def get(complaint_id: int) -> Complaint:
    complaint = db.session.scalar(
        sa.select(Complaint).where(Complaint.id == complaint_id).options(*_eager())
    )
    if complaint is None:
        raise NotFound(_l("No such complaint."))
    return complaint


def office_list() -> list[Complaint]:
    """Every complaint, those the office must decide first, then the newest."""
    return list(
        db.session.scalars(
            sa.select(Complaint)
            .order_by(ORDER, Complaint.opened_at.desc(), Complaint.id.desc())
            .limit(300)
            .options(*_eager())
        )
    )


def photo(complaint: Complaint, photo_id: int) -> ComplaintPhoto:
    found = next((p for p in complaint.photos if p.id == photo_id), None)
    if found is None:
        raise NotFound(_l("No such photo."))
    return found


# --- Telling people --------------------------------------------------------------------------


REASONS_VI = {
    ComplaintReason.DAMAGED: "hàng hỏng, vỡ",
    ComplaintReason.WRONG_ITEM: "giao sai hàng",
    ComplaintReason.MISSING: "thiếu hàng",
    ComplaintReason.NOT_AS_DESCRIBED: "không đúng mô tả",
    ComplaintReason.OTHER: "lý do khác",
}


def _reason_vi(reason: ComplaintReason) -> str:
    return REASONS_VI[reason]


def _when_vi(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def _office() -> notify.Contact:
    return notify.Contact(email=current_app.config["OPERATOR_EMAIL"])


def _tell_cooperative(complaint: Complaint, event: str, subject: str, text: str) -> None:
    notify.send(
        events.cooperative(complaint.part.cooperative),
        event,
        subject,
        text,
        external_url("coop.complaint_detail", complaint_id=complaint.id),
    )


def _tell_buyer(complaint: Complaint, event: str, subject, text) -> None:
    order = complaint.part.order
    with force_locale(order.language):
        said_subject, said_text = subject(order), text(order)
    notify.send(
        events.buyer(order),
        event,
        said_subject,
        said_text,
        external_url("checkout.complaint", token=order.access_token, part_id=complaint.part_id),
    )


def _tell_buyer_answer(complaint: Complaint) -> None:
    coop = complaint.part.cooperative.name
    if complaint.status is S.REFUNDED:
        text = lambda order: _(  # noqa: E731
            "Order %(number)s: %(coop)s accepted your complaint; %(amount)s is being refunded.",
            number=order.number,
            coop=coop,
            amount=money(complaint.refunded, order.language),
        )
    elif complaint.status is S.RETURNING:
        text = lambda order: _(  # noqa: E731
            "Order %(number)s: %(coop)s accepted your return. Send the goods back as it "
            "explains; you are refunded when they arrive. %(answer)s",
            number=order.number,
            coop=coop,
            answer=complaint.answer,
        )
    else:
        text = lambda order: _(  # noqa: E731
            "Order %(number)s: %(coop)s refused your complaint: %(answer)s If you disagree, "
            "ask the OCOP office to decide on the complaint's page.",
            number=order.number,
            coop=coop,
            answer=complaint.answer,
        )
    _tell_buyer(
        complaint,
        "complaint.answered",
        lambda order: _(
            "%(coop)s answered your complaint (order %(number)s)", coop=coop, number=order.number
        ),
        text,
    )
