"""The OCOP office's tools: approving, suspending and rejecting cooperatives (each refusal in
the words the office reads), the lists it works from in their order, finding products and
accounts, roles, and the orders and refunds it looks at."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shop.clock import today, utcnow
from shop.extensions import db
from shop.models import Certification, CertificationKind, Cooperative, Role
from shop.models import PaymentMethod as M
from shop.services import admin, orders
from shop.services.admin import OrderFilter
from shop.services.errors import Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.test_coop_ledger import paid_transfer
from tests.services.test_orders import HANOI, HOLDS, RULE
from tests.services.test_refusals import refused


def application(**fields) -> Cooperative:
    return factories.cooperative(approved=False, **fields)


# --- cooperatives ----------------------------------------------------------------------------


def test_approving_and_suspending_are_refused_with_the_reason(catalog):
    viba = catalog.viba
    refused(Conflict, lambda: admin.approve(viba), "%(name)s is already approved.", name=viba.name)
    refused(Conflict, lambda: admin.reinstate(viba), "%(name)s is not suspended.", name=viba.name)
    for reason in (None, "   "):
        refused(
            InvalidInput,
            lambda r=reason: admin.suspend(viba, r),
            "Give a reason for the suspension.",
        )
    admin.suspend(viba, "  " + "x" * 400)
    assert (viba.approved, len(viba.suspended_reason)) == (False, 300)
    assert viba.suspended_reason == "x" * 300
    refused(
        Conflict,
        lambda: admin.approve(viba),
        "%(name)s is suspended: reinstate it instead.",
        name=viba.name,
    )
    refused(
        Conflict,
        lambda: admin.suspend(application(), "nhãn sai"),
        "Only an approved cooperative can be suspended.",
    )
    admin.reinstate(viba)
    assert (viba.approved, viba.suspended_at, viba.suspended_reason) == (True, None, "")


def test_a_rejection_needs_a_reason_and_an_application(catalog):
    waiting = application()
    for reason in (None, " "):
        refused(
            InvalidInput,
            lambda r=reason: admin.reject(waiting, r),
            "Give a reason for the rejection.",
        )
    refused(
        Conflict,
        lambda: admin.reject(catalog.viba, "trùng tên"),
        "%(name)s is already approved.",
        name=catalog.viba.name,
    )


def test_an_empty_application_is_deleted_and_its_members_become_customers(catalog):
    waiting = application()
    owner = factories.user("member", waiting)
    owner.is_owner = True
    db.session.add(
        Certification(
            kind=CertificationKind.VIETGAP,
            number="VG-9",
            issuer="VietGAP",
            valid_from=today(),
            cooperative=waiting,
        )
    )
    db.session.flush()
    assert admin.reject(waiting, "thiếu giấy tờ") is True
    db.session.commit()
    db.session.expire_all()
    assert (owner.role, owner.cooperative_id, owner.is_owner) == (Role.CUSTOMER, None, False)
    assert db.session.get(Cooperative, waiting.id) is None
    assert db.session.scalar(sa.select(Certification).where(Certification.number == "VG-9")) is None


def test_an_application_with_products_or_orders_is_kept(catalog):
    with_product = application()
    factories.product(with_product, catalog.categories["tea"])
    assert admin.reject(with_product, "thiếu giấy tờ") is False
    viba = catalog.viba
    orders.place_order({catalog.banana.id: 1}, HANOI, M.COD, RULE, HOLDS)
    for product in list(viba.products):
        product.cooperative = with_product  # an application whose only trace is an order
    db.session.flush()
    assert admin.product_count(viba) == 0
    viba.approved = False
    assert admin.reject(viba, "thiếu giấy tờ") is False
    db.session.commit()
    assert db.session.get(Cooperative, viba.id) is not None


def test_the_list_puts_applications_first_newest_first_and_counts_each_one_s_products(catalog):
    old = application(name="Hợp tác xã Cũ")
    old.created_at = utcnow() - timedelta(days=3)
    new = application(name="Hợp tác xã Mới")
    listed = admin.cooperatives()
    assert [coop for coop, _ in listed][:2] == [new, old]
    counts = {coop.id: n for coop, n in listed}
    assert counts[catalog.viba.id] == 3 and counts[catalog.thai_son.id] == 2
    assert counts[old.id] == 0
    assert admin.product_count(catalog.viba) == 3
    approved = [coop for coop, _ in listed][2:]
    assert approved == sorted(approved, key=lambda c: c.created_at, reverse=True)
    assert admin.all_cooperatives() == sorted(
        [catalog.viba, catalog.thai_son, old, new], key=lambda c: c.name
    )


def test_approved_cooperatives_of_the_same_day_are_listed_by_name(catalog):
    same = utcnow() - timedelta(days=1)
    for coop in (catalog.viba, catalog.thai_son):
        coop.created_at = same
    names = [coop.name for coop, _ in admin.cooperatives()]
    assert names == sorted(names)
    assert admin.counts().pending_cooperatives == 0
    application()
    assert admin.counts().pending_cooperatives == 1


def test_unknown_ids_are_not_found(catalog):
    for call, message in (
        (admin.cooperative, "No such cooperative."),
        (admin.product, "No such product."),
        (admin.rating, "No such rating."),
        (admin.user, "No such account."),
    ):
        refused(NotFound, lambda c=call: c(987_654), message)


# --- products and ratings --------------------------------------------------------------------


def test_found_products_come_by_name_then_id_up_to_the_limit(catalog):
    same = [
        factories.product(catalog.viba, catalog.categories["tea"], name_vi="Chè Thái", price=p)
        for p in (3_000, 1_000)
    ]
    found = admin.find_products("chè")
    assert found[:2] == same
    assert found[2] is catalog.tea  # "Chè xanh" after "Chè Thái"
    assert admin.find_products("chè", limit=1) == same[:1]
    assert admin.find_products("   ") == [] and admin.find_products(None) == []


def test_only_rated_products_are_listed_as_expiring(catalog):
    soon = today() + timedelta(days=10)
    later = today() + timedelta(days=5)
    catalog.banana.ocop_valid_until = soon
    catalog.longan.ocop_stars, catalog.longan.ocop_valid_until = 0, later
    catalog.tea.ocop_valid_until = later
    db.session.flush()
    assert list(db.session.scalars(admin.expiring_products_query())) == [
        catalog.tea,
        catalog.banana,
    ]


def test_rated_products_expiring_the_same_day_are_listed_by_id(catalog):
    soon = today() + timedelta(days=10)
    catalog.tea.ocop_valid_until = catalog.banana.ocop_valid_until = soon
    db.session.flush()
    first, second = sorted((catalog.banana, catalog.tea), key=lambda p: p.id)
    assert list(db.session.scalars(admin.expiring_products_query())) == [first, second]


# --- accounts --------------------------------------------------------------------------------


def test_accounts_are_found_by_any_part_of_their_email_whatever_its_case(catalog):
    lan = factories.user(email="lan.nguyen@example.vn")
    minh = factories.user(email="minh@example.vn")
    assert db.session.scalars(admin.users(" LAN.Nguyen ")).all() == [lan]
    assert db.session.scalars(admin.users()).all()[:2] == [minh, lan]
    assert db.session.scalars(admin.users(None)).all()[:2] == [minh, lan]


def test_role_changes_keep_the_office_and_each_member_to_one_cooperative(catalog):
    office = factories.user("admin")
    refused(
        Conflict,
        lambda: admin.change_role(office, Role.CUSTOMER, None, acting=office),
        "You cannot remove your own admin role.",
    )
    member = factories.user("member", catalog.viba)
    member.is_owner = True
    refused(
        InvalidInput,
        lambda: admin.change_role(member, Role.MEMBER, None, acting=office),
        "Choose the cooperative this member belongs to.",
    )
    admin.change_role(member, Role.MEMBER, catalog.viba, acting=office)
    assert (member.cooperative, member.is_owner) == (catalog.viba, True)  # unchanged: stays owner
    admin.change_role(member, Role.MEMBER, catalog.thai_son, acting=office)
    assert (member.cooperative, member.is_owner) == (catalog.thai_son, False)
    member.is_owner = True
    admin.change_role(member, Role.CUSTOMER, catalog.thai_son, acting=office)
    assert (member.role, member.cooperative, member.is_owner) == (Role.CUSTOMER, None, False)


# --- orders ----------------------------------------------------------------------------------


def listed(which: OrderFilter) -> list:
    return db.session.scalars(admin.order_query(which)).all()


def test_the_order_lists_filter_and_put_the_newest_first(catalog):
    cash = orders.place_order({catalog.banana.id: 1}, HANOI, M.COD, RULE, HOLDS)
    unpaid = orders.place_order({catalog.tea.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    paid = paid_transfer(catalog, {catalog.tea.id: 1})
    mismatch = orders.place_order({catalog.herb.id: 1}, HANOI, M.COD, RULE, HOLDS)
    mismatch.amount_mismatch = True
    unpaid_cash = orders.place_order({catalog.herb.id: 1}, HANOI, M.COD, RULE, HOLDS)
    now = utcnow()
    for n, order in enumerate((cash, unpaid, paid, mismatch, unpaid_cash)):
        order.placed_at = now - timedelta(hours=5 - n)
    unpaid_cash.placed_at = mismatch.placed_at  # a tie: the later id first
    db.session.flush()
    assert listed(OrderFilter.ALL) == [unpaid_cash, mismatch, paid, unpaid, cash]
    assert listed(OrderFilter.ATTENTION) == [mismatch]
    assert listed(OrderFilter.UNPAID_TRANSFER) == [unpaid]
    assert admin.counts().unpaid_transfers == 1


def test_an_order_s_refunds_are_its_own_in_the_order_made(catalog):
    order = paid_transfer(catalog, {catalog.tea.id: 1})
    other = paid_transfer(catalog, {catalog.tea.id: 1})
    assert admin.collected(order) == order.total
    admin.refund(other, 2_000, "hàng dập")
    admin.refund(order, 5_000, "giao trễ")
    admin.refund(order, 1_000, "quà")
    assert [r.amount for r in admin.refunds(order)] == [5_000, 1_000]
    assert admin.refundable(order) == order.total - 6_000
