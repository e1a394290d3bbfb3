"""Large label orders, made off the request path.

Up to ``INLINE_MAX`` labels are rendered while the cooperative waits. A larger order is
written as a ``LabelRun`` with an outbox message in the same transaction; the outbox
(a thread beside the web worker, cron's ``flask outbox``, or the worker) makes the
serials and the PDF in one transaction of its own, so a failure saves no serial, and it
is retried. The cooperative downloads the sheet from the lot's page when it is ready.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Cooperative, LabelRun, LabelRunState, Lot, Product
from shop.services import labels, outbox, tracing
from shop.services.errors import Conflict, InvalidInput, NotFound

INLINE_MAX = 240  # ten A4 sheets of 24 labels
MAX_LABELS = 5000


def label_dir() -> Path:
    return Path(current_app.config.get("LABEL_DIR") or Path(current_app.instance_path) / "labels")


def order(lot: Lot, count: int, level: str = "M") -> LabelRun:
    """Ask for ``count`` labels of ``lot`` to be made in the background."""
    if not lot.product.cooperative.approved:
        raise Conflict(
            _l("Labels can be printed once the OCOP office has approved your cooperative.")
        )
    if not 1 <= count <= MAX_LABELS:
        raise InvalidInput(_l("Choose between 1 and 5,000 labels."))
    run = LabelRun(lot=lot, count=count, level=level)
    db.session.add(run)
    db.session.flush()
    outbox.enqueue("labels.render", run_id=run.id)
    return run


@outbox.handler("labels.render")
def render(message: dict) -> None:
    """Make the run's serials and sheet (the outbox commits both, or neither)."""
    run = db.session.get(LabelRun, message["run_id"])
    if run is None or run.state is not LabelRunState.PENDING:
        return
    units = tracing.generate_units(run.lot, run.count)
    pdf = labels.render_sheet(
        run.lot, units, current_app.config["PUBLIC_BASE_URL"], level=run.level
    )
    folder = label_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"run-{run.id}-{secrets.token_hex(8)}.pdf"
    (folder / name).write_bytes(pdf)
    run.path, run.state, run.done_at = name, LabelRunState.READY, utcnow()
    db.session.flush()


def runs_of(lot: Lot) -> list[LabelRun]:
    return list(
        db.session.scalars(
            sa.select(LabelRun).where(LabelRun.lot_id == lot.id).order_by(LabelRun.id.desc())
        )
    )


def owned_run(coop: Cooperative, run_id: int) -> LabelRun:
    """A run of one of this cooperative's lots, or NotFound."""
    run = db.session.scalar(
        sa.select(LabelRun)
        .join(LabelRun.lot)
        .join(Lot.product)
        .where(LabelRun.id == run_id, Product.cooperative_id == coop.id)
    )
    if run is None:
        raise NotFound(_l("No such label run."))
    return run
