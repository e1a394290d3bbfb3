"""Who hears of what, by the shop's rules: each order event reaches the buyer on the channels
they chose (a guest by email only), in their language, with the amount and the link that
matter; a cooperative hears in Vietnamese by its shop email and its owner's channels; each
message is written once, in the transaction of its event, and a rolled-back event tells no one.
The messages are read where they wait: the outbox rows."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from shop.clock import today, utcnow
from shop.extensions import db
from shop.i18n import money
from shop.models import (
    Certification,
    Order,
    OutboxMessage,
    PartStatus,
    Payment,
    PaymentMethod,
    Provider,
    User,
)
from shop.services import accounts, orders
from shop.services.notify import Contact, send
from shop.services.notify import events as notify_events
from shop.services.payments import stripe
from shop.templating import external_url
from tests import factories
from tests.services.test_orders import HOLDS, RULE

BUYER_PHONE, OWNER_PHONE, MEMBER_PHONE = "0987000111", "0977000222", "0966000333"


def messages() -> list[tuple]:
    """Each outbox message, oldest first: (channel, to, subject or event, text, link)."""
    found = []
    for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        p = m.payload
        if m.kind == "email":
            body = p["body"].split("\n\n-- \n")[0]
            found.append(("email", p["to"], p["subject"], body))
        elif m.kind.startswith("notify."):
            found.append(
                (m.kind.removeprefix("notify."), p["phone"], p["event"], p["text"], p["link"])
            )
    return found


def said(language: str, message: str, **values) -> str:
    """``message`` as a reader of ``language`` reads it."""
    with force_locale(language):
        return gettext(message, **values)


def order_page(order) -> str:
    return external_url("checkout.order_page", token=order.access_token)


def placed(catalog, items=None, *, language="vi", method=PaymentMethod.COD, user=None):
    """An order to Hà Nội (its own phone 0912345678, email b@example.vn), committed; the
    outbox is emptied so a test reads only what follows."""
    delivery = orders.Delivery(
        "Trần Thị B", "0912345678", "b@example.vn", "Hà Nội", "Phường Ba Đình", "1 Hùng Vương"
    )
    order = orders.place_order(
        items or {catalog.banana.id: 1},
        delivery,
        method,
        RULE,
        HOLDS,
        user_id=user.id if user else None,
        language=language,
    )
    db.session.commit()
    cleared()
    return order


def cleared() -> None:
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()


def buyer_on_every_channel(email="lan@example.vn"):
    """A signed-in buyer who chose email, Zalo and SMS on her own phone."""
    me = factories.user(email=email, name="Nguyễn Thị Lan")
    accounts.set_notifications(me, BUYER_PHONE, email=True, zalo=True, sms=True)
    db.session.commit()
    return me


@pytest.fixture
def viba(catalog):
    """Viba with a shop email; its owner reads Zalo, a plain member would read Zalo too."""
    coop = catalog.viba
    coop.email, coop.phone = "viba@example.vn", "0211000999"
    member = factories.user("member", cooperative=coop, email="nv@viba.vn")  # the first
    accounts.set_notifications(member, MEMBER_PHONE, email=True, zalo=True, sms=True)
    owner = factories.user("member", cooperative=coop, email="chu@viba.vn")
    accounts.set_notifications(owner, OWNER_PHONE, email=True, zalo=True, sms=False)
    owner.is_owner = True
    db.session.commit()
    return coop


def move(part, *steps, reason="") -> None:
    for step in steps:
        orders.transition(part, step, reason)
    db.session.commit()


def shipped(part, carrier="GHN", tracking="GHN123ABC") -> None:
    move(part, PartStatus.PROCESSING)
    part.carrier, part.tracking_number = carrier, tracking
    move(part, PartStatus.SHIPPED)


# --- One message per chosen channel ----------------------------------------------------------


def test_a_message_goes_once_to_each_chosen_channel_with_its_link(app):
    contact = Contact("lan@example.vn", BUYER_PHONE, "vi", frozenset({"email", "zalo", "sms"}))
    send(contact, "part.shipped", "Tiêu đề", "Nội dung", "https://x.vn/a")
    assert messages() == [
        ("email", "lan@example.vn", "Tiêu đề", "Nội dung\n\nhttps://x.vn/a"),
        ("zalo", BUYER_PHONE, "part.shipped", "Nội dung", "https://x.vn/a"),
        ("sms", BUYER_PHONE, "part.shipped", "Nội dung", "https://x.vn/a"),
    ]
    body = db.session.scalars(sa.select(OutboxMessage.payload)).first()["body"]
    assert body.startswith("Nội dung\n\nhttps://x.vn/a\n\n-- \n")


def test_a_message_without_a_link_is_its_text_alone(app):
    send(Contact("lan@example.vn", BUYER_PHONE, "vi", frozenset({"email", "zalo"})), "e", "S", "T")
    assert messages() == [
        ("email", "lan@example.vn", "S", "T"),
        ("zalo", BUYER_PHONE, "e", "T", ""),
    ]
    body = db.session.scalars(sa.select(OutboxMessage.payload)).first()["body"]
    assert body.startswith("T\n\n-- \n")


@pytest.mark.parametrize(
    ("contact", "email", "kinds"),
    [
        (Contact("a@example.vn"), True, ["email"]),  # the default: email alone
        (Contact("a@example.vn", BUYER_PHONE), True, ["email"]),  # a phone is not a choice
        (Contact("a@example.vn", BUYER_PHONE, channels=frozenset({"sms"})), True, ["sms"]),
        (Contact("", BUYER_PHONE, channels=frozenset({"email", "zalo"})), True, ["zalo"]),
        (
            Contact("a@example.vn", "", channels=frozenset({"email", "zalo", "sms"})),
            True,
            ["email"],
        ),
        (
            Contact("a@example.vn", BUYER_PHONE, channels=frozenset({"email", "zalo"})),
            False,
            ["zalo"],
        ),
        (Contact("a@example.vn", BUYER_PHONE, channels=frozenset()), True, []),
    ],
)
def test_only_the_chosen_channels_that_can_reach_the_person_are_used(app, contact, email, kinds):
    send(contact, "e", "S", "T", "https://x.vn", email=email)
    assert [m[0] for m in messages()] == kinds


def test_a_signed_in_buyer_hears_on_her_channels_at_the_orders_email(catalog):
    lan = buyer_on_every_channel()
    order = placed(catalog, user=lan)
    order.email = "giaohang@example.vn"  # the email she gave at checkout
    contact = notify_events.buyer(order)
    assert (contact.email, contact.phone, contact.channels) == (
        "giaohang@example.vn",
        BUYER_PHONE,  # her account's phone, not the delivery phone
        frozenset({"email", "zalo", "sms"}),
    )
    accounts.set_notifications(lan, "", email=False, zalo=False, sms=False)
    assert notify_events.buyer(order).channels == frozenset()


def test_a_guest_hears_by_email_only_though_the_order_has_a_phone(catalog):
    order = placed(catalog)
    contact = notify_events.buyer(order)
    assert (contact.email, contact.channels) == ("b@example.vn", frozenset({"email"}))


def test_a_cooperative_hears_at_its_email_and_on_its_owners_channels_not_a_members(viba):
    contact = notify_events.cooperative(viba)
    assert (contact.email, contact.phone, contact.language, contact.channels) == (
        "viba@example.vn",
        OWNER_PHONE,
        "vi",
        frozenset({"email", "zalo"}),
    )


def test_a_cooperative_without_an_owner_hears_by_email(catalog):
    catalog.thai_son.email = "thaison@example.vn"
    factories.user("member", cooperative=catalog.thai_son)
    contact = notify_events.cooperative(catalog.thai_son)
    assert (contact.email, contact.channels) == ("thaison@example.vn", frozenset({"email"}))


def test_an_owner_who_chose_no_email_still_has_the_shop_email_told(viba):
    owner = db.session.scalars(sa.select(User).where(User.is_owner)).one()
    accounts.set_notifications(owner, OWNER_PHONE, email=False, zalo=False, sms=True)
    contact = notify_events.cooperative(viba)
    assert contact.channels == frozenset({"email", "sms"})


# --- Order events ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_shipped_parcel_is_told_with_its_carrier_and_tracking_link(catalog, language):
    lan = buyer_on_every_channel()
    order = placed(catalog, language=language, user=lan)
    shipped(order.parts[0])
    subject = said(language, "Your parcel from %(coop)s is on its way", coop=catalog.viba.name)
    text = said(
        language,
        "Order %(number)s: %(coop)s shipped your parcel with %(carrier)s, "
        "tracking number %(tracking)s.",
        number=order.number,
        coop=catalog.viba.name,
        carrier="GHN",
        tracking="GHN123ABC",
    )
    link = "https://donhang.ghn.vn/?order_code=GHN123ABC"
    assert messages() == [
        ("email", "b@example.vn", subject, f"{text}\n\n{link}"),
        ("zalo", BUYER_PHONE, "part.shipped", text, link),
        ("sms", BUYER_PHONE, "part.shipped", text, link),
    ]
    assert (language == "vi") == ("đã gửi kiện hàng" in text)


def test_a_parcel_with_an_unknown_carrier_links_to_the_order_page(catalog):
    order = placed(catalog)
    shipped(order.parts[0], carrier="Xe khách Phú Thọ", tracking="PT-77")
    [(channel, to, _subject, body)] = messages()
    assert (channel, to) == ("email", "b@example.vn")
    assert body.endswith(f"mã vận đơn PT-77.\n\n{order_page(order)}")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_delivered_parcel_is_told_with_the_order_page(catalog, language):
    order = placed(catalog, language=language)
    part = order.parts[0]
    shipped(part)
    cleared()
    move(part, PartStatus.DELIVERED)
    subject = said(language, "Your parcel from %(coop)s was delivered", coop=catalog.viba.name)
    text = said(
        language,
        "Order %(number)s: your parcel from %(coop)s was delivered. Thank you! "
        "You can review what you bought on the order's page.",
        number=order.number,
        coop=catalog.viba.name,
    )
    assert messages() == [("email", "b@example.vn", subject, f"{text}\n\n{order_page(order)}")]
    assert (language == "vi") == subject.startswith("Kiện hàng")


@pytest.mark.parametrize(
    ("reason", "buyer_reads", "cooperative_reads"),
    [
        (
            orders.COOPERATIVE_CANCELLED,
            "hợp tác xã không thể gửi hàng",
            "hợp tác xã không thể gửi hàng",
        ),
        (
            orders.PAYMENT_EXPIRED,
            "chưa nhận được thanh toán đúng hạn",
            "chưa nhận được thanh toán đúng hạn",
        ),
        ("hết hàng do lũ", "hết hàng do lũ", "hết hàng do lũ"),  # the office's own words
    ],
)
def test_a_cancelled_part_is_told_to_the_buyer_and_its_cooperative_with_the_reason(
    catalog, viba, reason, buyer_reads, cooperative_reads
):
    order = placed(catalog)
    orders.cancel_part(order.parts[0], reason)
    db.session.commit()
    number, link = order.number, order_page(order)
    text = f"Đơn {number}: phần hàng từ {viba.name} đã bị hủy ({buyer_reads})."
    told = f"Phần đơn {number} của {viba.name} đã bị hủy ({cooperative_reads}). Không gửi hàng."
    coop_link = external_url("coop.order_list")
    assert messages() == [
        ("email", "b@example.vn", f"Một phần đơn {number} đã bị hủy", f"{text}\n\n{link}"),
        ("email", "viba@example.vn", f"Đơn {number} đã bị hủy", f"{told}\n\n{coop_link}"),
        ("zalo", OWNER_PHONE, "part.cancelled", told, coop_link),
    ]


def test_an_english_buyer_reads_the_reason_in_english_the_cooperative_in_vietnamese(catalog, viba):
    order = placed(catalog, language="en")
    orders.cancel_part(order.parts[0], orders.COOPERATIVE_CANCELLED)
    db.session.commit()
    [to_buyer, to_coop, _zalo] = messages()
    assert to_buyer[2] == f"Part of order {order.number} was cancelled"
    assert to_buyer[3].startswith(
        f"Order {order.number}: the part from {viba.name} was cancelled "
        "(the cooperative cannot send it)."
    )
    assert "(hợp tác xã không thể gửi hàng). Không gửi hàng." in to_coop[3]


def test_a_buyer_who_cancels_is_not_told_again_but_the_cooperative_is(catalog, viba):
    lan = buyer_on_every_channel()
    order = placed(catalog, user=lan)
    orders.cancel_order(order, orders.BUYER_CANCELLED)
    db.session.commit()
    told = f"Phần đơn {order.number} của {viba.name} đã bị hủy (bạn đã hủy). Không gửi hàng."
    assert [(m[0], m[1], m[3].split("\n\n")[0]) for m in messages()] == [
        ("email", "viba@example.vn", told),
        ("zalo", OWNER_PHONE, told),
    ]


def test_an_expired_payment_is_told_in_the_buyers_language(catalog):
    order = placed(catalog, language="en", method=PaymentMethod.VIETQR)
    orders.release_expired(now=utcnow() + timedelta(days=3))
    db.session.commit()
    [(channel, to, subject, body)] = messages()
    assert (channel, to, subject) == (
        "email",
        "b@example.vn",
        f"Part of order {order.number} was cancelled",
    )
    assert "(the payment did not arrive in time)." in body


def test_a_refunded_part_is_told_on_zalo_and_sms_the_refund_email_says_the_rest(catalog):
    lan = buyer_on_every_channel()
    order = placed(catalog, user=lan, method=PaymentMethod.VIETQR)
    orders.receive_transfer(order, order.total)
    db.session.commit()
    cleared()
    assert orders.office_refund(order, order.total, "Khách đổi ý")
    db.session.commit()
    text = f"Đơn {order.number}: phần hàng từ {catalog.viba.name} đã được hoàn tiền."
    assert [m for m in messages() if m[0] != "email"] == [
        ("zalo", BUYER_PHONE, "part.refunded", text, order_page(order)),
        ("sms", BUYER_PHONE, "part.refunded", text, order_page(order)),
    ]
    assert all(text not in m[3] for m in messages() if m[0] == "email")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_payment_is_told_once_with_its_amount(catalog, language):
    lan = buyer_on_every_channel()
    order = placed(catalog, user=lan, language=language, method=PaymentMethod.VIETQR)
    orders.receive_transfer(order, order.total)
    db.session.commit()
    subject = said(language, "Payment received for order %(number)s", number=order.number)
    text = said(
        language,
        "We received %(amount)s for order %(number)s. The cooperatives are preparing it.",
        amount=money(order.total, language),
        number=order.number,
    )
    link = order_page(order)
    assert messages() == [
        ("email", "b@example.vn", subject, f"{text}\n\n{link}"),
        ("zalo", BUYER_PHONE, "order.paid", text, link),
        ("sms", BUYER_PHONE, "order.paid", text, link),
    ]
    assert money(order.total, language) in text and (language == "vi") == ("nhận" in text)
    order.internal_note = "đã đối soát"  # a paid order changes again: no second message
    db.session.commit()
    assert len(messages()) == 3


def test_an_order_that_is_not_paid_tells_nothing_of_payment(catalog):
    order = placed(catalog, method=PaymentMethod.VIETQR)
    orders.receive_transfer(order, order.total - 1_000)  # short: still unpaid
    db.session.commit()
    assert messages() == []


def test_each_event_is_told_once_in_its_own_transaction(catalog):
    order = placed(catalog)
    part = order.parts[0]
    move(part, PartStatus.PROCESSING)  # not a step the buyer hears of
    assert messages() == []
    part.carrier, part.tracking_number = "GHN", "GHN9"
    orders.transition(part, PartStatus.SHIPPED)
    db.session.flush()
    db.session.flush()
    assert messages() == []  # not before the commit
    db.session.commit()
    db.session.commit()
    assert len(messages()) == 1


def test_a_rolled_back_event_tells_no_one(catalog, viba):
    order = placed(catalog)
    orders.cancel_part(order.parts[0], orders.COOPERATIVE_CANCELLED)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert messages() == []
    order = db.session.get(Order, order.id)
    orders.cancel_part(order.parts[0], orders.COOPERATIVE_CANCELLED)
    db.session.commit()
    assert len(messages()) == 3


def test_a_savepoint_rolled_back_forgets_only_what_happened_inside_it(catalog):
    """Checkout releases abandoned orders, then places the new one in a savepoint that a
    second submit of the same form rolls back: the abandoned orders' buyers are still told."""
    abandoned = placed(catalog, method=PaymentMethod.VIETQR)
    other = placed(catalog, method=PaymentMethod.VIETQR)
    orders.expire(abandoned, orders.PAYMENT_EXPIRED)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        orders.expire(other, orders.PAYMENT_EXPIRED)
        db.session.flush()
        raise RuntimeError("the same checkout was placed a moment ago")
    db.session.commit()
    assert other.parts[0].status is not PartStatus.CANCELLED
    [(channel, to, subject, _body)] = messages()
    assert (channel, to, subject) == (
        "email",
        "b@example.vn",
        f"Một phần đơn {abandoned.number} đã bị hủy",
    )


def test_a_new_order_is_told_on_zalo_and_to_each_cooperative_its_own_part(catalog, viba):
    lan = buyer_on_every_channel()
    catalog.thai_son.email = "thaison@example.vn"
    tea_owner = factories.user("member", cooperative=catalog.thai_son)
    accounts.set_notifications(tea_owner, MEMBER_PHONE.replace("66", "55"), True, False, True)
    tea_owner.is_owner = True
    db.session.commit()
    order = placed(
        catalog, {catalog.banana.id: 2, catalog.longan.id: 1, catalog.tea.id: 1}, user=lan
    )
    notify_events.tell_placed(order)
    db.session.commit()
    text = said(
        "vi",
        "We received order %(number)s (%(amount)s). We will tell you when it ships.",
        number=order.number,
        amount=money(order.total, "vi"),
    )
    link = order_page(order)
    parts = {p.cooperative_id: p for p in order.parts}
    banana, tea = parts[viba.id], parts[catalog.thai_son.id]
    coop_link = external_url("coop.order_list")
    assert messages() == [
        ("zalo", BUYER_PHONE, "order.placed", text, link),
        ("sms", BUYER_PHONE, "order.placed", text, link),
        *[
            (
                channel,
                phone,
                "part.new",
                f"Đơn mới {order.number}: {n} mặt hàng, {money(p.total, 'vi')}.",
                coop_link,
            )
            for channel, phone, n, p in sorted(
                [("zalo", OWNER_PHONE, 2, banana), ("sms", "0955000333", 1, tea)],
                key=lambda row: order.parts.index(row[3]),
            )
        ],
    ]
    assert money(order.total, "vi") in text and text.startswith("Chúng tôi đã nhận đơn")


def test_a_recall_is_told_on_zalo_with_the_lots_page(catalog):
    lan = buyer_on_every_channel()
    order = placed(catalog, language="en", user=lan)
    lot = factories.lot(catalog.banana, code="L-99")
    notify_events.tell_recall(order, SimpleNamespace(lot=lot))
    text = (
        f"Recall: lot L-99 of {catalog.banana.name_vi} that you bought (order {order.number}). "
        "Do not use it; see what to do:"
    )
    link = external_url("trace.resolve", gtin=catalog.banana.gtin, lot_code="L-99")
    assert messages() == [
        ("zalo", BUYER_PHONE, "recall", text, link),
        ("sms", BUYER_PHONE, "recall", text, link),
    ]
    assert "L-99" in link


def card_order(catalog, language):
    """An order waiting for its card payment (a Stripe checkout session)."""
    order = placed(catalog, language=language, method=PaymentMethod.CARD)
    payment = Payment(order=order, provider=Provider.STRIPE, amount=order.total, reference="cs_1")
    db.session.add(payment)
    db.session.commit()
    return order, payment


@pytest.mark.parametrize(
    ("language", "buyer_reads"),
    [("vi", "chưa nhận được thanh toán đúng hạn"), ("en", "the payment did not arrive in time")],
)
def test_a_card_session_that_expires_is_told_in_the_buyers_words(
    catalog, viba, language, buyer_reads
):
    _order, payment = card_order(catalog, language)
    orders.payment_closed(payment, *stripe.CLOSED_EVENTS["checkout.session.expired"])
    db.session.commit()
    [to_buyer, to_coop, _zalo] = messages()
    assert to_buyer[1] == "b@example.vn" and f"({buyer_reads})." in to_buyer[3]
    assert "(chưa nhận được thanh toán đúng hạn). Không gửi hàng." in to_coop[3]


@pytest.mark.parametrize(
    ("language", "buyer_reads"),
    [("vi", "khoản thanh toán đã được hoàn lại"), ("en", "the payment was refunded")],
)
def test_a_part_cancelled_by_a_refund_at_the_card_provider_is_told_in_the_buyers_words(
    catalog, viba, language, buyer_reads
):
    order, payment = card_order(catalog, language)
    orders.payment_received(payment, order.total)
    move(order.parts[0], PartStatus.PROCESSING)  # being packed: it is cancelled, not refunded
    cleared()
    orders.provider_refunded(payment, order.total)
    db.session.commit()
    assert order.parts[0].status is PartStatus.CANCELLED
    [to_buyer, to_coop, _zalo] = messages()
    assert to_buyer[1] == "b@example.vn" and f"({buyer_reads})." in to_buyer[3]
    assert "(khoản thanh toán đã được hoàn lại). Không gửi hàng." in to_coop[3]


# --- The cooperative's own news ------------------------------------------------------------------


def test_an_approved_cooperative_is_told_where_to_look(viba):
    notify_events.tell_approved(viba)
    text = f"Văn phòng OCOP đã duyệt {viba.name}. Sản phẩm của bạn đã hiển thị trên OCOP Shop."
    link = external_url("coop.overview")
    assert messages() == [
        ("email", "viba@example.vn", "Gian hàng của bạn đã được duyệt", f"{text}\n\n{link}"),
        ("zalo", OWNER_PHONE, "application.approved", text, link),
    ]


def test_a_refused_applicant_hears_the_reason_on_zalo_the_email_says_it_in_full(viba):
    notify_events.tell_rejected(notify_events.cooperative(viba), "HTX Mới", "thiếu giấy phép")
    text = "Văn phòng OCOP chưa duyệt HTX Mới: thiếu giấy phép"
    assert messages() == [("zalo", OWNER_PHONE, "application.rejected", text, "")]


def certificate(coop, number, days, verified=True, product=None):
    db.session.add(
        Certification(
            kind="vietgap",
            number=number,
            issuer="X",
            valid_from=today() - timedelta(days=300),
            valid_to=today() + timedelta(days=days),
            cooperative=None if product else coop,
            product=product,
            verified_at=utcnow() if verified else None,
        )
    )


def test_certificates_and_ratings_are_warned_60_and_7_days_ahead_to_their_cooperative(
    catalog, viba
):
    certificate(viba, "C-60", 60)
    certificate(viba, "C-7", 7, product=catalog.longan)  # a product's: its cooperative hears
    certificate(viba, "C-unverified", 7, verified=False)
    certificate(viba, "C-6", 6)
    certificate(viba, "C-8", 8)
    certificate(viba, "C-61", 61)
    rating = catalog.banana.ratings[-1]
    rating.valid_until = today() + timedelta(days=7)
    old = catalog.tea.ratings[-1]
    old.valid_until, old.revoked_at = today() + timedelta(days=60), utcnow()
    db.session.commit()
    assert notify_events.warn_expiring(today()) == 3
    in60, in7 = today() + timedelta(days=60), today() + timedelta(days=7)
    link = external_url("coop.certificate_list")
    renew = "Hãy gia hạn và gửi bản mới cho Văn phòng OCOP."
    expected = []
    for what, day in (
        ("Chứng nhận vietgap số C-60", in60),
        ("Chứng nhận vietgap số C-7", in7),
        (f"Chứng nhận OCOP {rating.stars} sao của {catalog.banana.name_vi}", in7),
    ):
        subject = f"{what} hết hạn ngày {day:%d/%m/%Y}"
        expected += [
            ("email", "viba@example.vn", subject, f"{subject}. {renew}\n\n{link}"),
            ("zalo", OWNER_PHONE, "expiring", f"{subject}. {renew}", link),
        ]
    assert messages() == expected
