"""SQLite files are opened in WAL mode with memory-mapped reads, outside the test suite."""

import sqlalchemy as sa

from shop import create_app
from shop.extensions import db


def _pragmas(app) -> tuple:
    with app.app_context():
        with db.engine.connect() as conn:
            values = tuple(
                conn.scalar(sa.text(f"PRAGMA {name}"))
                for name in ("journal_mode", "synchronous", "busy_timeout", "mmap_size")
            )
        db.engine.dispose()
    return values


def test_a_sqlite_file_gets_wal_normal_sync_a_busy_timeout_and_mmap(tmp_path):
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SQLITE_PRAGMAS": True},
    )
    assert _pragmas(app) == ("wal", 1, 5000, 268_435_456)


def test_the_suite_keeps_plain_files_it_can_copy(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.db'}"})
    assert _pragmas(app)[0] == "delete"
