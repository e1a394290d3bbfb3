"""SQLite tuned for a web server: several workers reading while one writes.

On every new connection: write-ahead logging (readers never wait for the writer, nor the
writer for readers), NORMAL sync (safe with WAL; a power cut may lose the last commits,
never corrupt), a busy timeout instead of "database is locked", a 32 MB page cache and
256 MB of memory-mapped reads (a listing that reads thousands of product rows is served from
the OS's cache without a system call per page). PostgreSQL connections are left alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA cache_size=-32000",
    "PRAGMA mmap_size=268435456",
    "PRAGMA temp_store=MEMORY",
)


def _tune(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def tune_sqlite(app: Flask, engine: sa.Engine) -> None:
    """Apply the pragmas to ``engine``'s connections when it is a SQLite file."""
    if not app.config.get("SQLITE_PRAGMAS") or engine.dialect.name != "sqlite":
        return
    if engine.url.database in (None, "", ":memory:"):
        return
    if not sa.event.contains(engine, "connect", _tune):
        sa.event.listen(engine, "connect", _tune)
