"""Two clerks of the office record a payout of the whole balance at the same moment
(PostgreSQL): the lock on the cooperative's row lets exactly one through.

The race runs on a database of its own, migrated for it and dropped after, because both
clerks must really commit: the suite's other tests never see these rows.
"""

import threading
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from shop import create_app
from shop.clock import today
from shop.extensions import db
from shop.models import Cooperative, EntryKind, LedgerEntry, User
from shop.services import coop_ledger
from shop.services.errors import Conflict
from tests import factories
from tests.conftest import ON_POSTGRES
from tests.services.test_coop_ledger import sold_to_a_confirmed_account

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES, reason="the payout race needs PostgreSQL: set TEST_DATABASE_URL"
    ),
]

WAIT = 30  # seconds; a thread still waiting after this is a failure, not a hang


@pytest.fixture
def race_app(database_url):
    """The app on a fresh, migrated database next to the suite's; dropped afterwards."""
    base = sa.make_url(database_url)
    url = base.set(database=f"{base.database}_payout_race")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url.render_as_string(False)})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def _waiting_on_a_lock(app) -> bool:
    """Whether some session of the race's database is blocked on a row or table lock."""
    with app.app_context():
        name = db.engine.url.database
        return bool(
            db.session.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = :name AND wait_event_type = 'Lock'"
                ),
                {"name": name},
            )
        )


def test_two_payouts_of_the_whole_balance_at_once_let_exactly_one_through(race_app):
    with race_app.app_context():
        catalog = factories.demo_catalog()
        _, owed = sold_to_a_confirmed_account(catalog)
        coop_id, office_id = catalog.viba.id, factories.user("admin").id
        db.session.remove()
    assert owed > 0

    first_recorded, first_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def pay(clerk: str, reference: str) -> None:
        with race_app.app_context():
            coop, office = db.session.get(Cooperative, coop_id), db.session.get(User, office_id)
            try:
                coop_ledger.record_payout(coop, owed, today(), reference, office)
            except Conflict:
                db.session.rollback()
                outcome[clerk] = "refused"
                return
            finally:
                if clerk == "first":
                    first_recorded.set()
            if clerk == "first":  # hold the transaction open while the second clerk tries
                first_may_commit.wait(WAIT)
            db.session.commit()
            outcome[clerk] = "paid"
            db.session.remove()

    first = threading.Thread(target=pay, args=("first", "FT-A"))
    second = threading.Thread(target=pay, args=("second", "FT-B"))
    first.start()
    assert first_recorded.wait(WAIT)
    second.start()
    deadline = time.monotonic() + WAIT
    blocked = False
    while second.is_alive() and time.monotonic() < deadline:
        if _waiting_on_a_lock(race_app):
            blocked = True
            break
        time.sleep(0.02)
    first_may_commit.set()
    first.join(WAIT)
    second.join(WAIT)

    assert outcome == {"first": "paid", "second": "refused"}
    assert blocked, "the second payout never waited for the first one's lock"
    with race_app.app_context():
        payouts = db.session.scalars(
            sa.select(LedgerEntry.reference).where(LedgerEntry.kind == EntryKind.PAYOUT)
        ).all()
        assert payouts == ["FT-A"]
        assert coop_ledger.balance(coop_id) == 0
        assert coop_ledger.overpaid() == []
        db.session.remove()
        db.engine.dispose()
