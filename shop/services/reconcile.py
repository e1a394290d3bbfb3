"""Reconciliation: orders whose payments, refunds, parts and stock disagree.

An order is in order when:
- the money received less refunded equals what the shop may keep (``orders.keeps``);
  an order awaiting payment may hold less than its live parts are worth, never more;
- its parts' statuses agree with its payment status;
- each payment's refunds do not exceed what it brought, and ``amount_paid`` is their sum;
- the stock ledger shows each live part holding exactly its lines, and each
  cancelled part holding nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop.extensions import db
from shop.models import (
    Order,
    OrderPart,
    PartStatus,
    Payment,
    PaymentStatus,
    StockMovement,
)
from shop.services import orders

P, S = PaymentStatus, PartStatus
BATCH = 500


@dataclass(frozen=True)
class Mismatch:
    order: Order
    problems: list[str]


def money_problems(order: Order) -> list[str]:
    problems = []
    net = orders.received(order) - orders.refunded(order)
    if order.payment_status is P.UNPAID:
        if not 0 <= net < order.amount_due:
            problems.append(f"awaiting payment but holds {net} of {order.amount_due} đồng")
    elif net != orders.keeps(order):
        problems.append(f"holds {net} đồng but may keep {orders.keeps(order)}")
    paid = sum(p.amount_received for p in order.payments)
    if paid != order.amount_paid:
        problems.append(f"amount_paid {order.amount_paid} but payments brought {paid}")
    for payment in order.payments:
        back = sum(r.amount for r in payment.refunds)
        if back > payment.amount_received:
            problems.append(f"payment {payment.id} refunded {back} of {payment.amount_received}")
    return problems


def status_problems(order: Order) -> list[str]:
    live = [p for p in order.parts if p.is_live]
    pending = [p for p in live if p.status is S.PENDING_PAYMENT]
    status = order.payment_status
    if status is P.UNPAID and len(pending) != len(live):
        return ["awaiting payment, yet some parts went ahead"]
    if status in (P.PAID, P.ON_DELIVERY) and pending:
        return [f"payment {status.value}, yet parts still wait for payment"]
    if status in (P.EXPIRED, P.FAILED, P.REFUNDED) and live:
        return [f"payment {status.value}, yet {len(live)} parts are still live"]
    return []


def stock_problems(order: Order, ledger: dict[int, dict[int, int]]) -> list[str]:
    problems = []
    for part in order.parts:
        wanted: dict[int, int] = defaultdict(int)
        if not part.stock_returned:
            for line in part.lines:
                if line.product_id is not None:
                    wanted[line.product_id] += line.quantity
        held = {pid: qty for pid, qty in ledger.get(part.id, {}).items() if qty}
        if held != dict(wanted):
            problems.append(f"part {part.id} holds {held or 'nothing'}, should hold {dict(wanted)}")
        if part.status is S.CANCELLED and not part.stock_returned:
            problems.append(f"part {part.id} is cancelled but keeps its stock")
    return problems


def check(order: Order, ledger: dict[int, dict[int, int]] | None = None) -> list[str]:
    """Everything wrong with one order (empty when it reconciles)."""
    if ledger is None:
        ledger = _ledger([p.id for p in order.parts])
    return money_problems(order) + status_problems(order) + stock_problems(order, ledger)


def _ledger(part_ids: list[int]) -> dict[int, dict[int, int]]:
    """Units each part holds according to the stock ledger, per product."""
    held: dict[int, dict[int, int]] = defaultdict(dict)
    if not part_ids:
        return held
    rows = db.session.execute(
        sa.select(StockMovement.part_id, StockMovement.product_id, sa.func.sum(StockMovement.delta))
        .where(StockMovement.part_id.in_(part_ids))
        .group_by(StockMovement.part_id, StockMovement.product_id)
    ).all()
    for part_id, product_id, total in rows:
        held[part_id][product_id] = -int(total)
    return held


def find(limit: int = 200, scan: int | None = None) -> list[Mismatch]:
    """Orders that do not reconcile, newest first, checked in batches: all of them, or the
    newest ``scan`` (the office's page looks at recent orders; ``flask reconcile`` at all)."""
    found: list[Mismatch] = []
    last_id = None
    scanned = 0
    while len(found) < limit and (scan is None or scanned < scan):
        query = (
            sa.select(Order)
            .order_by(Order.id.desc())
            .limit(BATCH)
            .options(
                selectinload(Order.parts).selectinload(OrderPart.lines),
                selectinload(Order.payments).selectinload(Payment.refunds),
                selectinload(Order.refunds),
            )
        )
        if last_id is not None:
            query = query.where(Order.id < last_id)
        batch = db.session.scalars(query).all()
        if not batch:
            break
        ledger = _ledger([part.id for order in batch for part in order.parts])
        for order in batch:
            problems = check(order, ledger)
            if problems:
                found.append(Mismatch(order, problems))
        last_id = batch[-1].id
        scanned += len(batch)
    return found[:limit]
