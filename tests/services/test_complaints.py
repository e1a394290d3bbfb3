"""Money of one parcel: goodwill tied to a part, then a full refund of that part, adds up;
order-level goodwill is still shared; cash not yet handed over cannot be refunded."""

import pytest

from shop.models import EntryKind, PartStatus, RefundKind
from shop.models import PaymentMethod as M
from shop.services import coop_ledger, orders, reconcile
from shop.services.errors import Conflict, InvalidInput
from tests.services.test_coop_ledger import deliver, entries, paid_transfer
from tests.services.test_orders import HANOI, HOLDS, RULE


def two_parcels(catalog):
    order = paid_transfer(catalog, {catalog.banana.id: 1, catalog.tea.id: 1})
    for part in order.parts:
        deliver(part)
    viba = next(p for p in order.parts if p.cooperative_id == catalog.viba.id)
    return order, viba


def test_part_goodwill_then_a_full_refund_gives_back_exactly_the_part(catalog):
    order, viba = two_parcels(catalog)
    paid = orders.received(order)
    assert orders.refund_part(viba, 10_000, "complaint #1") is False
    assert reconcile.money_problems(order) == []
    assert order.refunds[-1].part_id == viba.id and order.refunds[-1].kind is RefundKind.GOODWILL
    assert orders.part_refundable(viba) == viba.total - 10_000
    with pytest.raises(InvalidInput):
        orders.refund_part(viba, viba.total, "too much")
    assert orders.refund_part(viba, None, "returned") is True
    assert viba.status is PartStatus.REFUNDED
    assert orders.refunded(order) == viba.total  # 10,000 then the rest, never more
    assert orders.received(order) - orders.refunded(order) == paid - viba.total
    coop_ledger.sync(order)
    assert entries(catalog.viba)[EntryKind.REFUND] == -viba.total
    assert EntryKind.REFUND not in entries(catalog.thai_son)
    assert reconcile.money_problems(order) == [] and reconcile.status_problems(order) == []


def test_order_level_goodwill_is_still_shared(catalog):
    order, _ = two_parcels(catalog)
    orders.office_refund(order, 20_000, "giao chậm")
    coop_ledger.sync(order)
    shares = -entries(catalog.viba)[EntryKind.REFUND], -entries(catalog.thai_son)[EntryKind.REFUND]
    assert sum(shares) == 20_000 and all(shares)


def test_cash_not_handed_over_cannot_be_refunded_yet(catalog):
    from flask_babel import gettext

    from shop.services.payments.cod import record_cash_received

    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    part = order.parts[0]
    deliver(part)
    with pytest.raises(Conflict) as refused:
        orders.refund_part(part, 1_000, "complaint")
    assert str(refused.value) == gettext(
        "The cash for this parcel is not recorded as received yet: "
        "record it on the Orders page first."
    )
    record_cash_received(part)  # the courier hands the cash over: now it can go back
    assert orders.refund_part(part, 1_000, "complaint") is False
    assert orders.refunded(order) == 1_000 and reconcile.money_problems(order) == []


WHOLE_DONG = "The refund must be a whole number of đồng from 1 to %(n)s."


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        (1_000, None, "Give a reason for the refund."),
        (1_000, "   ", "Give a reason for the refund."),
        (0, "complaint", WHOLE_DONG),
        (1.5, "complaint", WHOLE_DONG),
        ("all", "complaint", WHOLE_DONG),
    ],
)
def test_a_refund_of_a_part_is_refused_with_a_reason_and_gives_nothing_back(
    catalog, amount, reason, message
):
    from flask_babel import gettext

    order, viba = two_parcels(catalog)
    left = orders.part_refundable(viba)
    with pytest.raises(InvalidInput) as error:
        orders.refund_part(viba, amount, reason)
    assert str(error.value) == gettext(message, n=left)  # what the cooperative reads
    assert orders.refunded(order) == 0 and viba.status is PartStatus.DELIVERED


def test_a_part_refunded_in_full_is_not_refunded_again(catalog):
    from flask_babel import gettext

    order, viba = two_parcels(catalog)
    assert orders.refund_part(viba, None, "returned") is True
    with pytest.raises(Conflict) as error:
        orders.refund_part(viba, 1_000, "again")
    assert str(error.value) == gettext("Only a delivered parcel can be refunded this way.")
    assert orders.refunded(order) == viba.total
