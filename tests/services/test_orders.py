"""Rules of ordering: delivery fees, the transition table, stock taken and returned."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    OrderPart,
    PartStatus,
    PaymentMethod,
    PaymentStatus,
    Product,
    RefundState,
)
from shop.services import orders
from shop.services.errors import Conflict, InvalidInput
from shop.services.pricing import DeliveryRule, region_of

RULE = DeliveryRule(same_region=25_000, other_region=40_000, free_from=500_000)
HOLDS = {"card": 30, "vietqr": 1440}
HANOI = orders.Delivery(
    "Trần Thị B", "0912345678", "b@example.vn", "Hà Nội", "Phường Ba Đình", "1 Hùng Vương"
)


def stock(product: Product) -> int:
    return db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))


def test_regions_and_delivery_fees():
    assert (region_of("Hà Nội"), region_of("Đà Nẵng"), region_of("Cần Thơ")) == (
        "north",
        "central",
        "south",
    )
    assert RULE.fee(100_000, "Phú Thọ", "Hà Nội") == 25_000
    assert RULE.fee(100_000, "Phú Thọ", "Hồ Chí Minh") == 40_000
    assert RULE.fee(100_000, "Phú Thọ", None) == 40_000  # before the buyer says where
    assert RULE.fee(500_000, "Phú Thọ", "Cà Mau") == 0


@pytest.mark.parametrize("start", list(PaymentStatus))
def test_every_payment_change_not_in_the_table_raises(catalog, start):
    order = orders.place_order({catalog.banana.id: 1}, HANOI, PaymentMethod.VIETQR, RULE, HOLDS)
    for target in PaymentStatus:
        order.payment_status = start
        if target is start or target in orders.PAYMENT_TRANSITIONS[start]:
            orders.set_payment_status(order, target)
            assert order.payment_status is target
        else:
            with pytest.raises(orders.IllegalTransition):
                orders.set_payment_status(order, target)
            assert order.payment_status is start
    assert not orders.PAYMENT_TRANSITIONS[PaymentStatus.REFUNDED]  # nothing reopens it


def test_every_transition_not_in_the_table_raises(catalog):
    order = orders.place_order({catalog.banana.id: 1}, HANOI, PaymentMethod.COD, RULE, HOLDS)
    part = order.parts[0]
    for status in PartStatus:
        if status not in orders.TRANSITIONS[part.status]:
            with pytest.raises(orders.IllegalTransition):
                orders.transition(part, status)
    orders.transition(part, PartStatus.PROCESSING)
    orders.transition(part, PartStatus.SHIPPED)
    with pytest.raises(orders.IllegalTransition):
        orders.transition(part, PartStatus.CANCELLED)
    orders.transition(part, PartStatus.DELIVERED)
    assert [h.to_status for h in part.history] == ["processing", "shipped", "delivered"]


def test_place_order_splits_per_cooperative_and_takes_stock(catalog):
    items = {catalog.banana.id: 2, catalog.longan.id: 1, catalog.tea.id: 3}
    order = orders.place_order(items, HANOI, PaymentMethod.COD, RULE, HOLDS)
    db.session.commit()
    assert order.number == f"OCOP-{utcnow():%Y}-{order.id:06d}"
    assert {p.cooperative.slug for p in order.parts} == {"viba", "thai-son"}
    assert all(p.status is PartStatus.CONFIRMED for p in order.parts)
    assert order.subtotal == 2 * 85_000 + 90_000 + 3 * 120_000
    assert order.delivery_total == 2 * 25_000  # both cooperatives in the north, like Hà Nội
    assert order.total == order.subtotal + order.delivery_total
    assert (stock(catalog.banana), stock(catalog.longan), stock(catalog.tea)) == (8, 9, 7)
    line = order.parts[0].lines[0]
    assert line.unit_price in (85_000, 90_000, 120_000) and line.name


def test_sold_out_takes_nothing(catalog):
    with pytest.raises(orders.SoldOut):
        orders.place_order(
            {catalog.banana.id: 2, catalog.tea.id: 11}, HANOI, PaymentMethod.COD, RULE, HOLDS
        )
    db.session.rollback()
    assert stock(catalog.banana) == 10 and stock(catalog.tea) == 10


def test_stock_can_never_go_below_zero_in_the_database(catalog):
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Product).where(Product.id == catalog.tea.id).values(stock=-1))
        db.session.flush()
    db.session.rollback()


def test_card_orders_above_stripes_cap_are_refused(catalog):
    catalog.herb.price, catalog.herb.stock = 50_000_000, 5
    db.session.commit()
    with pytest.raises(InvalidInput):
        orders.place_order({catalog.herb.id: 2}, HANOI, PaymentMethod.CARD, RULE, HOLDS)


def test_unpaid_orders_expire_and_return_stock(catalog):
    order = orders.place_order({catalog.tea.id: 4}, HANOI, PaymentMethod.VIETQR, RULE, HOLDS)
    db.session.commit()
    assert order.expires_at - order.placed_at == timedelta(minutes=1440)
    assert orders.release_expired(now=utcnow()) == 0
    assert orders.release_expired(now=utcnow() + timedelta(days=2)) == 1
    db.session.commit()
    assert stock(catalog.tea) == 10
    assert order.payment_status is PaymentStatus.EXPIRED
    assert all(p.status is PartStatus.CANCELLED for p in order.parts)
    assert orders.release_expired(now=utcnow() + timedelta(days=3)) == 0  # once only


def test_cancel_returns_stock_until_shipped(catalog):
    order = orders.place_order({catalog.tea.id: 2}, HANOI, PaymentMethod.COD, RULE, HOLDS)
    orders.cancel_order(order, "changed my mind")
    assert stock(catalog.tea) == 10
    second = orders.place_order({catalog.tea.id: 2}, HANOI, PaymentMethod.COD, RULE, HOLDS)
    for status in (PartStatus.PROCESSING, PartStatus.SHIPPED):
        orders.transition(second.parts[0], status)
    with pytest.raises(Conflict):
        orders.cancel_order(second, "too late")


def test_an_underpaid_transfer_waits_and_a_late_one_is_refunded(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, PaymentMethod.VIETQR, RULE, HOLDS)
    orders.receive_transfer(order, order.total - 1000)
    assert order.payment_status is PaymentStatus.UNPAID and order.amount_missing == 1000
    assert order.amount_mismatch and order.attention
    late = orders.place_order({catalog.banana.id: 3}, HANOI, PaymentMethod.VIETQR, RULE, HOLDS)
    orders.expire(late, "payment time expired")
    assert stock(catalog.banana) == 10
    orders.receive_transfer(late, late.total)
    assert stock(catalog.banana) == 10  # a cancelled order is never revived
    assert all(p.status is PartStatus.CANCELLED for p in late.parts) and late.attention
    assert [(r.amount, r.state) for r in late.refunds] == [(late.total, RefundState.OWED)]


def test_a_payment_recorded_twice_counts_once(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, PaymentMethod.VIETQR, RULE, HOLDS)
    payment = orders.receive_transfer(order, order.total)
    assert orders.payment_received(payment, order.total) is False
    assert order.amount_paid == order.total
    assert sum(len(p.history) for p in order.parts) == 1
    assert db.session.scalar(sa.select(sa.func.count(OrderPart.id))) == 1


def test_a_product_withdrawn_while_in_the_cart_stops_the_order(catalog):
    catalog.herb.active = False
    db.session.commit()
    with pytest.raises(Conflict):
        orders.place_order(
            {catalog.tea.id: 1, catalog.herb.id: 1}, HANOI, PaymentMethod.COD, RULE, HOLDS
        )
    db.session.rollback()
    assert stock(catalog.tea) == 10


def _paid_by_card(catalog):
    from shop.models import Payment, Provider

    order = orders.place_order({catalog.tea.id: 1}, HANOI, PaymentMethod.CARD, RULE, HOLDS)
    payment = Payment(
        order=order, provider=Provider.STRIPE, amount=order.total, payment_intent="pi_test_1"
    )
    db.session.add(payment)
    db.session.flush()
    assert orders.payment_received(payment, order.total)
    assert order.payment_status is PaymentStatus.PAID
    return order, payment


def test_a_partial_refund_made_at_the_provider_is_recorded_once_as_goodwill(catalog):
    from shop.models import RefundKind

    order, payment = _paid_by_card(catalog)
    orders.provider_refunded(payment, 30_000)
    orders.provider_refunded(payment, 30_000)  # the same event again: nothing more
    assert [(r.amount, r.state, r.kind, r.payment_id) for r in order.refunds] == [
        (30_000, RefundState.SENT, RefundKind.GOODWILL, payment.id)
    ]
    assert order.refunds[0].sent_at is not None
    assert "30000 đồng refunded outside the shop" in order.attention
    assert all(p.status is PartStatus.CONFIRMED or p.is_live for p in order.parts)
    assert order.payment_status is PaymentStatus.PAID  # the goods are still owed
    orders.provider_refunded(payment, 50_000)  # 20,000 more given back later
    assert [r.amount for r in order.refunds] == [30_000, 20_000]


def test_a_full_refund_made_at_the_provider_refunds_the_parts(catalog):
    order, payment = _paid_by_card(catalog)
    orders.provider_refunded(payment, order.total)
    assert [(r.amount, r.state) for r in order.refunds] == [(order.total, RefundState.SENT)]
    assert not any(p.is_live for p in order.parts)
    assert all(h.reason == "refunded at the provider" for p in order.parts for h in p.history[-1:])
    assert order.payment_status is PaymentStatus.REFUNDED
    assert stock(catalog.tea) == 10  # the stock came back


def test_switching_method_is_refused_with_the_reason(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, PaymentMethod.VIETQR, RULE, HOLDS)
    no_longer = r"^Đơn hàng này không thể đổi hình thức thanh toán nữa\.$"
    with pytest.raises(Conflict, match=no_longer):
        orders.switch_method(order, PaymentMethod.CARD, HOLDS)  # a card needs a new checkout
    orders.receive_transfer(order, 1)  # one đồng arrived: the rest must follow by transfer
    with pytest.raises(Conflict, match=r"^Đơn hàng này đã được chuyển khoản một phần"):
        orders.switch_method(order, PaymentMethod.COD, HOLDS)
    assert order.payment_method is PaymentMethod.VIETQR
    orders.receive_transfer(order, order.total - 1)
    with pytest.raises(Conflict, match=no_longer):
        orders.switch_method(order, PaymentMethod.COD, HOLDS)  # paid: nothing to switch


def _paid_two_parts(catalog):
    from shop.models import Payment, Provider

    items = {catalog.banana.id: 1, catalog.tea.id: 1}
    order = orders.place_order(items, HANOI, PaymentMethod.CARD, RULE, HOLDS)
    payment = Payment(
        order=order, provider=Provider.STRIPE, amount=order.total, payment_intent="pi_test_2"
    )
    db.session.add(payment)
    db.session.flush()
    orders.payment_received(payment, order.total)
    banana_part, tea_part = sorted(order.parts, key=lambda p: p.cooperative.slug != "viba")
    return order, payment, banana_part, tea_part


def test_a_full_refund_at_the_provider_cancels_a_part_being_prepared(catalog):
    order, payment, banana_part, tea_part = _paid_two_parts(catalog)
    orders.cancel_part(banana_part, "the cooperative cannot serve it")  # a dead part first
    orders.transition(tea_part, PartStatus.PROCESSING, "preparing")
    orders.provider_refunded(payment, order.total)
    assert tea_part.status is PartStatus.CANCELLED  # it had not left: cancelled, not refunded
    assert tea_part.history[-1].reason == "refunded at the provider"
    assert (stock(catalog.banana), stock(catalog.tea)) == (10, 10)


def test_a_full_refund_at_the_provider_is_refused_while_a_parcel_travels(catalog):
    order, payment, banana_part, tea_part = _paid_two_parts(catalog)
    for status in (PartStatus.PROCESSING, PartStatus.SHIPPED):
        orders.transition(tea_part, status, "on its way")
    with pytest.raises(Conflict, match=r"^Một kiện hàng của đơn này đang trên đường giao"):
        orders.provider_refunded(payment, order.total)
    assert banana_part.status is PartStatus.PAID and tea_part.status is PartStatus.SHIPPED


def test_switching_method_moves_the_hold_and_confirms_the_parts(catalog):
    by_card = orders.place_order({catalog.tea.id: 1}, HANOI, PaymentMethod.CARD, RULE, HOLDS)
    orders.switch_method(by_card, PaymentMethod.VIETQR, HOLDS)  # the card page was left
    held = by_card.expires_at - utcnow()
    assert timedelta(minutes=HOLDS["vietqr"] - 1) < held <= timedelta(minutes=HOLDS["vietqr"])

    orders.switch_method(by_card, PaymentMethod.COD, HOLDS)
    assert by_card.expires_at is None and by_card.payment_status is PaymentStatus.ON_DELIVERY
    assert all(p.status is PartStatus.CONFIRMED for p in by_card.parts)
    assert by_card.parts[0].history[-1].reason == "switched to cash on delivery"


def test_a_buyer_cancels_what_is_left_after_a_cooperative_cancelled_its_part(catalog):
    items = {catalog.banana.id: 1, catalog.tea.id: 1}
    order = orders.place_order(items, HANOI, PaymentMethod.COD, RULE, HOLDS)
    viba = next(p for p in order.parts if p.cooperative_id == catalog.viba.id)
    orders.cancel_part(viba, "hết hàng")  # the cooperative cannot serve its part
    orders.cancel_order(order, "đổi ý")  # the rest can still be cancelled by the buyer
    assert all(p.status is PartStatus.CANCELLED for p in order.parts)
    assert stock(catalog.tea) == 10 and stock(catalog.banana) == 10  # all back on the shelf


def test_a_provider_refund_is_counted_to_the_last_dong(catalog):
    order, payment = _paid_by_card(catalog)
    orders.provider_refunded(payment, order.total - 1)  # one đồng still kept
    assert all(p.is_live for p in order.parts) and order.attention
    orders.provider_refunded(payment, order.total)  # and now that one too
    assert [r.amount for r in order.refunds] == [order.total - 1, 1]
    assert not any(p.is_live for p in order.parts)
    assert all(h.reason == "refunded at the provider" for p in order.parts for h in p.history[-1:])
    assert order.payment_status is PaymentStatus.REFUNDED
