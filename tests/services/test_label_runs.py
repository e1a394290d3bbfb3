"""Ordering a run of labels: who may, how many, at which error-correction level, and where
the finished sheets are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import LabelRun, LabelRunState, OutboxMessage
from shop.services import accounts, label_runs
from shop.services.errors import Conflict, InvalidInput
from tests import factories
from tests.services.test_refusals import refused


@pytest.fixture
def lot(catalog):
    made = factories.lot(catalog.tea)
    db.session.commit()
    return made


def runs() -> list[tuple[int, str, LabelRunState]]:
    return [
        (r.count, r.level, r.state)
        for r in db.session.scalars(sa.select(LabelRun).order_by(LabelRun.id))
    ]


def test_a_run_is_ordered_at_its_level_and_handed_to_the_worker(lot):
    first = label_runs.order(lot, 1, level="Q")
    last = label_runs.order(lot, label_runs.MAX_LABELS)
    assert runs() == [(1, "Q", LabelRunState.PENDING), (5000, "M", LabelRunState.PENDING)]
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "labels.render")
    ).all()
    assert sorted(m.payload["run_id"] for m in queued) == [first.id, last.id]


@pytest.mark.parametrize("count", [0, -1, 5001])
def test_a_run_of_no_labels_or_too_many_is_refused(lot, count):
    refused(
        InvalidInput, lambda: label_runs.order(lot, count), "Choose between 1 and 5,000 labels."
    )
    assert runs() == []


def test_a_cooperative_not_yet_approved_prints_no_labels(lot):
    lot.product.cooperative.approved = False
    refused(
        Conflict,
        lambda: label_runs.order(lot, 10),
        "Labels can be printed once the OCOP office has approved your cooperative.",
    )
    assert runs() == []


def test_sheets_are_kept_in_the_instance_folder_unless_configured(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LABEL_DIR", str(tmp_path / "sheets"))
    assert label_runs.label_dir() == tmp_path / "sheets"
    monkeypatch.setitem(app.config, "LABEL_DIR", "")  # set but empty in the environment
    assert label_runs.label_dir() == Path(app.instance_path) / "labels"


def test_the_owner_is_listed_first_then_staff_by_email(app):
    coop = factories.cooperative()
    for email in ("binh@example.vn", "an@example.vn", "zung@example.vn"):
        factories.user("member", cooperative=coop, email=email)
    owner = factories.user("member", cooperative=coop, email="owner-z@example.vn")
    owner.is_owner = True
    db.session.commit()
    assert [u.email for u in accounts.members_of(coop)] == [
        "owner-z@example.vn",
        "an@example.vn",
        "binh@example.vn",
        "zung@example.vn",
    ]


def test_a_lots_runs_are_listed_newest_first(lot, catalog):
    other = factories.lot(catalog.banana, code="L-OTHER")
    older, elsewhere, newer = (label_runs.order(x, 5) for x in (lot, other, lot))
    assert [r.id for r in label_runs.runs_of(lot)] == [newer.id, older.id]
    assert [r.id for r in label_runs.runs_of(other)] == [elsewhere.id]
