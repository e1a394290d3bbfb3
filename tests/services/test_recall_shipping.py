"""Which lot a parcel carries: only lots that may go out (not recalled, not past their
best-before date), the first to expire first, the lot used last by default; and a lot that
may not go out refused with its code, word for word."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shop.clock import today
from shop.extensions import db
from shop.models import PaymentMethod as M
from shop.services import orders, recalls
from shop.services.errors import Conflict, InvalidInput
from tests import factories
from tests.services.test_orders import HANOI, HOLDS, RULE
from tests.services.test_refusals import refused


def lot(product, code: str, best_before, recalled: bool = False):
    made = factories.lot(product, code)
    made.best_before, made.recalled = best_before, recalled
    db.session.commit()
    return made


@pytest.fixture
def lots(catalog):
    """Tea lots in every state, and a banana lot that must never be offered for tea."""
    day = today()
    made = {
        "later": lot(catalog.tea, "L-30", day + timedelta(days=30)),
        "tie_b": lot(catalog.tea, "L-10B", day + timedelta(days=10)),
        "soon": lot(catalog.tea, "L-10", day + timedelta(days=10)),
        "open": lot(catalog.tea, "L-NONE", None),
        "today": lot(catalog.tea, "L-0", day),
        "past": lot(catalog.tea, "L-PAST", day - timedelta(days=1)),
        "recalled": lot(catalog.tea, "L-RECALL", day + timedelta(days=5), recalled=True),
        "banana": lot(catalog.banana, "B-1", day + timedelta(days=2)),
    }
    return made


def test_lots_that_may_ship_first_to_expire_first(catalog, lots):
    """Its last day is still a shipping day; a lot with no date goes after the dated ones."""
    codes = [found.code for found in recalls.shippable_lots(catalog.tea.id)]
    assert codes == ["L-0", "L-10B", "L-10", "L-30", "L-NONE"]


def test_the_lot_used_last_is_the_default_while_it_may_still_ship(catalog, lots):
    def ship(chosen) -> None:
        order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
        [line] = order.parts[0].lines
        recalls.record_shipment(order.parts[0], {line.id: chosen.id})

    assert recalls.default_lot(catalog.tea.id) is lots["today"]  # none shipped yet
    ship(lots["later"])
    ship(lots["soon"])
    assert recalls.default_lot(catalog.tea.id) is lots["soon"]  # the last one used
    ship(lots["later"])
    assert recalls.default_lot(catalog.tea.id) is lots["later"]  # whatever its place or date
    ship(lots["soon"])
    lots["soon"].recalled = True
    assert recalls.default_lot(catalog.tea.id) is lots["today"]  # the first to expire
    choice = recalls.ship_choice(catalog.tea.id)
    assert choice == (recalls.shippable_lots(catalog.tea.id), lots["today"])
    assert recalls.ship_choice(catalog.longan.id) is None  # no lots at all


def test_a_product_without_lots_ships_without_one_beside_one_that_has_them(catalog, lots):
    plain = factories.product(catalog.viba, catalog.banana.category)
    db.session.commit()
    order = orders.place_order({plain.id: 1, catalog.banana.id: 1}, HANOI, M.COD, RULE, HOLDS)
    [part] = order.parts
    first, second = sorted(part.lines, key=lambda line: line.id)
    assert first.product_id == plain.id  # the line without lots comes first
    recalls.record_shipment(part, {})
    assert [s.lot_id for s in first.shipped_lots] == []
    assert [s.lot_id for s in second.shipped_lots] == [lots["banana"].id]


def test_a_lot_that_may_not_ship_is_refused_with_its_code(catalog, lots):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    [part] = order.parts
    [line] = part.lines
    for wrong in (lots["banana"].id, 10**6):
        refused(
            InvalidInput,
            lambda w=wrong: recalls.record_shipment(part, {line.id: w}),
            "Choose a lot of %(name)s.",
            name=line.name,
        )
    refused(
        Conflict,
        lambda: recalls.record_shipment(part, {line.id: lots["recalled"].id}),
        "Lot %(code)s is recalled and cannot be shipped.",
        code="L-RECALL",
    )
    refused(
        Conflict,
        lambda: recalls.record_shipment(part, {line.id: lots["past"].id}),
        "Lot %(code)s is past its best-before date and cannot be shipped.",
        code="L-PAST",
    )
    for key in ("later", "tie_b", "soon", "open", "today"):
        lots[key].recalled = True
    refused(
        Conflict,
        lambda: recalls.record_shipment(part, {}),
        "No lot of %(name)s can be shipped: every lot is past its best-before date or recalled.",
        name=line.name,
    )
    assert line.shipped_lots == []


def test_a_recall_s_reach_counts_parcels_and_buyers_whatever_the_case_of_their_email(catalog, lots):
    """Three parcels of the lot went to two buyers (one wrote her address in capitals the
    second time); the office reads 3 parcels, 2 buyers, as many as were told."""

    def ship(email: str) -> None:
        order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
        order.email = email
        [line] = order.parts[0].lines
        recalls.record_shipment(order.parts[0], {line.id: lots["soon"].id})

    for email in ("an@example.vn", "An@Example.vn", "binh@example.vn"):
        ship(email)
    banana = orders.place_order({catalog.banana.id: 1}, HANOI, M.COD, RULE, HOLDS)
    recalls.record_shipment(banana.parts[0], {})  # another lot: not reached
    older = recalls.start(lots["banana"], "Nấm mốc", "Đừng ăn.", "0912345678", None)
    recall = recalls.start(
        lots["soon"], "Nấm mốc", "Đừng ăn, gọi cho chúng tôi.", "0912345678", None
    )
    older.started_at = recall.started_at - timedelta(hours=1)
    assert recall.buyers_notified == 2
    reach = {r.recall: (r.parts, r.buyers) for r in recalls.open_recalls()}
    assert reach == {recall: (3, 2), older: (1, 1)}
    assert [r.recall for r in recalls.open_recalls()] == [recall, older]  # newest first
    assert recalls.open_for_product(catalog.tea) == [recall]
    second = recalls.start(lots["later"], "Nấm mốc", "Đừng ăn.", "0912345678", None)
    second.started_at = recall.started_at + timedelta(minutes=5)
    assert recalls.open_for_product(catalog.tea) == [second, recall]  # newest first
    recalls.close(second, "Lô này không sao.", None)
    recalls.close(older, "Đã thu hồi hết.", None)
    assert recalls.open_for_product(catalog.banana) == []
    assert [r.recall for r in recalls.open_recalls()] == [recall]


def test_a_recall_is_started_and_closed_only_with_what_shoppers_read(catalog, lots):
    target = lots["later"]
    needed = "Say why, what buyers should do, and whom they can contact: all three are shown."
    too_long = "The reason, instructions or contact is too long."
    full = {"reason": "Nấm mốc", "instructions": "Đừng ăn.", "contact": "0912345678"}
    limits = {"reason": 500, "instructions": 1000, "contact": 200}
    for field in full:
        refused(
            InvalidInput,
            lambda f=field: recalls.start(target, **full | {f: "  "}, by_id=None),
            needed,
        )
        refused(
            InvalidInput,
            lambda f=field: recalls.start(target, **full | {f: "x" * (limits[f] + 1)}, by_id=None),
            too_long,
        )
    assert target.open_recall is None and not target.recalled
    at_the_limits = {field: "x" * limit for field, limit in limits.items()}
    office = factories.user("admin")
    recall = recalls.start(target, **at_the_limits, by_id=office.id)
    assert target.recalled and catalog.tea.sales_paused_at is not None
    assert recall.started_by_id == office.id
    refused(
        Conflict,
        lambda: recalls.start(target, **full, by_id=None),
        "This lot is already being recalled.",
    )
    for resolution, message in (
        (" ", "Say how the recall was resolved; shoppers will read it."),
        ("x" * 1001, "The resolution is too long."),
    ):
        refused(InvalidInput, lambda r=resolution: recalls.close(recall, r, None), message)
    assert recall.is_open
    recalls.close(recall, "x" * 1000, None)
    refused(
        Conflict, lambda: recalls.close(recall, "again", None), "This recall is already closed."
    )
    assert not target.recalled and target.recall_reason == ""
    recalls.resume_sales(catalog.tea)
    refused(
        Conflict,
        lambda: recalls.resume_sales(catalog.tea),
        "Sales of this product are not paused.",
    )
