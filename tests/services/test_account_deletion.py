"""Deleting one's own account: what identified the person goes from its row, their reviews
and cart go, their news and offers stop, every session ends; their orders stay for the books,
no longer linked to the account. Only the right password deletes it, only a customer's
account is deleted this way, and not while an order of theirs is on its way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.clock import utcnow
from shop.extensions import db
from shop.models import (
    CartItem,
    Consent,
    ConsentPurpose,
    Order,
    PartStatus,
    PaymentMethod,
    Review,
    Role,
    User,
)
from shop.services import accounts, consents, orders, personal_data
from shop.services.errors import Conflict, InvalidInput
from tests import factories
from tests.factories import PASSWORD
from tests.services.test_orders import HOLDS, RULE
from tests.services.test_refusals import refused

WRONG_PASSWORD = "The password is not right."
DELETED_BY_THE_OFFICE = (
    "An account of a cooperative or of the OCOP office is deleted by the office: write to it."
)
ON_ITS_WAY = (
    "An order of yours is still on its way. Delete the account once it is delivered or cancelled."
)


def lan() -> User:
    """A customer who gave a phone and chose every channel."""
    me = factories.user(email="lan@example.vn", name="Nguyễn Thị Lan")
    accounts.set_notifications(me, "0912 345 678", email=True, zalo=True, sms=True)
    db.session.commit()
    return me


def order_of(
    catalog, email: str, status: PartStatus | None = None, user: User | None = None
) -> Order:
    """A cash order of one banana to Hà Nội, its parcel moved on to ``status`` if given."""
    delivery = orders.Delivery(
        "Nguyễn Thị Lan", "0912345678", email, "Hà Nội", "Phường Ba Đình", "1 Hùng Vương"
    )
    order = orders.place_order(
        {catalog.banana.id: 1},
        delivery,
        PaymentMethod.COD,
        RULE,
        HOLDS,
        user_id=user.id if user else None,
    )
    if status is not None:
        order.parts[0].status = status
    db.session.commit()
    return order


def reviewed_and_carted(catalog, person: User) -> None:
    db.session.add(Review(product=catalog.banana, user=person, stars=5, text="Ngon"))
    db.session.add(CartItem(user_id=person.id, product_id=catalog.tea.id, quantity=2))
    db.session.commit()


def count(model, person: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(model.user_id == person.id))


def delete(person: User, password: str | None = PASSWORD) -> None:
    personal_data.delete_account(person, password)
    db.session.commit()
    db.session.expire_all()


def as_it_was(person: User) -> tuple:
    return (
        person.email,
        person.name,
        person.phone,
        person.active,
        person.deleted_at,
        person.password_hash,
        person.session_token,
    )


def test_deleting_the_account_removes_what_identified_the_person():
    me = lan()
    token, joined = me.session_token, me.created_at
    before = utcnow()

    delete(me)

    gone = db.session.get(User, me.id)
    assert (gone.email, gone.name, gone.phone) == (f"deleted-{me.id}@deleted.invalid", "", "")
    assert gone.active is False
    assert before <= gone.deleted_at <= utcnow()
    assert (gone.notify_email, gone.notify_zalo, gone.notify_sms) == (False, False, False)
    assert gone.channels == frozenset()
    assert gone.password_hash == "!" and not gone.check_password(PASSWORD)
    assert gone.session_token != token  # every session signed out
    assert (gone.role, gone.language, gone.created_at) == (Role.CUSTOMER, "vi", joined)
    assert accounts.authenticate("lan@example.vn", PASSWORD) is None


def test_the_reviews_and_cart_go_with_the_account_and_nobody_elses(catalog):
    me, neighbour = lan(), factories.user(email="hoa@example.vn")
    reviewed_and_carted(catalog, me)
    reviewed_and_carted(catalog, neighbour)

    delete(me)

    assert (count(Review, me), count(CartItem, me)) == (0, 0)
    assert (count(Review, neighbour), count(CartItem, neighbour)) == (1, 1)


def test_the_orders_stay_with_their_details_but_no_longer_name_the_account(catalog):
    me, neighbour = lan(), factories.user(email="hoa@example.vn")
    mine = order_of(catalog, "lan@example.vn", PartStatus.DELIVERED, user=me)
    as_guest = order_of(catalog, "lan@example.vn", PartStatus.CANCELLED)
    theirs = order_of(catalog, "hoa@example.vn", PartStatus.DELIVERED, user=neighbour)

    delete(me)

    assert (mine.user_id, mine.full_name, mine.email, mine.phone, mine.street) == (
        None,
        "Nguyễn Thị Lan",
        "lan@example.vn",
        "0912345678",
        "1 Hùng Vương",
    )
    assert (as_guest.user_id, as_guest.email) == (None, "lan@example.vn")
    assert theirs.user_id == neighbour.id


def marketing_open(email: str) -> list[bool]:
    rows = db.session.scalars(
        sa.select(Consent)
        .where(Consent.email == email, Consent.purpose == ConsentPurpose.MARKETING)
        .order_by(Consent.id)
    )
    return [row.withdrawn_at is None for row in rows]


def test_news_stop_for_every_address_the_person_opted_in_with():
    me, neighbour = lan(), factories.user(email="hoa@example.vn")
    consents.record(ConsentPurpose.MARKETING, "lan@example.vn", "registration", user=me)
    accounts.change_email(me, PASSWORD, "lan.nguyen@example.vn")
    consents.record(ConsentPurpose.MARKETING, "lan.nguyen@example.vn", "account", user=me)
    consents.record(ConsentPurpose.MARKETING, "hoa@example.vn", "registration", user=neighbour)
    consents.record(ConsentPurpose.TERMS, "lan.nguyen@example.vn", "registration", user=me)
    db.session.commit()

    delete(me)

    assert marketing_open("lan@example.vn") == [False]  # given before the email changed
    assert marketing_open("lan.nguyen@example.vn") == [False]
    assert marketing_open("hoa@example.vn") == [True]
    terms = db.session.scalar(sa.select(Consent).where(Consent.purpose == ConsentPurpose.TERMS))
    assert terms.withdrawn_at is None  # the record of what was agreed to stays


def test_a_wrong_or_missing_password_deletes_nothing(catalog):
    me = lan()
    reviewed_and_carted(catalog, me)
    kept = as_it_was(me)

    for password in ("sai-mat-khau", "", None):
        refused(
            InvalidInput, lambda p=password: personal_data.delete_account(me, p), WRONG_PASSWORD
        )
    db.session.expire_all()
    assert as_it_was(db.session.get(User, me.id)) == kept
    assert (count(Review, me), count(CartItem, me)) == (1, 1)


def test_a_cooperative_or_office_account_is_deleted_by_the_office(catalog):
    member = factories.user("member", cooperative=catalog.viba)
    office = factories.user("admin")
    for person in (member, office):
        kept = as_it_was(person)
        refused(
            Conflict,
            lambda p=person: personal_data.delete_account(p, PASSWORD),
            DELETED_BY_THE_OFFICE,
        )
        assert as_it_was(person) == kept


@pytest.mark.parametrize(
    ("email", "own", "on_its_way", "finished"),
    [
        ("LAN@Example.vn", False, PartStatus.SHIPPED, PartStatus.DELIVERED),  # as a guest
        ("lan.old@example.vn", True, PartStatus.PROCESSING, PartStatus.CANCELLED),  # old email
    ],
)
def test_an_order_of_theirs_on_its_way_stops_the_deletion(
    catalog, email, own, on_its_way, finished
):
    me = lan()
    waiting = order_of(catalog, email, on_its_way, user=me if own else None)
    kept = as_it_was(me)

    refused(Conflict, lambda: personal_data.delete_account(me, PASSWORD), ON_ITS_WAY)
    assert as_it_was(me) == kept

    waiting.parts[0].status = finished
    db.session.commit()
    delete(me)
    assert db.session.get(User, me.id).deleted_at is not None


def test_other_people_s_orders_on_their_way_do_not_stop_the_deletion(catalog):
    me = lan()
    neighbour = factories.user(email="hoa@example.vn")
    order_of(catalog, "hoa@example.vn", PartStatus.SHIPPED, user=neighbour)
    order_of(catalog, "khach@example.vn", PartStatus.PAID)
    order_of(catalog, "lan@example.vn", PartStatus.DELIVERED, user=me)

    delete(me)

    gone = db.session.get(User, me.id)
    assert (gone.email, gone.deleted_at is not None) == (f"deleted-{me.id}@deleted.invalid", True)
