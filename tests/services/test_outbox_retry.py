"""The office's "try again" on a message already carried out sends nothing a second time: a
double click, or a page left open while the worker delivered it, must not email a buyer twice."""

from __future__ import annotations

from flask import current_app, g

from shop.extensions import db
from shop.mail import queue
from shop.models import OutboxMessage, OutboxState
from shop.services.outbox import after_commit, retry


def test_trying_again_an_email_already_sent_sends_it_no_second_time(app, outbox):
    current_app.config["OUTBOX_DELIVERY"] = "inline"
    queue("an@example.vn", "Đơn hàng đã giao", "Cảm ơn bạn.")
    db.session.commit()
    after_commit()
    [message] = db.session.query(OutboxMessage).all()
    sent_at = message.done_at
    assert [(m.to, m.subject) for m in outbox] == [(["an@example.vn"], "Đơn hàng đã giao")]

    assert retry(message) is False  # the office's second click
    db.session.commit()
    after_commit()
    db.session.expire_all()
    assert (message.state, message.attempts, message.done_at) == (OutboxState.DONE, 1, sent_at)
    assert "outbox_ids" not in g
    assert len(outbox) == 1
