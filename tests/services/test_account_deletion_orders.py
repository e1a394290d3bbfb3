"""Deleting one's own account waits for the person's own orders on their way, and only
theirs: an order of the account placed under an earlier email counts, another person's
order, with an account or as a guest, does not."""

from __future__ import annotations

from shop.extensions import db
from shop.models import PartStatus, User
from shop.services import personal_data
from shop.services.errors import Conflict
from tests import factories
from tests.factories import PASSWORD
from tests.services.test_account_deletion import ON_ITS_WAY, as_it_was, delete, lan, order_of
from tests.services.test_refusals import refused


def test_an_order_of_the_account_under_an_earlier_email_stops_the_deletion(catalog):
    me = lan()
    waiting = order_of(catalog, "lan.old@example.vn", PartStatus.PROCESSING, user=me)
    kept = as_it_was(me)

    refused(Conflict, lambda: personal_data.delete_account(me, PASSWORD), ON_ITS_WAY)
    assert as_it_was(me) == kept

    waiting.parts[0].status = PartStatus.CANCELLED
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
