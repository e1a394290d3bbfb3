"""A real Celery worker, on Redis, delivers what commits hand it.

The worker is a separate process (``celery -A shop.worker worker``) on a SQLite file
shared with the test, and a Redis database of its own; nothing here is called in-process
that the worker is meant to do.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from shop import create_app, transaction
from shop.extensions import db
from shop.mail import queue
from shop.models import (
    LabelRun,
    LabelRunState,
    OutboxMessage,
    OutboxState,
    PhotoUpload,
    ProductImage,
    Unit,
)
from shop.services import images, label_runs
from tests import factories

BROKER = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/13")
ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(BROKER, socket_timeout=2).flushdb()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise  # CI installs and starts Redis: its absence is a failure there
        pytest.skip(f"no Redis at {BROKER}")


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> dict[str, str]:
    _redis_or_skip()
    folder = tmp_path_factory.mktemp("worker")
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'shop.db'}",
        "CELERY_BROKER_URL": BROKER,
        "LABEL_DIR": str(folder / "labels"),
        "UPLOAD_DIR": str(folder / "uploads"),
    }


@pytest.fixture(scope="module")
def worker_app(shared) -> Flask:
    app = create_app("development", {**shared, "OUTBOX_DELIVERY": "celery", "DEBUG": False})
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


@pytest.fixture(scope="module")
def worker(shared, worker_app, tmp_path_factory) -> Iterator[Path]:
    """``celery worker`` in its own process; yields its log file."""
    log = tmp_path_factory.mktemp("log") / "worker.log"
    env = {
        **os.environ,
        "SHOP_CONFIG": "development",
        "DATABASE_URL": shared["SQLALCHEMY_DATABASE_URI"],
        "CELERY_BROKER_URL": BROKER,
        "LABEL_DIR": shared["LABEL_DIR"],
        "UPLOAD_DIR": shared["UPLOAD_DIR"],
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "shop.worker", "worker",
        "--pool", "solo", "--loglevel", "info", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        _wait_for(lambda: "ready." in log.read_text(), "the worker to start", log)
        yield log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for(condition, what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def _state(message_id: int) -> OutboxState:
    db.session.rollback()  # see the worker's commits
    return db.session.get(OutboxMessage, message_id, populate_existing=True).state


@pytest.fixture
def in_worker_app(worker_app) -> Iterator[None]:
    """The shop app that hands work to the broker (the suite's own app uses no broker)."""
    with worker_app.app_context():
        yield
        db.session.remove()


def test_a_commit_hands_its_email_to_the_worker(in_worker_app, worker):
    queue("buyer@example.vn", "Đơn hàng OCOP-1 đã đặt", "Cảm ơn bạn đã đặt OCOP-1.")
    message_id = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id)))
    transaction.commit()

    _wait_for(lambda: _state(message_id) is OutboxState.DONE, "the email", worker)
    # The console mail backend prints the email the worker sent.
    printed = "Cảm ơn bạn đã đặt OCOP-1."
    _wait_for(lambda: printed in worker.read_text(), "the printed email", worker)


def test_a_large_label_run_is_made_by_the_worker(in_worker_app, worker, shared):
    coop = factories.cooperative()
    cats = factories.demo.seed_categories()
    lot = factories.lot(factories.product(coop, cats["tea"]))
    run = label_runs.order(lot, 300)
    transaction.commit()

    def ready() -> bool:
        db.session.rollback()
        return db.session.get(LabelRun, run.id, populate_existing=True).state is (
            LabelRunState.READY
        )

    _wait_for(ready, "the label run", worker)
    made = db.session.scalar(sa.select(sa.func.count()).where(Unit.lot_id == lot.id))
    assert made == 300
    pdf = Path(shared["LABEL_DIR"]) / db.session.get(LabelRun, run.id).path
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_product_photo_is_made_by_the_worker(in_worker_app, worker, shared):
    import io

    from PIL import Image

    coop = factories.cooperative()
    product = factories.product(coop, factories.demo.seed_categories()["tea"])
    sent = io.BytesIO()
    Image.new("RGB", (1600, 1200), "#5a8f29").save(sent, "JPEG")
    upload_id = images.receive_photo(product, sent.getvalue()).id
    transaction.commit()

    def made() -> ProductImage | None:
        db.session.rollback()
        return db.session.scalar(
            sa.select(ProductImage).where(ProductImage.product_id == product.id)
        )

    _wait_for(lambda: made() is not None, "the product photo", worker)
    photo = made()
    assert (photo.width, photo.height) == (1200, 900)
    folder = Path(shared["UPLOAD_DIR"])
    stored = folder / photo.path.removeprefix("uploads/")
    assert Image.open(stored).format == "WEBP"
    assert (folder / stored.name.replace("-large.", "-thumb.")).exists()
    assert db.session.get(PhotoUpload, upload_id) is None  # the bytes are not kept


def test_with_the_broker_down_the_commit_holds_and_the_sweep_delivers(shared, worker):
    down = create_app(
        "development",
        {**shared, "CELERY_BROKER_URL": "redis://127.0.0.1:9/0", "OUTBOX_DELIVERY": "celery"},
    )
    with down.app_context():
        queue("buyer@example.vn", "Hoàn tiền OCOP-2", "Đã hoàn.")
        message_id = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id)))
        transaction.commit()  # does not raise: the message waits in the database
        assert _state(message_id) is OutboxState.PENDING
        db.session.remove()

    up = create_app("development", {**shared, "OUTBOX_DELIVERY": "celery"})
    with up.app_context():
        up.extensions["celery"].send_task("shop.outbox.deliver_due")
        _wait_for(lambda: _state(message_id) is OutboxState.DONE, "the sweep", worker)
        db.session.remove()


def test_beat_schedules_only_tasks_the_worker_knows(worker_app):
    from shop.worker import BEAT_SCHEDULE

    known = worker_app.extensions["celery"].tasks
    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} <= set(known)
    assert {"shop.orders.release_expired", "shop.ratings.expire_lapsed"} <= {
        entry["task"] for entry in BEAT_SCHEDULE.values()
    }
