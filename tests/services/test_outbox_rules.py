"""The outbox, by the shop's rules: a message written with the data is carried out once that
commits, in order, the way the shop is set to deliver (now, in a thread, by the worker, or
later by cron); a rolled-back transaction's messages are forgotten; a failure is retried after
1, 5, 30, 120 then 720 minutes and the sixth makes the message dead, shown to the office, which
may retry it; cron delivers what is due, oldest first."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app, g

from shop.clock import utcnow
from shop.extensions import db
from shop.models import OutboxMessage, OutboxState
from shop.services import outbox

NOTE, BROKEN = "test.note", "test.broken"
FAILURE = ConnectionError("SMTP 421 try again later")


@pytest.fixture(autouse=True)
def nothing_enqueued_yet():
    g.pop("outbox_ids", None)


@pytest.fixture
def carried():
    """Payloads of the notes carried out, in order; a broken kind always fails."""
    done: list[dict] = []

    @outbox.handler(NOTE)
    def note(payload: dict) -> None:
        done.append(payload)

    @outbox.handler(BROKEN)
    def broken(payload: dict) -> None:
        raise FAILURE

    assert outbox.HANDLERS[NOTE] is note
    yield done
    outbox.HANDLERS.pop(NOTE)
    outbox.HANDLERS.pop(BROKEN)


def delivery(mode: str) -> None:
    current_app.config["OUTBOX_DELIVERY"] = mode


def fresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def state_of(*messages: OutboxMessage) -> list[tuple]:
    db.session.expire_all()
    return [(m.state, m.attempts) for m in (db.session.get(OutboxMessage, x.id) for x in messages)]


def stored(kind=NOTE, state=OutboxState.PENDING, attempts=0, due=None) -> OutboxMessage:
    message = OutboxMessage(kind=kind, payload={}, state=state, attempts=attempts)
    if due is not None:
        message.next_attempt_at = due
    db.session.add(message)
    db.session.flush()
    return message


def failed_times(message: OutboxMessage, times: int) -> None:
    for _ in range(times):
        assert outbox.deliver([message.id]) == (0, 1)


# --- Writing and carrying out ---------------------------------------------------------------


def test_a_message_is_written_with_its_payload_and_remembered_for_after_the_commit(carried):
    first = outbox.enqueue(NOTE, to="an@example.vn", n=1)
    second = outbox.enqueue(BROKEN)
    db.session.commit()
    assert g.outbox_ids == [first.id, second.id]
    saved = fresh(first)
    assert (saved.kind, saved.payload, saved.state, saved.attempts, saved.done_at) == (
        NOTE,
        {"to": "an@example.vn", "n": 1},
        OutboxState.PENDING,
        0,
        None,
    )
    assert (fresh(second).kind, fresh(second).payload) == (BROKEN, {})
    assert carried == []


def test_after_the_commit_the_messages_are_carried_out_in_order(carried):
    delivery("inline")
    first = outbox.enqueue(NOTE, n=1)
    second = outbox.enqueue(NOTE, n=2)
    db.session.commit()
    before = utcnow()
    outbox.after_commit()
    assert carried == [{"n": 1}, {"n": 2}]
    assert state_of(first, second) == [(OutboxState.DONE, 1), (OutboxState.DONE, 1)]
    assert before <= fresh(first).done_at <= utcnow()
    assert "outbox_ids" not in g
    outbox.after_commit()
    assert carried == [{"n": 1}, {"n": 2}]


def test_without_a_setting_messages_are_carried_out_before_the_response(carried):
    current_app.config.pop("OUTBOX_DELIVERY", None)
    message = outbox.enqueue(NOTE, n=1)
    db.session.commit()
    outbox.after_commit()
    assert carried == [{"n": 1}]
    assert state_of(message) == [(OutboxState.DONE, 1)]


def test_set_to_none_messages_wait_for_cron(carried):
    delivery("none")
    message = outbox.enqueue(NOTE, n=1)
    db.session.commit()
    outbox.after_commit()
    assert carried == [] and "outbox_ids" not in g
    assert state_of(message) == [(OutboxState.PENDING, 0)]
    delivery("inline")
    outbox.after_commit()
    assert carried == []
    assert outbox.deliver_due() == (1, 0)
    assert carried == [{"n": 1}]


def test_with_a_worker_the_ids_are_handed_to_it(carried, monkeypatch):
    from shop import worker

    handed: list[list[int]] = []
    monkeypatch.setattr(worker, "send_outbox", handed.append)
    delivery("celery")
    first, second = outbox.enqueue(NOTE, n=1), outbox.enqueue(NOTE, n=2)
    db.session.commit()
    outbox.after_commit()
    assert handed == [[first.id, second.id]] and carried == []
    assert state_of(first, second) == [(OutboxState.PENDING, 0)] * 2
    outbox.after_commit()  # a commit that wrote no message hands nothing
    assert handed == [[first.id, second.id]]


def threads_started_at_once(monkeypatch) -> list[dict]:
    """Threads the outbox starts run their work at once; returns how each was started."""
    started: list[dict] = []

    class StartedAtOnce:
        def __init__(self, target, args=(), daemon=None):
            self.target, self.args, self.daemon = target, args, daemon

        def start(self) -> None:
            started.append({"daemon": self.daemon, "args": self.args})
            self.target(*self.args)

    monkeypatch.setattr(outbox.threading, "Thread", StartedAtOnce)
    return started


def test_in_a_thread_messages_are_carried_out_without_holding_the_process(
    app, carried, monkeypatch
):
    started = threads_started_at_once(monkeypatch)
    delivery("thread")
    message = outbox.enqueue(NOTE, n=1)
    db.session.commit()
    outbox.after_commit()
    assert started == [{"daemon": True, "args": (app, [message.id])}]
    assert carried == [{"n": 1}]
    assert state_of(message) == [(OutboxState.DONE, 1)]
    outbox.after_commit()  # a commit that wrote no message starts no thread
    assert len(started) == 1


def test_messages_of_a_rolled_back_transaction_are_forgotten(carried):
    outbox.forget_enqueued()  # nothing was written: nothing to forget
    delivery("inline")
    outbox.enqueue(NOTE, n=1)
    db.session.rollback()
    outbox.forget_enqueued()
    assert "outbox_ids" not in g
    outbox.after_commit()
    assert carried == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_delivering_counts_what_was_done_and_what_failed_skipping_what_is_done(carried):
    first, broken, second = (
        outbox.enqueue(NOTE, n=1),
        outbox.enqueue(BROKEN),
        outbox.enqueue(NOTE, n=2),
    )
    db.session.commit()
    assert outbox.deliver([first.id, broken.id, first.id, second.id, second.id + 99]) == (2, 1)
    assert carried == [{"n": 1}, {"n": 2}]
    assert state_of(first, broken, second) == [
        (OutboxState.DONE, 1),
        (OutboxState.PENDING, 1),
        (OutboxState.DONE, 1),
    ]
    assert outbox.deliver([first.id]) == (0, 0)
    assert outbox.deliver([]) == (0, 0)
    assert carried == [{"n": 1}, {"n": 2}]


def test_only_the_messages_asked_for_are_carried_out(carried):
    first, second = outbox.enqueue(NOTE, n=1), outbox.enqueue(NOTE, n=2)
    db.session.commit()
    assert outbox.deliver([second.id]) == (1, 0)
    assert carried == [{"n": 2}]
    assert state_of(first, second) == [(OutboxState.PENDING, 0), (OutboxState.DONE, 1)]


# --- Failures, back-off, dead messages ------------------------------------------------------


def test_a_failure_is_recorded_logged_and_retried_later_each_time_later(carried, caplog):
    message = outbox.enqueue(BROKEN)
    db.session.commit()
    moments = []
    for attempt in range(1, 6):
        before = utcnow()
        with caplog.at_level(logging.WARNING):
            failed_times(message, 1)
        after = utcnow()
        saved = fresh(message)
        assert (saved.state, saved.attempts, saved.done_at) == (OutboxState.PENDING, attempt, None)
        assert saved.last_error == "ConnectionError: SMTP 421 try again later"
        moments.append((before, saved.next_attempt_at, after))
    for (before, retry_at, after), minutes in zip(moments, [1, 5, 30, 120, 720], strict=True):
        wait = timedelta(minutes=minutes)
        assert before + wait <= retry_at <= after + wait
    logged = [r.getMessage() for r in caplog.records if "outbox message" in r.getMessage()]
    assert logged == [f"outbox message {message.id} failed: {FAILURE!r}"] * 5


def test_the_sixth_failure_makes_the_message_dead(carried):
    message = outbox.enqueue(BROKEN)
    db.session.commit()
    failed_times(message, outbox.MAX_ATTEMPTS - 1)
    assert state_of(message) == [(OutboxState.PENDING, 5)]
    waiting_until = fresh(message).next_attempt_at
    failed_times(message, 1)
    assert state_of(message) == [(OutboxState.DEAD, 6)]
    assert fresh(message).next_attempt_at == waiting_until
    assert outbox.deliver([message.id]) == (0, 0)
    assert outbox.troubled() == [fresh(message)]


def test_a_success_after_failures_counts_every_attempt(carried):
    message = outbox.enqueue(BROKEN)
    db.session.commit()
    failed_times(message, 2)
    outbox.HANDLERS[BROKEN] = carried.append  # the outside world is back
    assert outbox.deliver([message.id]) == (1, 0)
    assert state_of(message) == [(OutboxState.DONE, 3)]


def test_a_long_error_is_kept_to_five_hundred_characters(carried):
    def long_failure(payload):
        raise ValueError("x" * 600)

    outbox.HANDLERS[BROKEN] = long_failure
    message = outbox.enqueue(BROKEN)
    db.session.commit()
    failed_times(message, 1)
    assert fresh(message).last_error == "ValueError: " + "x" * 488


def test_the_office_retries_a_dead_message_now(carried):
    message = outbox.enqueue(BROKEN)
    db.session.commit()
    failed_times(message, outbox.MAX_ATTEMPTS)
    outbox.HANDLERS[BROKEN] = carried.append
    g.pop("outbox_ids", None)
    saved = fresh(message)
    before = utcnow()
    outbox.retry(saved)
    assert saved.state is OutboxState.PENDING
    assert before <= saved.next_attempt_at <= utcnow()
    assert g.outbox_ids == [message.id]
    db.session.commit()
    delivery("inline")
    outbox.after_commit()
    assert carried == [{}]
    assert state_of(message) == [(OutboxState.DONE, 7)]


# --- Cron's sweep ---------------------------------------------------------------------------


def test_cron_delivers_pending_messages_whose_time_has_come(carried):
    now = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    on_time = stored(due=now)
    early = stored(due=now - timedelta(hours=1))
    later = stored(due=now + timedelta(seconds=1))
    dead = stored(state=OutboxState.DEAD, attempts=6, due=now - timedelta(hours=2))
    done = stored(state=OutboxState.DONE, attempts=1, due=now - timedelta(hours=2))
    db.session.commit()
    assert outbox.deliver_due(now) == (2, 0)
    assert state_of(on_time, early, later, dead, done) == [
        (OutboxState.DONE, 1),
        (OutboxState.DONE, 1),
        (OutboxState.PENDING, 0),
        (OutboxState.DEAD, 6),
        (OutboxState.DONE, 1),
    ]


def test_cron_takes_the_oldest_messages_first_up_to_its_limit(carried):
    now = utcnow()
    stored(state=OutboxState.DEAD, attempts=6, due=now - timedelta(hours=3))
    first = stored(due=now - timedelta(minutes=1))
    second = stored(due=now - timedelta(minutes=3))
    third = stored(due=now - timedelta(minutes=2))
    db.session.commit()
    assert outbox.deliver_due(limit=2) == (2, 0)
    assert state_of(first, second, third) == [
        (OutboxState.DONE, 1),
        (OutboxState.DONE, 1),
        (OutboxState.PENDING, 0),
    ]


def test_one_sweep_delivers_at_most_two_hundred_messages(carried):
    due = utcnow() - timedelta(minutes=1)
    messages = [stored(due=due) for _ in range(201)]
    db.session.commit()
    assert outbox.deliver_due() == (200, 0)
    assert state_of(messages[-1]) == [(OutboxState.PENDING, 0)]
    assert outbox.deliver_due() == (1, 0)


# --- What the office sees ---------------------------------------------------------------------


def test_the_office_sees_messages_that_failed_and_are_not_done_newest_first(carried):
    never_tried = stored()
    retrying = stored(attempts=1)
    delivered_late = stored(state=OutboxState.DONE, attempts=3)
    dead = stored(state=OutboxState.DEAD, attempts=6)
    again = stored(attempts=2)
    assert outbox.troubled() == [again, dead, retrying]
    assert outbox.troubled(limit=2) == [again, dead]
    assert never_tried not in outbox.troubled() and delivered_late not in outbox.troubled()


def test_the_office_sees_the_fifty_newest_troubled_messages(carried):
    messages = [stored(attempts=1) for _ in range(51)]
    shown = outbox.troubled()
    assert len(shown) == 50
    assert (shown[0], shown[-1]) == (messages[-1], messages[1])
