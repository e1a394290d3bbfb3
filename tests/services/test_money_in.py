"""Money in and money back: only the payment an order waits for pays it, and every refund is
taken from the payment that brought the money, never more than that payment brought.

A card session the buyer left, a second transfer for a paid order or cash refunded by hand
each leave a different trace for the office; these tests read that trace to the đồng."""

from __future__ import annotations

import sqlalchemy as sa

from shop.extensions import db
from shop.models import Payment, Provider, RefundKind, RefundState
from shop.models import PaymentMethod as M
from shop.models import PaymentStatus as P
from shop.services import orders
from shop.services.errors import InvalidInput
from shop.services.payments.cod import record_cash_received
from tests.services.test_coop_ledger import deliver
from tests.services.test_orders import HANOI, HOLDS, RULE
from tests.services.test_refusals import refused

NOT_AWAITED = "payment the order no longer awaited"


def card_session(order) -> Payment:
    payment = Payment(
        order=order, provider=Provider.STRIPE, amount=order.total, payment_intent="pi_left"
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def trail(order) -> list[tuple]:
    """Each refund as (amount, provider, payment id, part id, state)."""
    return [(r.amount, r.provider, r.payment_id, r.part_id, r.state) for r in order.refunds]


def test_a_card_session_the_buyer_left_does_not_pay_the_order(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    left = card_session(order)
    orders.switch_method(order, M.VIETQR, HOLDS)
    assert orders.payment_received(left, order.total) is True
    assert order.payment_status is P.UNPAID  # it still waits for the transfer
    assert not order.amount_mismatch
    assert f"{order.total} đồng received by stripe it no longer awaited" in order.attention
    assert trail(order) == [(order.total, Provider.STRIPE, left.id, None, RefundState.PENDING)]
    assert order.refunds[0].reason == NOT_AWAITED and order.refunds[0].sent_at is None
    orders.receive_transfer(order, order.total)
    assert order.payment_status is P.PAID


def test_a_late_card_payment_is_given_back_by_card_not_from_the_transfer(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    left = card_session(order)
    orders.switch_method(order, M.VIETQR, HOLDS)
    transfer = orders.receive_transfer(order, order.total)
    assert order.payment_status is P.PAID
    orders.payment_received(left, order.total)  # the old session completes after all
    assert trail(order) == [(order.total, Provider.STRIPE, left.id, None, RefundState.PENDING)]
    assert transfer.refunds == []
    assert order.payment_status is P.PAID and orders.refundable(order) == order.total


def test_a_second_transfer_for_a_paid_order_goes_back_from_that_transfer(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    first = orders.receive_transfer(order, order.total)
    second = orders.receive_transfer(order, 70_000)
    assert order.payment_status is P.PAID and not order.amount_mismatch
    assert "70000 đồng received by vietqr it no longer awaited" in order.attention
    assert trail(order) == [(70_000, Provider.VIETQR, second.id, None, RefundState.OWED)]
    assert order.refunds[0].sent_at is None and order.refunds[0].manual
    assert first.refunds == []


def test_money_received_must_be_at_least_one_dong(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    payment = card_session(order)
    refused(
        InvalidInput,
        lambda: orders.payment_received(payment, 0),
        "The amount received must be positive.",
    )
    assert payment.state is orders.PaymentState.OPEN and order.amount_paid == 0
    assert orders.payment_received(payment, 1) is True  # one đồng is money: a mismatch
    assert order.amount_mismatch and order.payment_status is P.UNPAID


def test_refunds_are_taken_newest_first_never_beyond_what_each_payment_brought(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    first = orders.receive_transfer(order, order.total - 1)
    last = orders.receive_transfer(order, 1)
    assert order.payment_status is P.PAID
    assert orders.office_refund(order, 1, "một đồng") is False  # from the newest: its 1 đồng
    assert orders.office_refund(order, order.total - 1, "the rest") is True
    assert [(r.amount, r.payment_id, r.kind) for r in order.refunds] == [
        (1, last.id, RefundKind.GOODWILL),
        (order.total - 1, first.id, RefundKind.SETTLEMENT),
    ]
    assert {r.provider for r in order.refunds} == {Provider.VIETQR}


def test_a_part_paid_before_everything_was_cancelled_is_refunded(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    partial = orders.receive_transfer(order, 10_000)
    orders.cancel_order(order, "changed my mind")
    assert order.payment_status is P.REFUNDED
    assert trail(order) == [(10_000, Provider.VIETQR, partial.id, None, RefundState.OWED)]


def test_cash_on_delivery_cancelled_before_any_cash_refunds_nothing(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    orders.cancel_order(order, "changed my mind")
    assert order.payment_status is P.EXPIRED and order.refunds == []


def test_cash_given_back_by_hand_is_tied_to_its_parcel_to_the_last_dong(catalog):
    order = orders.place_order({catalog.banana.id: 1, catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    part = order.parts[0]
    deliver(part)
    record_cash_received(part)
    assert orders.refund_part(part, 1, "complaint #1") is False
    assert trail(order) == [(1, Provider.COD, None, part.id, RefundState.OWED)]
    assert order.refunds[0].manual and order.refunds[0].sent_at is None


def test_a_parcel_holding_one_product_on_two_lines_gives_back_both(catalog):
    from shop.models import OrderLine
    from shop.services import inventory

    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    part, line = order.parts[0], order.parts[0].lines[0]
    inventory.adjust(catalog.tea, -2, "a second line, as an import could write it")
    part.lines.append(
        OrderLine(
            product_id=catalog.tea.id,
            name=line.name,
            unit=line.unit,
            unit_price=line.unit_price,
            quantity=2,
        )
    )
    db.session.flush()
    assert catalog.tea.stock == 7
    orders.cancel_order(order, "changed my mind")
    db.session.refresh(catalog.tea)
    assert catalog.tea.stock == 10


def test_an_overpaid_transfer_gives_back_the_excess_from_that_transfer(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    due = order.amount_due
    transfer = orders.receive_transfer(order, due + 5_000)
    assert order.payment_status is P.PAID and order.amount_mismatch
    assert f"Paid {due + 5_000} đồng where {due} was due." in order.attention
    assert trail(order) == [(5_000, Provider.VIETQR, transfer.id, None, RefundState.OWED)]
    assert order.refunds[0].reason == "payment received"


def test_refunds_owed_by_hand_are_listed_oldest_first_and_only_those(catalog):
    first = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    orders.receive_transfer(first, first.total + 1_000)
    second = orders.place_order({catalog.banana.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    orders.receive_transfer(second, second.total + 2_000)
    by_card = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    left = card_session(by_card)
    orders.switch_method(by_card, M.VIETQR, HOLDS)
    orders.payment_received(left, by_card.total)  # refunded by card: not the office's to send
    owed = orders.owed_refunds()
    assert [(r.order_id, r.amount) for r in owed] == [(first.id, 1_000), (second.id, 2_000)]


def refund_emails(order) -> list[str]:
    """The refund notices queued for the buyer (in the order's language)."""
    from flask_babel import force_locale, gettext

    from shop.models.outbox import OutboxMessage

    with force_locale(order.language):
        subject = gettext("Refund for order %(number)s", number=order.number)
    messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "email"))
    return [m.payload["to"] for m in messages if m.payload["subject"] == subject]


def test_the_buyer_hears_of_a_refund_only_when_there_is_one(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    orders.receive_transfer(order, order.total)  # paid to the đồng: nothing to give back
    assert refund_emails(order) == []
    orders.receive_transfer(order, 1_000)
    assert refund_emails(order) == ["b@example.vn"]


def test_after_part_of_a_transfer_the_qr_asks_for_the_rest(catalog):
    from vietnam_qr_pay import QRPay

    from shop.services.payments.vietqr import VietQrTransfer
    from tests.unit.test_vietqr import VIBA

    bank = VietQrTransfer(VIBA)
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    assert QRPay(bank.qr_payload(order)).amount == str(order.total)
    orders.receive_transfer(order, 20_000)
    assert QRPay(bank.qr_payload(order)).amount == str(order.total - 20_000)


def test_cash_and_transfers_have_no_events_to_receive(catalog):
    from shop.services.errors import NotFound
    from shop.services.payments.cod import CashOnDelivery
    from shop.services.payments.vietqr import VietQrTransfer
    from tests.unit.test_vietqr import VIBA

    bank = VietQrTransfer(VIBA)
    for provider, message in (
        (CashOnDelivery(), "Cash on delivery sends no events."),
        (bank, "Bank transfers are recorded by the office."),
    ):
        refused(NotFound, lambda p=provider: p.handle_event(b"{}", None), message)


def test_cash_on_delivery_owes_the_total_once_however_often_it_is_started(catalog):
    """Placing the order starts cash on delivery; a retried start (the buyer's form sent
    twice) finds that payment instead of owing the total twice."""
    from shop.services.payments.cod import CashOnDelivery
    from tests.services.test_money_machine import URLS

    cash = CashOnDelivery()
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    card = Payment(order=order, provider=Provider.STRIPE, amount=order.total)
    db.session.add(card)  # another provider's row is not the cash payment
    first = cash.start(order, URLS)
    again = cash.start(order, URLS)
    db.session.expire_all()
    assert again is first and first is not card
    owed = [(p.provider, p.amount, p.order_id) for p in order.payments if p is not card]
    assert owed == [(Provider.COD, order.total, order.id)]
