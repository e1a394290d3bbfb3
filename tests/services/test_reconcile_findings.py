"""The reconciler names each fault it finds, in the words the office reads.

`reconcile.check` is the guard rail of the money property test and of `flask reconcile`: each
fault is made here behind the services' backs, as a bug or a hand edit of the database would,
and the finding is compared word for word, so a weakened check cannot pass unseen."""

from __future__ import annotations

from shop.extensions import db
from shop.models import OrderLine, Payment, PaymentState, Provider, Refund
from shop.models import PartStatus as S
from shop.models import PaymentMethod as M
from shop.models import PaymentStatus as P
from shop.services import orders, reconcile
from tests.services.test_coop_ledger import paid_transfer
from tests.services.test_orders import HANOI, HOLDS, RULE


def unpaid(catalog, items=None):
    return orders.place_order(items or {catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)


def received_behind_the_back(order, amount: int) -> Payment:
    payment = Payment(
        order=order,
        provider=Provider.VIETQR,
        amount=amount,
        state=PaymentState.RECEIVED,
        amount_received=amount,
    )
    db.session.add(payment)
    order.amount_paid += amount
    db.session.flush()
    return payment


def test_a_sound_order_has_no_finding(catalog):
    assert reconcile.check(unpaid(catalog)) == []
    refunded = paid_transfer(catalog, {catalog.tea.id: 1})
    assert reconcile.check(refunded) == []
    orders.office_refund(refunded, orders.refundable(refunded), "out of stock")
    assert reconcile.check(refunded) == []  # a payment given back in full, to the đồng


def test_an_unpaid_order_holding_all_its_money_or_less_than_none(catalog):
    order = unpaid(catalog)
    received_behind_the_back(order, order.amount_due)
    assert reconcile.money_problems(order) == [
        f"awaiting payment but holds {order.amount_due} of {order.amount_due} đồng"
    ]
    other = unpaid(catalog)
    db.session.add(Refund(order=other, amount=1_000, provider=Provider.VIETQR))
    db.session.flush()
    assert reconcile.money_problems(other) == [
        f"awaiting payment but holds -1000 of {other.amount_due} đồng"
    ]


def test_an_unpaid_order_holding_part_of_its_money_is_sound(catalog):
    order = unpaid(catalog)
    orders.receive_transfer(order, order.amount_due - 1)
    assert reconcile.check(order) == []


def test_a_paid_order_holding_other_than_it_may_keep(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    db.session.add(Refund(order=order, amount=1_000, provider=Provider.VIETQR))
    db.session.flush()
    keeps = orders.keeps(order)
    assert reconcile.money_problems(order) == [f"holds {keeps - 1_000} đồng but may keep {keeps}"]


def test_amount_paid_not_what_the_payments_brought(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    order.amount_paid += 1
    assert reconcile.money_problems(order) == [
        f"holds {order.amount_paid} đồng but may keep {order.amount_paid - 1}",
        f"amount_paid {order.amount_paid} but payments brought {order.amount_paid - 1}",
    ]


def test_a_payment_refunded_beyond_what_it_brought(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    payment = order.payments[0]
    more = payment.amount_received + 1
    db.session.add(Refund(order=order, payment=payment, amount=more, provider=Provider.VIETQR))
    db.session.flush()
    assert (
        f"payment {payment.id} refunded {more} of {payment.amount_received}"
        in reconcile.money_problems(order)
    )


def test_parts_out_of_step_with_the_payment(catalog):
    order = unpaid(catalog, {catalog.banana.id: 1, catalog.tea.id: 1})
    order.parts[0].status = S.CONFIRMED
    assert reconcile.status_problems(order) == ["awaiting payment, yet some parts went ahead"]
    paid = paid_transfer(catalog, {catalog.tea.id: 1})
    paid.parts[0].status = S.PENDING_PAYMENT
    assert reconcile.status_problems(paid) == ["payment paid, yet parts still wait for payment"]
    lapsed = unpaid(catalog, {catalog.banana.id: 1, catalog.tea.id: 1})
    lapsed.payment_status = P.EXPIRED
    assert reconcile.status_problems(lapsed) == ["payment expired, yet 2 parts are still live"]
    cod = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    cod.parts[0].status = S.PENDING_PAYMENT
    assert reconcile.status_problems(cod) == [
        "payment on_delivery, yet parts still wait for payment"
    ]


def test_stock_held_other_than_the_lines_say(catalog):
    order = orders.place_order({catalog.tea.id: 2}, HANOI, M.COD, RULE, HOLDS)
    part = order.parts[0]
    assert reconcile.stock_problems(order, {}) == [
        f"part {part.id} holds nothing, should hold {{{catalog.tea.id}: 2}}"
    ]
    assert reconcile.stock_problems(order, {part.id: {catalog.tea.id: 2}}) == []
    assert reconcile.stock_problems(order, {part.id: {catalog.tea.id: 2, 99: 0}}) == []
    line = part.lines[0]
    part.lines.append(  # one product on two lines, as an import could write it
        OrderLine(
            product_id=line.product_id,
            name=line.name,
            unit=line.unit,
            unit_price=line.unit_price,
            quantity=1,
        )
    )
    assert reconcile.stock_problems(order, {part.id: {catalog.tea.id: 3}}) == []
    part.lines.pop()
    part.status = S.CANCELLED  # cancelled behind the services' backs: the stock stays held
    assert reconcile.check(order) == [f"part {part.id} is cancelled but keeps its stock"]
    part.stock_returned = True
    assert reconcile.check(order) == [
        f"part {part.id} holds {{{catalog.tea.id}: 2}}, should hold {{}}"
    ]
