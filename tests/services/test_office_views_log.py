"""The office's looks at a buyer's personal data are written down, shown to the buyer and to
the office.

Each look names who looked, at what, and whose data it was: the account looked at, or the
buyer of the order looked at (nobody's account for a guest order). A buyer sees the looks at
their account and at every order of theirs, a guest order with their email too, newest first;
the office's log shows the latest 200 looks, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from shop.extensions import db
from shop.models import DataAccess, User
from shop.services import personal_data
from tests import factories
from tests.services.test_account_deletion import order_of

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def logged() -> list[tuple]:
    rows = db.session.scalars(sa.select(DataAccess).order_by(DataAccess.id))
    return [(row.staff_id, row.what, row.subject_user_id, row.order_id) for row in rows]


def test_each_look_names_who_looked_at_what_and_whose_data_it_was(catalog):
    office = factories.user("admin")
    lan = factories.user(email="lan@example.vn")
    hers = order_of(catalog, "lan@example.vn", user=lan)
    guest = order_of(catalog, "khach@example.vn")

    personal_data.log_access(office, "account", subject=lan)
    personal_data.log_access(office, "order", order=hers)
    personal_data.log_access(office, "order", order=guest)
    personal_data.log_access(office, "order of the account", subject=lan, order=guest)
    personal_data.log_access(office, "search")
    db.session.commit()

    assert logged() == [
        (office.id, "account", lan.id, None),
        (office.id, "order", lan.id, hers.id),
        (office.id, "order", None, guest.id),
        (office.id, "order of the account", lan.id, guest.id),
        (office.id, "search", None, None),
    ]


def test_what_was_looked_at_is_kept_to_80_characters():
    office = factories.user("admin")
    personal_data.log_access(office, "a" * 80)
    personal_data.log_access(office, "b" * 80 + "c")
    db.session.commit()

    assert [what for _, what, _, _ in logged()] == ["a" * 80, "b" * 80]


def look(staff: User, what: str, at: datetime, **about) -> DataAccess:
    access = DataAccess(staff_id=staff.id, what=what, at=at, **about)
    db.session.add(access)
    db.session.flush()
    return access


def test_a_buyer_sees_the_looks_at_their_account_and_orders_newest_first(catalog):
    office = factories.user("admin")
    lan = factories.user(email="lan@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    hers = order_of(catalog, "lan@example.vn", user=lan)
    as_guest = order_of(catalog, "Lan@Example.vn")
    theirs = order_of(catalog, "hoa@example.vn", user=hoa)

    oldest = look(office, "account", NOON - timedelta(days=2), subject_user_id=lan.id)
    newest = look(office, "order", NOON, order_id=as_guest.id)
    same_time_first = look(office, "account", NOON - timedelta(days=1), subject_user_id=lan.id)
    same_time_second = look(office, "order", NOON - timedelta(days=1), order_id=hers.id)
    look(office, "order", NOON, order_id=theirs.id)
    look(office, "account", NOON, subject_user_id=hoa.id)
    db.session.commit()

    assert personal_data.accesses_of(lan) == [newest, same_time_second, same_time_first, oldest]


def test_a_person_without_orders_sees_only_the_looks_at_their_account(catalog):
    office = factories.user("admin")
    an = factories.user(email="an@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    theirs = order_of(catalog, "hoa@example.vn", user=hoa)
    mine = look(office, "account", NOON, subject_user_id=an.id)
    look(office, "order", NOON, order_id=theirs.id)
    look(office, "account", NOON, subject_user_id=hoa.id)
    db.session.commit()

    assert personal_data.accesses_of(an) == [mine]
    assert personal_data.accesses_of(factories.user(email="new@example.vn")) == []


def test_the_office_log_shows_the_latest_200_looks_newest_first():
    office = factories.user("admin")
    looks = [look(office, "account", NOON + timedelta(minutes=n)) for n in range(201)]
    tied = look(office, "order", NOON + timedelta(minutes=200))
    written_late = look(office, "order", NOON + timedelta(minutes=1, seconds=30))
    db.session.commit()

    shown = personal_data.access_log()

    assert shown == [tied, *reversed(looks[2:])]
    assert personal_data.access_log(limit=202)[-3:] == [looks[2], written_late, looks[1]]
    assert personal_data.access_log(limit=3) == [tied, looks[200], looks[199]]
    assert shown[0].staff.email == office.email
