"""What each cooperative is owed: entries follow the facts of its parts, payouts never exceed
the balance, statements add up."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import BankAccount, BankAccountState, EntryKind, LedgerEntry, PartStatus
from shop.models import PaymentMethod as M
from shop.services import coop_ledger, orders, statement_pdf
from shop.services.errors import Conflict, InvalidInput
from shop.services.payments.cod import record_cash_received
from tests import factories
from tests.services.test_orders import HANOI, HOLDS, RULE


def entries(coop) -> dict[EntryKind, int]:
    rows = db.session.execute(
        sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.cooperative_id == coop.id)
        .group_by(LedgerEntry.kind)
    )
    return {kind: int(total) for kind, total in rows}


def deliver(part):
    for step in (PartStatus.PROCESSING, PartStatus.SHIPPED, PartStatus.DELIVERED):
        orders.transition(part, step)
    db.session.commit()


def paid_transfer(catalog, items):
    order = orders.place_order(items, HANOI, M.VIETQR, RULE, HOLDS)
    orders.receive_transfer(order, order.total)
    db.session.commit()
    return order


def test_fee_rounds_half_up():
    assert coop_ledger.fee(85_000, 500) == 4_250
    assert coop_ledger.fee(10_001, 500) == 500  # 500.05
    assert coop_ledger.fee(10_010, 500) == 501  # 500.5 rounds up
    assert coop_ledger.fee(0, 500) == 0
    assert coop_ledger.fee(4_999, 1) == 0  # 0.4999: the last đồng below the half


def test_a_paid_part_counts_only_once_delivered(catalog):
    order = paid_transfer(catalog, {catalog.banana.id: 2})
    part = order.parts[0]
    assert entries(catalog.viba) == {}  # paid, but not yet with the buyer
    deliver(part)
    assert entries(catalog.viba) == {
        EntryKind.SALE: part.total,  # goods 170,000 and the parcel's delivery fee
        EntryKind.FEE: -8_500,  # 5 % of the goods only
    }
    assert coop_ledger.balance(catalog.viba.id) == part.total - 8_500
    assert entries(catalog.thai_son) == {}
    # Running again writes nothing: the entries already say what the facts say.
    assert coop_ledger.sync(order) == 0


def test_cash_on_delivery_counts_when_the_courier_hands_the_cash_over(catalog):
    order = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    db.session.commit()
    part = order.parts[0]
    deliver(part)
    assert entries(catalog.thai_son) == {}
    record_cash_received(part)
    db.session.commit()
    assert entries(catalog.thai_son)[EntryKind.SALE] == part.total


def test_cash_is_recorded_only_for_a_delivered_cash_on_delivery_parcel(catalog):
    from tests.services.test_refusals import refused

    cash = orders.place_order({catalog.tea.id: 1}, HANOI, M.COD, RULE, HOLDS)
    card = paid_transfer(catalog, {catalog.banana.id: 1})
    deliver(card.parts[0])
    only = "Cash is recorded for delivered cash-on-delivery parts only."
    for part in (cash.parts[0], card.parts[0]):  # not yet delivered; not paid in cash
        refused(Conflict, lambda part=part: record_cash_received(part), only)
        assert part.cash_received_at is None
    assert entries(catalog.thai_son) == {}


def test_a_refund_after_delivery_takes_the_sale_back_and_returns_the_fee(catalog):
    order = paid_transfer(catalog, {catalog.banana.id: 1})
    deliver(order.parts[0])
    orders.office_refund(order, orders.refundable(order), "hàng hỏng")
    db.session.commit()
    assert order.parts[0].status is PartStatus.REFUNDED
    assert entries(catalog.viba) == {
        EntryKind.SALE: order.parts[0].total,
        EntryKind.REFUND: -order.parts[0].total,
        EntryKind.FEE: 0,
    }
    assert coop_ledger.balance(catalog.viba.id) == 0


def test_a_goodwill_refund_is_shared_by_the_delivered_parts(catalog):
    order = paid_transfer(catalog, {catalog.banana.id: 1, catalog.tea.id: 1})
    for part in order.parts:
        deliver(part)
    viba_part = next(p for p in order.parts if p.cooperative_id == catalog.viba.id)
    tea_part = next(p for p in order.parts if p.cooperative_id == catalog.thai_son.id)
    orders.office_refund(order, 30_001, "giao chậm")
    db.session.commit()
    shares = (
        -entries(catalog.viba)[EntryKind.REFUND],
        -entries(catalog.thai_son)[EntryKind.REFUND],
    )
    assert sum(shares) == 30_001
    worth = viba_part.total + tea_part.total
    assert shares[0] == 30_001 * viba_part.total // worth
    # The fee is charged on the goods kept, after the goodwill share.
    assert entries(catalog.thai_son)[EntryKind.FEE] == -coop_ledger.fee(
        min(tea_part.subtotal, tea_part.total - shares[1]), 500
    )


def test_goodwill_is_split_over_the_collected_parts_and_the_last_takes_the_remainder(catalog):
    """Three cooperatives' parcels, two delivered: the goodwill goes to those two in
    proportion to their totals, the last of them taking what rounding left."""
    third = factories.cooperative(name="HTX Ba", slug="ba")
    honey = factories.product(third, catalog.banana.category, price=30_000)
    order = paid_transfer(catalog, {catalog.banana.id: 1, catalog.tea.id: 1, honey.id: 1})
    first, second, pending = order.parts
    deliver(first)
    deliver(second)
    worth = first.total + second.total
    assert coop_ledger.goodwill_shares(order, 10_001) == {
        first.id: 10_001 * first.total // worth,
        second.id: 10_001 - 10_001 * first.total // worth,
    }
    assert pending.id not in coop_ledger.goodwill_shares(order, worth)
    assert coop_ledger.goodwill_shares(order, 1) == {first.id: 0, second.id: 1}
    assert coop_ledger.goodwill_shares(order, 0) == {}
    assert coop_ledger.goodwill_shares(order, worth + 5) == {  # never more than was paid
        first.id: first.total,
        second.id: second.total,
    }
    deliver(pending)
    shares = coop_ledger.goodwill_shares(order, 9_999)
    assert list(shares) == [first.id, second.id, pending.id] and sum(shares.values()) == 9_999
    whole = worth + pending.total
    assert shares[second.id] == 9_999 * second.total // whole  # only the last takes the rest
    assert shares[pending.id] == 9_999 - shares[first.id] - shares[second.id]


def test_a_part_not_yet_collected_owes_and_earns_nothing(catalog):
    order = paid_transfer(catalog, {catalog.banana.id: 1})
    zero = {EntryKind.SALE: 0, EntryKind.REFUND: 0, EntryKind.FEE: 0}
    assert coop_ledger.targets(order.parts[0], 0, 500) == zero


def test_a_part_cancelled_before_shipping_earns_nothing(catalog):
    order = paid_transfer(catalog, {catalog.banana.id: 1})
    orders.cancel_part(order.parts[0], "hết hàng")
    orders.settle(order, "part cancelled")
    db.session.commit()
    assert entries(catalog.viba) == {}


def sold_to_a_confirmed_account(catalog):
    """Viba delivered a paid parcel and has a confirmed payout account: (order, owed)."""
    order = paid_transfer(catalog, {catalog.banana.id: 2})
    deliver(order.parts[0])
    db.session.add(
        BankAccount(
            cooperative=catalog.viba,
            bank_bin="970405",
            account_number="3100205012345",
            account_name="HTX CHUOI VIBA",
            state=BankAccountState.CONFIRMED,
        )
    )
    db.session.commit()
    return order, coop_ledger.balance(catalog.viba.id)


@pytest.fixture
def owed_viba(catalog):
    return sold_to_a_confirmed_account(catalog)[1]


def test_payouts_never_exceed_what_is_owed(catalog, owed_viba):
    office = factories.user("admin")
    with pytest.raises(Conflict):
        coop_ledger.record_payout(catalog.viba, owed_viba + 1, today(), "FT1", office)
    with pytest.raises(InvalidInput):
        coop_ledger.record_payout(catalog.viba, 1_000, today(), "", office)
    coop_ledger.record_payout(catalog.viba, owed_viba - 1_000, today(), "FT26001", office)
    with pytest.raises(Conflict):
        coop_ledger.record_payout(catalog.viba, 1_001, today(), "FT26002", office)
    coop_ledger.record_payout(catalog.viba, 1_000, today(), "FT26002", office)
    db.session.commit()
    assert coop_ledger.balance(catalog.viba.id) == 0
    assert coop_ledger.overpaid() == []


def test_a_payout_keeps_its_date_reference_and_who_sent_it(catalog, owed_viba):
    from datetime import timedelta

    from tests.services.test_refusals import refused

    office = factories.user("admin")
    sent_on = today() - timedelta(days=2)
    ref = "FT" + "9" * 98  # the longest reference a bank statement line gives
    entry = coop_ledger.record_payout(catalog.viba, 1, sent_on, f"  {ref} ", office)
    assert (entry.amount, entry.paid_on, entry.reference) == (-1, sent_on, ref)
    assert entry.recorded_by_id == office.id and entry.kind is EntryKind.PAYOUT
    assert coop_ledger.entry_label(entry) == f"{ref} ({sent_on.isoformat()})"
    sales = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.part_id.is_not(None))).all()
    assert sales and all(coop_ledger.entry_label(e) == e.part.order.number for e in sales)
    left = owed_viba - 1
    for amount in (0, left + 1, 1.5):
        refused(
            Conflict,
            lambda a=amount: coop_ledger.record_payout(catalog.viba, a, sent_on, "FT2", office),
            "A payout is a whole number of đồng from 1 to %(n)s.",
            n=left,
        )
    for reference in ("", "   ", ref + "9"):
        refused(
            InvalidInput,
            lambda r=reference: coop_ledger.record_payout(catalog.viba, 1, sent_on, r, office),
            "Give the bank reference of the transfer (100 characters at most).",
        )
    assert coop_ledger.record_payout(catalog.viba, left, sent_on, "FT3", office).amount == -left
    refused(
        Conflict,
        lambda: coop_ledger.record_payout(catalog.viba, 1, sent_on, "FT4", office),
        "A payout is a whole number of đồng from 1 to %(n)s.",
        n=0,
    )


def test_no_payout_without_a_confirmed_account(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    deliver(order.parts[0])
    from tests.services.test_refusals import refused

    refused(
        Conflict,
        lambda: coop_ledger.record_payout(
            catalog.thai_son, 1_000, today(), "FT1", factories.user("admin")
        ),
        "This cooperative has no confirmed bank account.",
    )


def test_the_reconciliation_finds_a_payout_beyond_the_balance(catalog, owed_viba):
    db.session.add(
        LedgerEntry(
            cooperative_id=catalog.viba.id,
            kind=EntryKind.PAYOUT,
            amount=-(owed_viba + 5),
            paid_on=today(),
            reference="FT-WRONG",
        )
    )
    db.session.commit()
    [(coop, entry, after)] = coop_ledger.overpaid()
    assert (coop.id, entry.reference, after) == (catalog.viba.id, "FT-WRONG", -5)


def test_the_monthly_statement_adds_up_in_csv_and_pdf(catalog, owed_viba):
    office = factories.user("admin")
    coop_ledger.record_payout(catalog.viba, 50_000, today(), "=HYPERLINK(1)", office)
    db.session.commit()
    sheet = coop_ledger.statement(catalog.viba, today())
    assert sheet.opening == 0
    assert sheet.closing == owed_viba - 50_000 == coop_ledger.balance(catalog.viba.id)
    assert sheet.total(EntryKind.PAYOUT) == -50_000
    rows = coop_ledger.statement_csv(sheet).splitlines()
    assert rows[0] == "date,kind,order_or_reference,amount_vnd,balance_vnd"
    assert rows[-1] == f",closing,,,{owed_viba - 50_000}"
    assert any("'=HYPERLINK(1)" in row for row in rows)  # never run as a formula
    next_month = coop_ledger.statement(catalog.viba, today().replace(day=1) + timedelta(days=32))
    assert (next_month.opening, next_month.entries) == (sheet.closing, [])
    pdf = statement_pdf.render(sheet)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1_000


def test_sync_ledger_writes_what_an_upgrade_missed(catalog, runner):
    order = paid_transfer(catalog, {catalog.banana.id: 1})
    deliver(order.parts[0])
    db.session.execute(sa.delete(LedgerEntry))
    db.session.commit()
    result = runner.invoke(args=["sync-ledger"])
    assert "2 ledger entries written." in result.output
    assert runner.invoke(args=["sync-ledger"]).output.startswith("0 ledger entries")


@pytest.mark.parametrize("text", ["2026-13", "26-11", "2019-12", "2101-01", "2026/11", ""])
def test_a_statement_month_is_written_yyyy_mm_between_2020_and_2100(text):
    from tests.services.test_refusals import refused

    refused(InvalidInput, lambda: coop_ledger.parse_month(text), "A month is written YYYY-MM.")


def test_statement_months_are_the_months_with_entries_in_vietnam_time(catalog, owed_viba):
    from datetime import UTC, date, datetime

    coop_ledger.record_payout(catalog.viba, 1_000, today(), "FT1", factories.user("admin"))
    first, second, third = db.session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.cooperative_id == catalog.viba.id)
    ).all()[:3]
    first.created_at = datetime(2026, 10, 31, 17, 30, tzinfo=UTC)  # 1 November, 00:30 in Hà Nội
    second.created_at = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 31 October, 23:00
    third.created_at = datetime(2026, 9, 15, 3, 0, tzinfo=UTC)
    db.session.commit()
    assert coop_ledger.parse_month("2020-01") == date(2020, 1, 1)
    assert coop_ledger.parse_month("2100-12") == date(2100, 12, 1)
    assert coop_ledger.months(catalog.viba) == [date(2026, m, 1) for m in (11, 10, 9)]
    assert coop_ledger.months(catalog.thai_son) == []


def test_a_statement_month_runs_from_midnight_to_midnight_in_ha_noi(catalog, owed_viba):
    """Entries just either side of both midnights: each in its month, the opening balance
    everything before, the CSV dated in Hà Nội time with a running balance."""
    from datetime import UTC, date, datetime

    office = factories.user("admin")
    for reference in ("FT1", "FT2"):
        coop_ledger.record_payout(catalog.viba, 1_000, today(), reference, office)
    sale, fee, first, second = db.session.scalars(
        sa.select(LedgerEntry)
        .where(LedgerEntry.cooperative_id == catalog.viba.id)
        .order_by(LedgerEntry.id)
    ).all()
    sale.created_at = datetime(2026, 10, 31, 16, 59, 59, tzinfo=UTC)  # 31 Oct, 23:59:59
    fee.created_at = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # 1 Nov, 00:00 in Hà Nội
    first.created_at = datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC)  # 30 Nov, 23:59:59
    second.created_at = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 Dec, 00:00
    db.session.commit()

    sheet = coop_ledger.statement(catalog.viba, date(2026, 11, 17))
    assert sheet.month == date(2026, 11, 1)
    assert (sheet.opening, sheet.entries) == (sale.amount, [fee, first])
    assert sheet.closing == sale.amount + fee.amount - 1_000
    paid_on = today().isoformat()
    assert coop_ledger.statement_csv(sheet).splitlines() == [
        "date,kind,order_or_reference,amount_vnd,balance_vnd",
        f"2026-11-01,opening,,,{sale.amount}",
        f"2026-11-01,fee,{fee.part.order.number},{fee.amount},{sale.amount + fee.amount}",
        f"2026-11-30,payout,FT1 ({paid_on}),-1000,{sheet.closing}",
        f",closing,,,{sheet.closing}",
    ]
    december = coop_ledger.statement(catalog.viba, date(2026, 12, 1))
    assert (december.opening, december.entries) == (sheet.closing, [second])


def _sold(catalog, product) -> int:
    """One delivered, paid parcel of ``product``: what its cooperative is owed for it."""
    before = coop_ledger.balance(product.cooperative_id)
    deliver(paid_transfer(catalog, {product.id: 1}).parts[0])
    return coop_ledger.balance(product.cooperative_id) - before


def _paid_out(coop, amount: int, reference: str) -> None:
    """A payout written as it stands (the office's check would refuse one beyond the
    balance, which is what the reconciliation must find if it happens anyway)."""
    db.session.add(
        LedgerEntry(
            cooperative_id=coop.id,
            kind=EntryKind.PAYOUT,
            amount=-amount,
            paid_on=today(),
            reference=reference,
        )
    )
    db.session.commit()


def test_the_office_sees_balances_largest_first(catalog):
    third = factories.cooperative()
    honey = factories.product(third, catalog.categories["processed-food"])
    db.session.commit()
    # Balances whose order is neither the cooperatives' ids nor their reverse.
    for coop, product, target in (
        (catalog.viba, catalog.banana, 1_000),
        (catalog.thai_son, catalog.tea, 30_000),
        (third, honey, -5_000),
    ):
        _paid_out(coop, _sold(catalog, product) - target, f"FT-{coop.id}")
    rows = [(coop.id, amount) for coop, amount in coop_ledger.balances()]
    assert rows == [(catalog.thai_son.id, 30_000), (catalog.viba.id, 1_000), (third.id, -5_000)]


def test_overpaid_payouts_are_listed_by_cooperative_in_the_order_they_were_sent(catalog):
    """Running balances are summed entry by entry, per cooperative: a payout is overpaid by
    what was owed when it was sent, not by what came in after it."""
    assert catalog.viba.id < catalog.thai_son.id
    tea = _sold(catalog, catalog.tea)
    banana = _sold(catalog, catalog.banana)
    _paid_out(catalog.thai_son, tea + 2_000, "FT-TS")
    _paid_out(catalog.viba, banana + 5_000, "FT-V1")
    later = _sold(catalog, catalog.banana)  # came in after FT-V1, which was overpaid still
    _paid_out(catalog.viba, later - 4_000, "FT-V2")  # -5,000 + 4,000: still 1,000 over
    found = [(coop.id, entry.reference, after) for coop, entry, after in coop_ledger.overpaid()]
    assert found == [
        (catalog.viba.id, "FT-V1", -5_000),
        (catalog.viba.id, "FT-V2", -1_000),
        (catalog.thai_son.id, "FT-TS", -2_000),
    ]
