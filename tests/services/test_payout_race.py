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
from tests.conftest import ON_POSTGRES, drop_postgres, sibling_postgres
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
    url = sibling_postgres(database_url, "payout_race", fresh=True)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            drop_postgres(conn, sa.make_url(url).database)
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


def _seed(app) -> tuple[int, int, int, int]:
    """Viba is owed for a delivered, paid parcel: (Viba, Thai Son, an office account, owed)."""
    with app.app_context():
        catalog = factories.demo_catalog()
        _, owed = sold_to_a_confirmed_account(catalog)
        ids = catalog.viba.id, catalog.thai_son.id, factories.user("admin").id, owed
        db.session.remove()
    assert owed > 0
    return ids


def _pay(app, coop_id: int, office_id: int, amount: int, reference: str, hold=None) -> str:
    """Record a payout in its own session and commit it (after ``hold`` is set, if given)."""
    with app.app_context():
        coop, office = db.session.get(Cooperative, coop_id), db.session.get(User, office_id)
        try:
            coop_ledger.record_payout(coop, amount, today(), reference, office)
        except Conflict:
            db.session.rollback()
            return "refused"
        finally:
            if hold:
                hold.recorded.set()
        if hold:  # keep the transaction, and its lock, open while the other clerk tries
            hold.may_commit.wait(WAIT)
        db.session.commit()
        db.session.remove()
        return "paid"


class _Hold:
    def __init__(self) -> None:
        self.recorded, self.may_commit = threading.Event(), threading.Event()


def _in_thread(outcome: dict, key: str, *args, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=lambda: outcome.__setitem__(key, _pay(*args, **kwargs)))
    thread.start()
    return thread


def test_two_payouts_of_the_whole_balance_at_once_let_exactly_one_through(race_app):
    viba, _, office, owed = _seed(race_app)
    outcome: dict[str, str] = {}
    hold = _Hold()
    first = _in_thread(outcome, "first", race_app, viba, office, owed, "FT-A", hold)
    assert hold.recorded.wait(WAIT)
    second = _in_thread(outcome, "second", race_app, viba, office, owed, "FT-B")
    deadline = time.monotonic() + WAIT
    blocked = False
    while second.is_alive() and time.monotonic() < deadline:
        if _waiting_on_a_lock(race_app):
            blocked = True
            break
        time.sleep(0.02)
    hold.may_commit.set()
    first.join(WAIT)
    second.join(WAIT)

    assert outcome == {"first": "paid", "second": "refused"}
    assert blocked, "the second payout never waited for the first one's lock"
    with race_app.app_context():
        payouts = db.session.scalars(
            sa.select(LedgerEntry.reference).where(LedgerEntry.kind == EntryKind.PAYOUT)
        ).all()
        assert payouts == ["FT-A"]
        assert coop_ledger.balance(viba) == 0
        assert coop_ledger.overpaid() == []
        db.session.remove()
        db.engine.dispose()


def test_a_payout_does_not_wait_for_work_on_another_cooperative(race_app):
    """The lock is the paid cooperative's row alone: Thai Son editing its profile in an open
    transaction does not hold up Viba's payout."""
    viba, thai_son, office, owed = _seed(race_app)
    with race_app.app_context():
        other = db.engine.connect()
    editing = other.begin()
    payout = None
    try:
        other.execute(
            sa.update(Cooperative).where(Cooperative.id == thai_son).values(name="HTX Thái Sơn")
        )
        outcome: dict[str, str] = {}
        payout = _in_thread(outcome, "viba", race_app, viba, office, owed, "FT-C")
        payout.join(WAIT)  # a guard against hanging, not a timing: blocked, it waits for the edit
        assert not payout.is_alive(), "Viba's payout waited for Thai Son's open transaction"
    finally:
        editing.rollback()
        other.close()
        if payout:
            payout.join(WAIT)
    assert outcome == {"viba": "paid"}
    with race_app.app_context():
        db.session.remove()
        db.engine.dispose()
