"""The money rules' refusals say what the person reads, and their edges hold to the đồng.

Each refusal is checked by its message, not only its kind: a buyer, a cooperative or the
office reads it, and a refusal raised for another reason would say something else."""

from __future__ import annotations

import pytest
from flask_babel import gettext

from shop.extensions import db
from shop.models import PaymentMethod as M
from shop.models import RefundKind
from shop.services import inventory, orders
from shop.services.errors import Conflict, DomainError, InvalidInput, NotFound
from tests import factories
from tests.services.test_complaints import two_parcels
from tests.services.test_coop_ledger import deliver, paid_transfer
from tests.services.test_orders import HANOI, HOLDS, RULE, _paid_by_card


def refused(kind: type[DomainError], call, message: str, **values) -> None:
    with pytest.raises(kind) as error:
        call()
    assert str(error.value) == gettext(message, **values)


def test_an_order_with_a_parcel_on_its_way_cannot_be_cancelled(catalog):
    order = orders.place_order({catalog.banana.id: 1, catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    for step in (orders.S.PROCESSING, orders.S.SHIPPED):
        orders.transition(order.parts[0], step)
    refused(
        orders.IllegalTransition,
        lambda: orders.cancel_order(order, "changed my mind"),
        "Part of this order has already shipped; it can no longer be cancelled.",
    )
    assert all(part.status is not orders.S.CANCELLED for part in order.parts)


def test_the_office_s_refunds_are_refused_with_what_it_reads(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    left = orders.refundable(order)
    for reason in (None, "  "):
        refused(
            InvalidInput,
            lambda r=reason: orders.office_refund(order, 1_000, r),
            "Give a reason for the refund.",
        )
    for amount in (0, left + 1, 1.5):
        refused(
            InvalidInput,
            lambda a=amount: orders.office_refund(order, a, "late"),
            "The refund must be a whole number of đồng from 1 to %(n)s.",
            n=left,
        )
    assert orders.refunded(order) == 0
    unpaid = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    refused(
        Conflict,
        lambda: orders.office_refund(unpaid, 1_000, "late"),
        "Nothing is left to refund on this order.",
    )


def test_the_office_refunds_to_the_last_dong_goodwill_then_everything(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    left = orders.refundable(order)
    assert orders.office_refund(order, left - 1, "late delivery") is False  # goodwill
    assert order.refunds[-1].kind is RefundKind.GOODWILL and order.refunds[-1].reason == (
        "late delivery"
    )
    assert all(part.is_live for part in order.parts)
    assert orders.refundable(order) == 1
    assert orders.office_refund(order, 1, "the rest") is True  # the last đồng refunds all
    assert not any(part.is_live for part in order.parts)
    assert orders.refunded(order) == left
    refused(
        Conflict,
        lambda: orders.office_refund(order, 1, "again"),
        "Nothing is left to refund on this order.",
    )


def test_a_parcel_with_nothing_left_says_so(catalog):
    order, _ = two_parcels(catalog)  # paid by transfer, both delivered
    part = order.parts[0]
    assert orders.refund_part(part, None, "broken jar") is True
    refused(
        Conflict,
        lambda: orders.refund_part(part, 1, "again"),
        "Only a delivered parcel can be refunded this way.",
    )
    other = order.parts[1]
    orders.office_refund(order, orders.refundable(order), "everything else")
    refused(
        Conflict,
        lambda: orders.refund_part(other, 1, "more"),
        "Only a delivered parcel can be refunded this way.",
    )


def test_a_parcel_refunded_to_its_last_dong(catalog):
    order, _ = two_parcels(catalog)  # paid by transfer, both delivered
    part = order.parts[0]
    assert orders.refund_part(part, part.total - 1, "dented box") is False
    assert orders.part_refundable(part) == 1
    assert orders.refund_part(part, 1, "and the last đồng") is True
    assert orders.part_refundable(part) == 0


def test_a_refund_at_the_provider_is_recorded_with_its_reason(catalog):
    order, payment = _paid_by_card(catalog)
    orders.provider_refunded(payment, 5_000)
    refund = order.refunds[-1]
    assert refund.reason == "refunded at the provider" and refund.kind is RefundKind.GOODWILL
    assert order.attention == "5000 đồng refunded outside the shop"


def test_notes_for_the_office_put_the_newest_first_and_stay_short(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    orders.flag(order, "first")
    assert order.attention == "first"
    orders.flag(order, "second")
    assert order.attention == "second | first"
    orders.flag(order, "x" * 400)
    assert order.attention == "x" * 300


def test_an_unknown_order_number_is_not_found(catalog):
    refused(NotFound, lambda: orders.by_number("OCOP-2026-999999"), "No such order.")


def test_an_opening_stock_out_of_range_is_refused_with_its_range(catalog):
    product = factories.product(catalog.viba, catalog.categories["processed-food"], stock=0)
    for stock in (-1, inventory.MAX_STOCK + 1):
        refused(
            InvalidInput,
            lambda s=stock: inventory.opening(product, s),
            "The stock is a whole number from 0 to 1,000,000.",
        )
    inventory.opening(product, inventory.MAX_STOCK)
    assert product.stock == inventory.MAX_STOCK


def test_a_transfer_of_nothing_is_refused_with_what_the_office_reads(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    for amount in (0, -5, 1.5):
        refused(
            InvalidInput,
            lambda a=amount: orders.receive_transfer(order, a),
            "The amount received must be positive.",
        )
    assert order.payments == []


def test_a_parcel_is_refunded_only_while_the_order_still_holds_money(catalog):
    order, _ = two_parcels(catalog)  # paid by transfer, both delivered
    first, second = order.parts
    orders.office_refund(order, orders.refundable(order) - 1, "late delivery")  # goodwill
    assert orders.refund_part(first, 1, "the last đồng the order holds") is False
    assert orders.part_refundable(second) == 0 and second.is_live
    refused(
        Conflict,
        lambda: orders.refund_part(second, 1, "more"),
        "Nothing is left to refund on this parcel.",
    )


def test_a_live_parcel_whose_cash_is_not_in_has_nothing_refundable(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    deliver(order.parts[0])
    assert order.parts[0].is_live and orders.part_refundable(order.parts[0]) == 0


def test_a_parcel_refunded_in_full_says_why_in_its_history(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    part = order.parts[0]
    deliver(part)
    assert orders.refund_part(part, None, "jar arrived broken") is True
    assert part.history[-1].reason == "jar arrived broken"


def test_a_failed_card_payment_leaves_the_order_open_for_another_try(catalog):
    from shop.models import Payment, PaymentState, Provider

    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    payment = Payment(order=order, provider=Provider.STRIPE, amount=order.total)
    db.session.add(payment)
    db.session.flush()
    orders.payment_closed(payment, PaymentState.FAILED, "card declined")
    assert payment.state is PaymentState.FAILED
    assert order.payment_status is orders.P.UNPAID and all(p.is_live for p in order.parts)


def test_a_transfer_without_a_hold_time_never_expires(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    assert order.expires_at is not None  # a card session is held 30 minutes
    orders.switch_method(order, M.VIETQR, {})  # a shop that sets no hold for transfers
    assert order.payment_method is M.VIETQR and order.expires_at is None


def test_stock_changes_are_refused_with_what_the_cooperative_reads(catalog):
    product = factories.product(catalog.viba, catalog.categories["processed-food"], stock=5)
    for delta in (0, 1.5, inventory.MAX_STOCK + 1):
        refused(
            InvalidInput,
            lambda d=delta: inventory.adjust(product, d, "count"),
            "Give a number of units to add or remove, other than 0.",
        )
    refused(
        Conflict,
        lambda: inventory.adjust(product, -6, "count"),
        "Only %(n)s in stock: you cannot remove %(k)s.",
        n=5,
        k=6,
    )
    refused(
        Conflict,
        lambda: inventory.adjust(product, inventory.MAX_STOCK, "count"),
        "Stock cannot go above 1,000,000.",
    )
    assert inventory.adjust(product, -5, "count") == 0  # the last units can be removed


def test_transfers_are_numbered_and_only_for_transfer_orders(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    first = orders.receive_transfer(order, 1_000)
    second = orders.receive_transfer(order, order.total - 1_000)
    assert [first.reference, second.reference] == [
        f"vietqr-{order.number}-1",
        f"vietqr-{order.number}-2",
    ]
    assert orders.received(order) == order.total
    assert order.parts[0].history[-1].reason == "payment received"
    cod = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    refused(
        Conflict,
        lambda: orders.receive_transfer(cod, 1_000),
        "Only bank-transfer orders can receive a transfer.",
    )


def test_a_negative_amount_from_a_provider_is_refused(catalog):
    from shop.models import Payment, Provider

    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.CARD, RULE, HOLDS)
    payment = Payment(order=order, provider=Provider.STRIPE, amount=order.total)
    db.session.add(payment)
    db.session.flush()
    refused(
        InvalidInput,
        lambda: orders.payment_received(payment, -1),
        "The amount received must be positive.",
    )
    assert order.amount_paid == 0


def test_orders_not_found_and_illegal_moves_say_so(catalog):
    refused(NotFound, lambda: orders.by_token("no-such-token"), "No such order.")
    refused(NotFound, lambda: orders.by_id(2**31 - 1), "No such order.")
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    part = order.parts[0]
    refused(
        orders.IllegalTransition,
        lambda: orders.transition(part, orders.S.DELIVERED),
        "An order part cannot go from %(a)s to %(b)s.",
        a=part.status.value,
        b="delivered",
    )
    refused(
        orders.IllegalTransition,
        lambda: orders.set_payment_status(order, orders.P.PAID),
        "An order's payment cannot go from %(a)s to %(b)s.",
        a=order.payment_status.value,
        b="paid",
    )


def test_a_refund_is_recorded_as_sent_once(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    orders.office_refund(order, 1_000, "late")
    refund = order.refunds[-1]
    orders.refund_sent(refund, "FT-123")
    assert refund.reference == "FT-123"
    refused(
        Conflict,
        lambda: orders.refund_sent(refund, "FT-124"),
        "This refund is already recorded as sent.",
    )


def test_an_empty_link_finds_no_order(catalog):
    refused(NotFound, lambda: orders.by_token(""), "No such order.")


def test_a_buyer_s_orders_are_their_own_newest_first(catalog):
    mine, theirs = (
        factories.user(email="mine@example.vn"),
        factories.user(email="theirs@example.vn"),
    )
    placed = [
        orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS, user_id=who.id)
        for who in (mine, theirs, mine)
    ]
    assert orders.of_user(mine.id) == [placed[2], placed[0]]
    assert orders.of_user(theirs.id) == [placed[1]]
