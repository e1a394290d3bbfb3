"""Fixtures: the app on a migrated database, isolated per test.

SQLite (default): every test gets a fresh copy of a database migrated once.
PostgreSQL (TEST_DATABASE_URL): migrated once; every test runs inside an outer
transaction that is rolled back, the app's commits becoming savepoints.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from shop import create_app
from shop.extensions import db
from tests import factories

# Property tests: a quick profile for `make test`, a deep one for `make test-deep`, and a
# quicker one for `make mutants`, which runs them again for each surviving mutant.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=50, stateful_step_count=25, deadline=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "deep", max_examples=400, stateful_step_count=50, deadline=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "mutants",
    max_examples=10,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=_SLOW_OK,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


MEMOISED = type(functools.cache(len))


def pytest_sessionstart(session) -> None:
    """Each session starts with the shop's memoised tables (provinces, wards, former names)
    empty: `make mutants` runs a session per changed function in processes forked from one
    that filled them with the unchanged code, which would answer in its place."""
    for name, module in list(sys.modules.items()):
        if name.startswith("shop."):
            for value in list(vars(module).values()):
                if isinstance(value, MEMOISED):
                    value.cache_clear()


POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = POSTGRES_URL.startswith("postgresql")


class IsolatedClient(FlaskClient):
    """A test client whose requests never share the test's app context.

    Tests hold an app context for their own database work; without this, requests
    would reuse it, and with it ``g``, the cached locale, user and session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _reset_postgres(url: str) -> None:
    """Empty the test database (only one whose name says it is for tests)."""
    engine = sa.create_engine(url)
    if "test" not in (engine.url.database or ""):
        raise RuntimeError(f"Refusing to wipe {engine.url.database!r}: not a test database.")
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def sibling_postgres(url: str, suffix: str, *, fresh: bool = False) -> str:
    """The URL of a database next to ``url``'s, named with ``suffix``, created if missing
    (dropped first when ``fresh``)."""
    base = sa.make_url(url)
    name = f"{base.database}_{suffix}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if fresh:
            drop_postgres(conn, name)
        exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _worker_postgres_url(url: str) -> str:
    """The database of this pytest-xdist worker (``test`` becomes ``test_gw0``): parallel
    workers each migrate and wipe their own database, never one another's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return sibling_postgres(url, worker) if worker else url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if ON_POSTGRES:
        url = _worker_postgres_url(POSTGRES_URL)
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'shop.db'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The application, its database migrated with the real migrations."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = IsolatedClient
    if ON_POSTGRES:
        with app.app_context():
            upgrade()
            db.engine.dispose()
    else:
        app.config["TEST_TEMPLATE_DB"] = _migrated_sqlite(app)
    yield app


# What a migrated database depends on: the migrations and the code they import.
_MIGRATION_INPUTS = (
    "migrations",
    "shop/models/types.py",
    "shop/services/text.py",
    "shop/services/places.py",
)


def _migrated_sqlite(app: Flask) -> Path:
    """An empty SQLite database migrated with the real migrations, made once per version of
    the migrations and shared by later sessions (``make mutants`` starts one per mutant)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in _MIGRATION_INPUTS:
        base = root / name
        for path in sorted(base.rglob("*.py")) if base.is_dir() else [base]:
            digest.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    template = Path(tempfile.gettempdir()) / f"ocop-shop-migrated-{digest.hexdigest()[:16]}.db"
    if not template.exists():
        with app.app_context():
            upgrade()
            db.engine.dispose()
        partial = template.with_suffix(f".{os.getpid()}.part")
        shutil.copy(_sqlite_path(app), partial)
        os.replace(partial, template)  # atomic: parallel workers never read half a file
    return template


def _sqlite_path(app: Flask) -> str:
    return sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


@pytest.fixture(autouse=True)
def isolated_db(app: Flask) -> Iterator[None]:
    """Each test starts from the migrated, empty database and leaves nothing behind."""
    with app.app_context():
        if ON_POSTGRES:
            yield from _in_rolled_back_transaction(app)
        else:
            db.engine.dispose()
            shutil.copy(app.config["TEST_TEMPLATE_DB"], Path(db.engine.url.database))
            yield
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def restored_config(app: Flask) -> Iterator[None]:
    """Settings a test changes on the suite's app are put back after it, whatever the order
    the tests run in."""
    saved = dict(app.config)
    yield
    app.config.clear()
    app.config.update(saved)


def _in_rolled_back_transaction(app: Flask) -> Iterator[None]:
    engines = db.engines
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection  # the session binds to this connection, not the pool
    db.session.remove()
    db.session.configure(join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        engines[None] = engine
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def catalog(app: Flask) -> factories.DemoCatalog:
    """A small catalog: categories, two cooperatives, rated and unrated products."""
    return factories.demo_catalog()


@pytest.fixture
def app_with(database_url: str):
    """``app_with(SETTING=value, ...)``: a second app on the test's database (its rows are
    seen on PostgreSQL too), for settings the suite's app keeps off (caches, say)."""

    def make(**overrides) -> Flask:
        other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
        bind = db.engines[None]
        with other.app_context():
            db.engines[None] = bind
        return other

    return make


@pytest.fixture
def count_queries(app: Flask):
    """Count the SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.engines[None]
        engine = engine.engine if isinstance(engine, sa.Connection) else engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def fake_stripe(app: Flask):
    """A local Stripe API the real library talks to; card payments switched on meanwhile."""
    from tests.fake_stripe import card_payments_on

    with card_payments_on(app) as state:
        yield state


@pytest.fixture
def outbox(app: Flask):
    """Emails sent during the test (the locmem backend keeps them)."""
    state = app.extensions["mailman"]
    state.outbox = []
    yield state.outbox
