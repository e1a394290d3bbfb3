"""The transactional outbox: side effects written with the data, carried out after the commit.

A message (an email, a Stripe refund, a Checkout Session to expire) is added in the
same transaction as the change that wants it, so it exists if and only if that
change committed. After the commit it is delivered in-process (or by the worker
when one is configured); a failure is retried with back-off, and after
``MAX_ATTEMPTS`` the message is "dead" and shown to the office, which may retry it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from shop.clock import utcnow
from shop.extensions import db
from shop.models import OutboxMessage, OutboxState

MAX_ATTEMPTS = 6
BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]

Handler = Callable[[dict], None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out messages of ``kind``."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def enqueue(kind: str, **payload) -> OutboxMessage:
    """Write a message in the current transaction; it is delivered once that commits."""
    message = OutboxMessage(kind=kind, payload=payload)
    db.session.add(message)
    db.session.flush()
    if has_app_context():
        g.setdefault("outbox_ids", []).append(message.id)
    return message


def after_commit() -> None:
    """Deliver what this request or command enqueued (its transaction has committed).

    OUTBOX_DELIVERY: "celery" hands the ids to the worker; "inline" delivers now, before
    the response; "thread" in a thread of this process, so the response does not wait for
    SMTP or Stripe; "none" leaves it to ``flask outbox`` (cron) or the worker's sweep.
    Whatever is not delivered stays pending.
    """
    ids = g.pop("outbox_ids", []) if has_app_context() else []
    mode = current_app.config.get("OUTBOX_DELIVERY", "inline")
    if not ids or mode == "none":
        return
    if mode == "celery":
        from shop.worker import send_outbox

        send_outbox(ids)
    elif mode == "thread":
        app = current_app._get_current_object()
        threading.Thread(target=_deliver_in_thread, args=(app, ids), daemon=True).start()
    else:
        deliver(ids)


def _deliver_in_thread(app, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver(ids)
        finally:
            db.session.remove()


def forget_enqueued() -> None:
    """The transaction rolled back: its messages no longer exist."""
    if has_app_context():
        g.pop("outbox_ids", None)


def deliver(ids: list[int]) -> tuple[int, int]:
    """Try the given messages now; returns (done, failed)."""
    done = failed = 0
    for message_id in ids:
        ok = _deliver_one(message_id)
        done += ok is True
        failed += ok is False
    return done, failed


def deliver_due(now: datetime | None = None, limit: int = 200) -> tuple[int, int]:
    """Deliver every pending message whose time has come (the worker's or cron's job)."""
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    return deliver(list(ids))


def _deliver_one(message_id: int) -> bool | None:
    """One message in its own transaction; None when someone else has it or it is done."""
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.PENDING)
        .with_for_update(skip_locked=True)
    )
    if message is None:
        db.session.commit()
        return None
    try:
        HANDLERS[message.kind](dict(message.payload))
        message.state, message.done_at = OutboxState.DONE, utcnow()
        message.attempts += 1
        db.session.commit()
        return True
    except Exception as error:  # any failure of the outside world is retried, never raised
        db.session.rollback()
        _record_failure(message_id, error)
        return False


def _record_failure(message_id: int, error: Exception) -> None:
    current_app.logger.warning("outbox message %s failed: %r", message_id, error)
    message = db.session.get(OutboxMessage, message_id)
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.state = OutboxState.DEAD
    else:
        message.next_attempt_at = utcnow() + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    db.session.commit()


def retry(message: OutboxMessage) -> bool:
    """The office asks for a dead (or waiting) message to be tried again now; one already
    carried out (a second click, a page left open) is not carried out twice. True when the
    message will be tried again."""
    if message.state is OutboxState.DONE:
        return False
    message.state = OutboxState.PENDING
    message.next_attempt_at = utcnow()
    if has_app_context():
        g.setdefault("outbox_ids", []).append(message.id)
    return True


def troubled(limit: int = 50) -> list[OutboxMessage]:
    """Messages that have failed at least once and are not done: for the office."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.state != OutboxState.DONE, OutboxMessage.attempts > 0)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
