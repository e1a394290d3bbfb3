"""One commit per request, made here: views and services never commit.

``ShopFlask.dispatch_request`` commits once the view has returned a response below
400 and rolls back otherwise (error handlers roll back for exceptions). Then the
outbox messages the transaction wrote are delivered. A view that must commit
before the request ends (before calling Stripe, say) calls ``commit_early`` with
its reason, so every such commit is named.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy.orm import Session

from shop.extensions import db
from shop.services import outbox


class ShopFlask(Flask):
    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            commit()
        else:
            rollback()
        return response


def commit() -> None:
    """Commit the unit of work, then carry out its side effects."""
    if _began(db.session()):
        db.session.commit()
    outbox.after_commit()


def _began(session: Session) -> bool:
    """Whether the request used the database: a page served from the cache did not, and
    committing nothing still costs a transaction's events."""
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


def rollback() -> None:
    db.session.rollback()
    outbox.forget_enqueued()


def commit_early(reason: str) -> None:
    """Commit before the request ends, for ``reason`` (logged at debug level)."""
    current_app.logger.debug("early commit: %s", reason)
    commit()
