"""Command-line tasks: ``flask --app wsgi seed-demo`` and friends. One commit per command."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask import Flask, current_app
from reportlab.lib.units import mm

from shop import transaction
from shop.extensions import db
from shop.models import Order
from shop.services import (
    coop_ledger,
    demo,
    labels,
    orders,
    outbox,
    ratings,
    reconcile,
    tracing,
)
from shop.services.errors import DomainError
from shop.services.payments.vietqr import mark_transfer_received


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(labels_command)
    app.cli.add_command(scans_command)
    app.cli.add_command(release_expired_command)
    app.cli.add_command(mark_paid_command)
    app.cli.add_command(expire_ratings_command)
    app.cli.add_command(reconcile_command)
    app.cli.add_command(sync_ledger_command)
    app.cli.add_command(warn_expiring_command)
    app.cli.add_command(remind_complaints_command)
    app.cli.add_command(seed_policies_command)
    app.cli.add_command(enforce_retention_command)
    app.cli.add_command(outbox_command)
    app.cli.add_command(prepare_search_words_command)


@click.command("seed-demo")
@click.option(
    "--synthetic",
    type=click.IntRange(min=0),
    default=0,
    help="Also make sure this many generated products exist (for scale work).",
)
@click.option(
    "--synthetic-lots",
    type=click.IntRange(min=0),
    default=0,
    help="Also give this many generated products a lot, its journey and 3 serials.",
)
def seed_demo_command(synthetic: int, synthetic_lots: int) -> None:
    """Load the demo cooperatives and products (safe to run again)."""
    if current_app.config["SHOP_CONFIG"] == "production":
        raise click.ClickException("seed-demo refuses to run with the production configuration.")
    started = time.perf_counter()
    count = demo.seed_demo()
    ratings.expire_lapsed()
    accounts = demo.seed_accounts()
    db.session.commit()
    click.echo(f"Demo catalog ready: {count} producers.")
    click.echo("Demo accounts (email / password / role):")
    for email, password, role in accounts[:3]:
        click.echo(f"  {email} / {password} / {role}")
    click.echo(
        f"  ... and one member account per cooperative: <cooperative-slug>@ocop.example.vn"
        f" / {accounts[0][1]}"
    )
    if synthetic:
        added = demo.seed_synthetic(synthetic)
        db.session.commit()
        click.echo(f"Synthetic products: {added} added, {synthetic} wanted.")
    if synthetic_lots:
        added = demo.seed_synthetic_lots(synthetic_lots)
        db.session.commit()
        click.echo(f"Synthetic lots: {added} added, {synthetic_lots} wanted.")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")


def _lot(gtin: str, lot_code: str):
    try:
        product = tracing.product_by_gtin(gtin)
        return tracing.lot_of(product, lot_code)
    except DomainError as error:
        raise click.ClickException(str(error)) from error


@click.command("labels")
@click.argument("gtin")
@click.argument("lot_code")
@click.option(
    "--count",
    type=click.IntRange(1, tracing.MAX_UNITS_PER_CALL),
    required=True,
    help="How many packages to label: each gets a new serial.",
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--grid", default="3x8", show_default=True, help="Columns x rows on A4.")
@click.option("--label-size", default="70x37", show_default=True, help="Width x height in mm.")
@click.option(
    "--ec",
    type=click.Choice(["M", "Q"]),
    default="M",
    show_default=True,
    help="QR error correction: Q for labels that get scuffed.",
)
def labels_command(gtin, lot_code, count, out, grid, label_size, ec) -> None:
    """Print a PDF sheet of QR labels for COUNT new packages of a lot."""
    lot = _lot(gtin, lot_code)
    try:
        columns, rows = (int(n) for n in grid.lower().split("x"))
        width, height = (float(n) for n in label_size.lower().split("x"))
        sheet = labels.Sheet(columns, rows, width * mm, height * mm)
        units = tracing.generate_units(lot, count)
        pdf = labels.render_sheet(
            lot, units, current_app.config["PUBLIC_BASE_URL"], sheet, ec, parallel=True
        )
    except (ValueError, DomainError) as error:
        db.session.rollback()
        raise click.ClickException(str(error) or "Use the form 3x8 and 70x37.") from error
    with open(out, "wb") as file:
        file.write(pdf)
    db.session.commit()  # the serials exist only once their labels are written
    click.echo(f"{count} labels for lot {lot.code} written to {out}.")


@click.command("scans")
@click.argument("gtin")
@click.argument("lot_code")
def scans_command(gtin, lot_code) -> None:
    """How often a lot's packages were scanned, and where unusual serials were scanned."""
    lot = _lot(gtin, lot_code)
    threshold = current_app.config["SCAN_WARNING_THRESHOLD"]
    total, units, unusual = tracing.lot_scan_report(lot, threshold)
    click.echo(f"Lot {lot.code}: {total} scans of {units} packages.")
    for item in unusual:
        click.echo(f"  {item.serial}: {item.scans} scans from {', '.join(item.networks)}")


@click.command("release-expired")
@click.option(
    "--minutes-ahead",
    type=int,
    default=0,
    hidden=True,
    help="Pretend the clock is this many minutes ahead (for drills and tests).",
)
def release_expired_command(minutes_ahead: int) -> None:
    """Cancel unpaid card and transfer orders whose hold ran out, returning their stock."""
    from datetime import timedelta

    from shop.clock import utcnow

    released = orders.release_expired(now=utcnow() + timedelta(minutes=minutes_ahead))
    transaction.commit()
    click.echo(f"{released} expired orders released.")


@click.command("mark-paid")
@click.argument("number")
@click.argument("amount", type=click.IntRange(min=1))
def mark_paid_command(number: str, amount: int) -> None:
    """Record a VietQR transfer of AMOUNT đồng seen on the bank statement for order NUMBER."""
    try:
        order = orders.by_number(number)
        mark_transfer_received(order, amount)
    except DomainError as error:
        transaction.rollback()
        raise click.ClickException(str(error)) from error
    transaction.commit()
    missing = order.amount_missing
    click.echo(
        f"Order {number}: {amount} đồng received"
        + (f", {missing} đồng still missing." if missing else f"; payment {order.payment_status}.")
    )


@click.command("expire-ratings")
def expire_ratings_command() -> None:
    """Stop sorting products by ratings that lapsed (run daily, after midnight in Vietnam)."""
    lapsed = ratings.expire_lapsed()
    db.session.commit()
    click.echo(f"{lapsed} products lost their lapsed OCOP stars.")


@click.command("prepare-search-words")
def prepare_search_words_command() -> None:
    """Build the words misspelt searches are corrected to (every few minutes, where no
    Celery beat does it; a request never builds them when a worker runs)."""
    from shop import fragments

    click.echo(f"{fragments.prepare_search_words()} words kept for spelling corrections.")


@click.command("reconcile")
def reconcile_command() -> None:
    """List orders whose payments, refunds, parts and stock disagree; exit 1 if any."""
    mismatches = reconcile.find(limit=10_000)
    for mismatch in mismatches:
        click.echo(f"{mismatch.order.number}: " + "; ".join(mismatch.problems))
    click.echo(f"{len(mismatches)} orders do not reconcile.")
    overpaid = coop_ledger.overpaid()
    for coop, entry, after in overpaid:
        click.echo(f"{coop.name}: payout {entry.reference} left a balance of {after} đồng")
    click.echo(f"{len(overpaid)} payouts exceed what was owed.")
    if mismatches or overpaid:
        raise SystemExit(1)


@click.command("seed-policies")
def seed_policies_command() -> None:
    """Publish bundled policies not published yet, or changed and never edited by the office
    (safe to run again; run it after an upgrade)."""
    from shop.services import policies

    count = policies.seed()
    transaction.commit()
    click.echo(f"{count} policies published.")


@click.command("warn-expiring")
def warn_expiring_command() -> None:
    """Tell cooperatives of certificates and ratings lapsing in 60 or 7 days (run daily)."""
    from shop.clock import today
    from shop.services.notify.events import warn_expiring

    sent = warn_expiring(today())
    transaction.commit()
    click.echo(f"{sent} expiry warnings sent.")


@click.command("enforce-retention")
def enforce_retention_command() -> None:
    """Remove personal data kept past its time (run daily; the worker's beat does)."""
    from flask import current_app

    from shop.services import personal_data

    done = personal_data.enforce_retention(personal_data.Retention.from_config(current_app.config))
    transaction.commit()
    click.echo(", ".join(f"{kind}: {count}" for kind, count in done.items()))


@click.command("remind-complaints")
def remind_complaints_command() -> None:
    """Remind cooperatives of complaints due within a day; past-due ones go to the office
    (run daily; the worker's beat does)."""
    from shop.services.complaints import remind_complaints

    reminded, escalated = remind_complaints()
    transaction.commit()
    click.echo(f"{reminded} reminders sent, {escalated} complaints sent to the office.")


@click.command("sync-ledger")
def sync_ledger_command() -> None:
    """Write the ledger entries of every order (after an upgrade, or to check: 0 when in line)."""
    written = 0
    for order_id in db.session.scalars(sa.select(Order.id).order_by(Order.id)).all():
        written += coop_ledger.sync(db.session.get(Order, order_id))
    db.session.commit()
    click.echo(f"{written} ledger entries written.")


@click.command("outbox")
def outbox_command() -> None:
    """Deliver emails and provider calls whose time has come (run every minute)."""
    done, failed = outbox.deliver_due()
    click.echo(f"{done} delivered, {failed} failed (will be retried).")
