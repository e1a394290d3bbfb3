"""What each cooperative is owed, kept as ledger entries that follow the orders' facts.

A part earns its cooperative money once it reached the buyer and the shop holds the money:
card and VietQR parts when delivered (they are paid before they ship), cash-on-delivery parts
when the courier has handed the cash over. From that sale come refunds given back for the
part (all of it when the part is refunded, a share of an order's goodwill refund otherwise)
and the platform's fee on the goods. Goodwill given for one part (a complaint about its parcel)
is charged to that part alone. ``sync`` writes the difference between what the facts
say and what the entries already say, so it can run after any change, as often as needed;
it runs before every commit that touched an order. The office's payouts are entries too,
never more than the balance.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from shop.clock import VIETNAM
from shop.extensions import db
from shop.models import (
    Cooperative,
    EntryKind,
    LedgerEntry,
    Order,
    OrderPart,
    PartStatus,
    PaymentMethod,
    Refund,
    User,
)
from shop.services.errors import Conflict, InvalidInput
from shop.services.products import neutral

PENDING_ORDERS = "coop_ledger_orders"


# --- The rules: what a part is worth to its cooperative -----------------------------------------


def was_delivered(part: OrderPart) -> bool:
    if part.status is PartStatus.DELIVERED:
        return True
    return part.status is PartStatus.REFUNDED and any(
        change.to_status == PartStatus.DELIVERED.value for change in part.history
    )


def collected(part: OrderPart) -> bool:
    """The part reached its buyer and the shop holds its money."""
    if part.order.payment_method is PaymentMethod.COD:
        return part.cash_received_at is not None
    return was_delivered(part)


def fee(amount: int, basis_points: int) -> int:
    """The platform's fee on ``amount`` đồng, rounded to the nearest đồng (half up)."""
    return (amount * basis_points + 5_000) // 10_000


def goodwill_shares(order: Order, goodwill: int) -> dict[int, int]:
    """An order-level goodwill refund split over its collected, unrefunded parts in
    proportion to their totals; the last part takes the rounding remainder."""
    parts = [p for p in order.parts if collected(p) and p.status is not PartStatus.REFUNDED]
    worth = sum(p.total for p in parts)
    if not parts or worth == 0 or goodwill <= 0:
        return {}
    shares, left = {}, min(goodwill, worth)
    for part in parts[:-1]:
        shares[part.id] = min(left, min(goodwill, worth) * part.total // worth)
        left -= shares[part.id]
    shares[parts[-1].id] = left
    return shares


def targets(part: OrderPart, goodwill_share: int, basis_points: int) -> dict[EntryKind, int]:
    """What the part's entries must add up to, by kind."""
    if not collected(part):
        return {EntryKind.SALE: 0, EntryKind.REFUND: 0, EntryKind.FEE: 0}
    given_back = part.total if part.status is PartStatus.REFUNDED else goodwill_share
    goods_kept = max(min(part.subtotal, part.total - given_back), 0)
    return {
        EntryKind.SALE: part.total,
        EntryKind.REFUND: -given_back,
        EntryKind.FEE: -fee(goods_kept, basis_points),
    }


# --- Keeping the entries in line with the facts ------------------------------------------------


def sync(order: Order, basis_points: int | None = None) -> int:
    """Write the entries that bring the order's parts in line; the number written."""
    if not any(collected(part) for part in order.parts):
        return 0  # nothing earned, so nothing was ever written either
    if basis_points is None:
        basis_points = current_app.config["PLATFORM_FEE_BASIS_POINTS"]
    from shop.services import orders

    shares = goodwill_shares(order, orders.goodwill(order))
    recorded = _recorded([part.id for part in order.parts])
    written = 0
    for part in order.parts:
        given = min(shares.get(part.id, 0) + orders.part_goodwill(part), part.total)
        for kind, target in targets(part, given, basis_points).items():
            difference = target - recorded.get((part.id, kind), 0)
            if difference:
                db.session.add(
                    LedgerEntry(
                        cooperative_id=part.cooperative_id,
                        part_id=part.id,
                        kind=kind,
                        amount=difference,
                    )
                )
                written += 1
    return written


def _recorded(part_ids: list[int]) -> dict[tuple[int, EntryKind], int]:
    rows = db.session.execute(
        sa.select(LedgerEntry.part_id, LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.part_id.in_(part_ids))
        .group_by(LedgerEntry.part_id, LedgerEntry.kind)
    )
    return {(part_id, kind): int(total) for part_id, kind, total in rows}


def _note_orders(session: Session, flush_context) -> None:
    """After a flush: remember the orders whose parts, refunds or payments changed."""
    pending = session.info.setdefault(PENDING_ORDERS, set())
    for item in (*session.new, *session.dirty):
        if isinstance(item, OrderPart | Refund) and item.order_id is not None:
            pending.add(item.order_id)
        elif isinstance(item, Order) and item.id is not None:
            pending.add(item.id)


def _sync_before_commit(session: Session) -> None:
    from flask import has_app_context

    if not has_app_context():
        return
    session.flush()  # the commit's own flush comes after this hook: notes the last changes
    pending = session.info.pop(PENDING_ORDERS, None)
    if not pending:
        return
    for order_id in sorted(pending):
        order = session.get(Order, order_id)  # in the session already: no query
        if order is not None:
            sync(order)
    session.flush()
    session.info.pop(PENDING_ORDERS, None)


def _forget(session: Session, *args) -> None:
    session.info.pop(PENDING_ORDERS, None)


def register_ledger() -> None:
    """Every commit that touched an order brings its cooperatives' entries in line."""
    if not sa.event.contains(Session, "after_flush", _note_orders):
        sa.event.listen(Session, "after_flush", _note_orders)
        sa.event.listen(Session, "before_commit", _sync_before_commit)
        sa.event.listen(Session, "after_soft_rollback", _forget)


# --- Balances and payouts ---------------------------------------------------------------------


def balance(cooperative_id: int, before: datetime | None = None) -> int:
    """What the shop owes the cooperative (negative: what it owes the shop)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.cooperative_id == cooperative_id
    )
    if before is not None:
        query = query.where(LedgerEntry.created_at < before)
    return int(db.session.scalar(query))


def balances() -> list[tuple[Cooperative, int]]:
    """Every cooperative with entries, and its balance, largest first."""
    total = sa.func.sum(LedgerEntry.amount).label("total")
    rows = db.session.execute(
        sa.select(Cooperative, total)
        .join(LedgerEntry, LedgerEntry.cooperative_id == Cooperative.id)
        .group_by(Cooperative.id)
        .order_by(total.desc())
        .options(selectinload(Cooperative.bank_accounts))
    )
    return [(coop, int(amount)) for coop, amount in rows]


def record_payout(
    coop: Cooperative, amount: int, paid_on: date, reference: str, by: User
) -> LedgerEntry:
    """The office sent ``amount`` đồng to the cooperative's confirmed account. Never more than
    it is owed: the cooperative's row is locked so that two payouts cannot both pass."""
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise InvalidInput(_l("Give the bank reference of the transfer (100 characters at most)."))
    if coop.bank_account is None:
        raise Conflict(_l("This cooperative has no confirmed bank account."))
    db.session.execute(sa.select(Cooperative.id).where(Cooperative.id == coop.id).with_for_update())
    owed = balance(coop.id)
    if not isinstance(amount, int) or not 1 <= amount <= owed:
        raise Conflict(_l("A payout is a whole number of đồng from 1 to %(n)s.", n=max(owed, 0)))
    entry = LedgerEntry(
        cooperative_id=coop.id,
        kind=EntryKind.PAYOUT,
        amount=-amount,
        paid_on=paid_on,
        reference=reference,
        recorded_by_id=by.id,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def overpaid() -> list[tuple[Cooperative, LedgerEntry, int]]:
    """Payouts after which a cooperative's balance was below zero (paid more than owed):
    the reconciliation's check of payouts. Refunds after a payout may still take a balance
    below zero; that is money the cooperative owes back, not an overpayment."""
    found = []
    entries = db.session.scalars(
        sa.select(LedgerEntry).order_by(LedgerEntry.cooperative_id, LedgerEntry.id)
    )
    running: dict[int, int] = {}
    for entry in entries:
        running[entry.cooperative_id] = running.get(entry.cooperative_id, 0) + entry.amount
        if entry.kind is EntryKind.PAYOUT and running[entry.cooperative_id] < 0:
            found.append((entry.cooperative, entry, running[entry.cooperative_id]))
    return found


# --- Monthly statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    cooperative: Cooperative
    month: date  # the first day of the month, Vietnam time
    opening: int
    entries: list[LedgerEntry]
    closing: int

    def total(self, kind: EntryKind | str) -> int:
        return sum(e.amount for e in self.entries if e.kind == kind)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime.combine(month.replace(day=1), time(0), VIETNAM)
    following = (month.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start, datetime.combine(following, time(0), VIETNAM)


def parse_month(text: str) -> date:
    try:
        month = datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise InvalidInput(_l("A month is written YYYY-MM.")) from error
    if not 2020 <= month.year <= 2100:
        raise InvalidInput(_l("A month is written YYYY-MM."))
    return month


def statement(coop: Cooperative, month: date) -> Statement:
    start, end = month_bounds(month)
    entries = list(
        db.session.scalars(
            sa.select(LedgerEntry)
            .where(
                LedgerEntry.cooperative_id == coop.id,
                LedgerEntry.created_at >= start,
                LedgerEntry.created_at < end,
            )
            .order_by(LedgerEntry.created_at, LedgerEntry.id)
            .options(selectinload(LedgerEntry.part).selectinload(OrderPart.order))
        )
    )
    opening = balance(coop.id, before=start)
    return Statement(
        coop, month.replace(day=1), opening, entries, opening + sum(e.amount for e in entries)
    )


def months(coop: Cooperative) -> list[date]:
    """The months that have entries, newest first (for the statement picker)."""
    stamps = db.session.scalars(
        sa.select(LedgerEntry.created_at).where(LedgerEntry.cooperative_id == coop.id)
    )
    return sorted({s.astimezone(VIETNAM).date().replace(day=1) for s in stamps}, reverse=True)


def entry_label(entry: LedgerEntry) -> str:
    if entry.kind is EntryKind.PAYOUT:
        return f"{entry.reference} ({entry.paid_on.isoformat() if entry.paid_on else ''})"
    return entry.part.order.number or "" if entry.part else ""


def statement_csv(sheet: Statement) -> str:
    """The statement as CSV: one row per entry, then the totals; numbers in whole đồng."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "kind", "order_or_reference", "amount_vnd", "balance_vnd"])
    running = sheet.opening
    writer.writerow([sheet.month.isoformat(), "opening", "", "", running])
    for entry in sheet.entries:
        running += entry.amount
        writer.writerow(
            [
                entry.created_at.astimezone(VIETNAM).date().isoformat(),
                entry.kind.value,
                neutral(entry_label(entry)),
                entry.amount,
                running,
            ]
        )
    writer.writerow(["", "closing", "", "", sheet.closing])
    return out.getvalue()
