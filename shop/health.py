"""Health checks for the load balancer and the process supervisor.

``/healthz``: the process answers (liveness; restart it if not).
``/readyz``: it can serve: the database answers, and Redis and the broker when configured
(readiness; take it out of the pool if not). Neither is cached nor rate-limited.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from shop.extensions import db, limiter

bp = Blueprint("health", __name__)
CHECK_TIMEOUT = 2  # seconds per dependency


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    checks = {name: _run(check) for name, check in _checks().items()}
    ready = all(result == "ok" for result in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": _database}
    if current_app.config.get("CACHE_REDIS_URL"):
        checks["redis"] = _redis
    if current_app.config.get("CELERY_BROKER_URL"):
        checks["broker"] = _broker
    return checks


def _run(check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as error:  # any failure means "not ready"; its kind is shown
        db.session.rollback()
        return f"failed: {type(error).__name__}"
    return "ok"


def _database() -> None:
    db.session.execute(sa.text("SELECT 1"))
    db.session.rollback()


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(
        current_app.config["CACHE_REDIS_URL"], socket_timeout=CHECK_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def _broker() -> None:
    celery = current_app.extensions["celery"]
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT)
