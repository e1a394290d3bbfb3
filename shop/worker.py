"""Background work on a real queue: Celery, with Redis (or RabbitMQ) as the broker.

What runs here:

- the outbox relay: a commit that wrote outbox messages (emails, Stripe refunds, label
  runs) sends their ids as one task; the worker delivers them. Beat also sweeps every
  minute for messages whose retry time has come, or whose task was lost;
- ``release-expired`` every five minutes (unpaid orders whose hold ran out);
- ``expire-ratings`` once a day, after midnight in Vietnam.

With no ``CELERY_BROKER_URL`` nothing here is used: the outbox delivers in-process
after the commit (``OUTBOX_DELIVERY``), and cron runs the same commands.

Run a worker and its scheduler with::

    celery -A shop.worker worker --loglevel=info
    celery -A shop.worker beat --loglevel=info
"""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from shop import transaction
from shop.extensions import db
from shop.services.search import WORDS_REBUILT_SECONDS

RELAY_SWEEP_SECONDS = 60.0
RELEASE_EXPIRED_SECONDS = 300.0


def celery_init_app(app: Flask) -> Celery:
    """A Celery app whose tasks run inside ``app``'s context (Flask's documented pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"] or "memory://",
        task_ignore_result=True,
        task_acks_late=True,  # a worker killed mid-task leaves the task for another
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,  # a commit never waits long for a broker that is down
        broker_transport_options={"visibility_timeout": 3600},
        timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
        beat_schedule=BEAT_SCHEDULE,
        task_always_eager=False,
    )
    celery.set_default()
    app.extensions["celery"] = celery
    _register_tasks(celery)
    return celery


BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "shop.outbox.deliver_due", "schedule": RELAY_SWEEP_SECONDS},
    "release-expired": {
        "task": "shop.orders.release_expired",
        "schedule": RELEASE_EXPIRED_SECONDS,
    },
    "expire-ratings": {
        "task": "shop.ratings.expire_lapsed",
        "schedule": crontab(hour=0, minute=15),  # Asia/Ho_Chi_Minh, the app's timezone
    },
    "warn-expiring": {
        "task": "shop.notify.warn_expiring",
        "schedule": crontab(hour=7, minute=0),  # once a day, in working hours
    },
    "remind-complaints": {
        "task": "shop.complaints.remind",
        "schedule": crontab(hour=8, minute=0),  # once a day, in working hours
    },
    "prepare-search-words": {
        "task": "shop.search.prepare_words",
        "schedule": WORDS_REBUILT_SECONDS,
    },
    "enforce-retention": {
        "task": "shop.personal_data.enforce_retention",
        "schedule": crontab(hour=2, minute=30),  # once a day, at night
    },
}


def _register_tasks(celery: Celery) -> None:
    from shop.services import orders, outbox, ratings

    @celery.task(name="shop.outbox.deliver", shared=False)
    def deliver(ids: list[int]) -> tuple[int, int]:
        """Deliver the messages one commit wrote (each in a transaction of its own)."""
        return outbox.deliver(ids)

    @celery.task(name="shop.search.prepare_words", shared=False)
    def prepare_words() -> int:
        """The words misspelt searches are corrected to, for every app server."""
        from shop import fragments

        return fragments.prepare_search_words()

    @celery.task(name="shop.outbox.deliver_due", shared=False)
    def deliver_due() -> tuple[int, int]:
        return outbox.deliver_due()

    @celery.task(name="shop.orders.release_expired", shared=False)
    def release_expired() -> int:
        released = orders.release_expired()
        transaction.commit()
        return released

    @celery.task(name="shop.notify.warn_expiring", shared=False)
    def warn_expiring() -> int:
        from shop.clock import today
        from shop.services.notify.events import warn_expiring

        sent = warn_expiring(today())
        transaction.commit()
        return sent

    @celery.task(name="shop.personal_data.enforce_retention", shared=False)
    def enforce_retention() -> dict[str, int]:
        from flask import current_app

        from shop.services import personal_data

        done = personal_data.enforce_retention(
            personal_data.Retention.from_config(current_app.config)
        )
        transaction.commit()
        return done

    @celery.task(name="shop.complaints.remind", shared=False)
    def remind_complaints() -> tuple[int, int]:
        from shop.services.complaints import remind_complaints

        done = remind_complaints()
        transaction.commit()
        return done

    @celery.task(name="shop.ratings.expire_lapsed", shared=False)
    def expire_lapsed() -> int:
        lapsed = ratings.expire_lapsed()
        transaction.commit()
        return lapsed


def send_outbox(ids: list[int]) -> bool:
    """Hand ``ids`` to the worker; False if the broker cannot be reached (beat sweeps later)."""
    from flask import current_app

    celery: Celery = current_app.extensions["celery"]
    try:
        celery.send_task("shop.outbox.deliver", args=[ids], retry=False)
    except Exception as error:  # the broker is down: the messages stay pending in the database
        current_app.logger.warning("outbox: broker unreachable (%r); the sweep will deliver", error)
        return False
    return True


def _make_default_celery() -> Celery:
    from shop import create_app

    return create_app().extensions["celery"]


def __getattr__(name: str):
    # ``celery -A shop.worker`` looks up ``celery`` (or ``app``): build the Flask app then.
    if name in ("celery", "app"):
        value = _make_default_celery()
        globals()["celery"] = globals()["app"] = value
        return value
    raise AttributeError(name)
