"""Accounts: what a registration link creates and consents to, and what a producer's
application keeps, each compared field by field."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import Consent, ConsentPurpose, Cooperative, CooperativeKind, Role, User
from shop.services import accounts
from shop.services.errors import Conflict, InvalidInput
from tests import factories
from tests.services.test_refusals import refused

SECRET = "a-test-secret-key-of-some-length"


def consents_of(email: str) -> list[tuple[ConsentPurpose, str, int | None]]:
    rows = db.session.scalars(sa.select(Consent).where(Consent.email == email).order_by(Consent.id))
    return [(c.purpose, c.source, c.user_id) for c in rows]


@pytest.mark.parametrize("choice", [{}, {"marketing": True}])  # {}: the box left alone
def test_a_registration_link_makes_the_account_it_names(app, choice):
    token = accounts.registration_token(" Lan@Example.VN ", "  Nguyễn Thị Lan ", SECRET)
    user = accounts.finish_registration(token, factories.PASSWORD, SECRET, **choice)
    marketing = bool(choice)
    db.session.commit()
    assert (user.email, user.name, user.role) == ("lan@example.vn", "Nguyễn Thị Lan", Role.CUSTOMER)
    assert accounts.authenticate("lan@example.vn", factories.PASSWORD) is user
    # News and offers only when the person ticked the box: never by default.
    expected = [(ConsentPurpose.TERMS, "registration", user.id)]
    if marketing:
        expected.append((ConsentPurpose.MARKETING, "registration", user.id))
    assert consents_of("lan@example.vn") == expected


def application(user: User, **changes) -> Cooperative:
    """A complete application, with ``changes``; a field changed to None is left out."""
    fields = {
        "name": "  Hợp tác xã Chè Tân Cương  ",
        "kind": CooperativeKind.HOUSEHOLD,
        "province": "Thái Nguyên",
        "commune": "Xã Tân Cương",
        "address": "Xóm Hồng Thái 2",
        "phone": "0912345678",
        "story": "Chè búp hái tay từ năm 1990.",
        "registration_number": " 4600 123456 ",
        "zalo_url": "https://zalo.me/0912345678",
        "facebook_url": "https://www.facebook.com/chetancuong",
    }
    fields.update(changes)
    given = {name: value for name, value in fields.items() if value is not None}
    return accounts.apply_for_cooperative(user, **given)


def test_an_application_keeps_what_the_producer_wrote_and_makes_them_its_owner(app):
    user = factories.user(email="che@example.vn")
    coop = application(user)
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Cooperative, coop.id)
    assert {
        "name": saved.name,
        "slug": saved.slug,
        "kind": saved.kind,
        "province": saved.province,
        "commune": saved.commune,
        "address": saved.address,
        "phone": saved.phone,
        "email": saved.email,
        "story_vi": saved.story_vi,
        "registration_number": saved.registration_number,
        "zalo_url": saved.zalo_url,
        "facebook_url": saved.facebook_url,
        "approved": saved.approved,
    } == {
        "name": "Hợp tác xã Chè Tân Cương",
        "slug": "hop-tac-xa-che-tan-cuong",
        "kind": CooperativeKind.HOUSEHOLD,
        "province": "Thái Nguyên",
        "commune": "Xã Tân Cương",
        "address": "Xóm Hồng Thái 2",
        "phone": "0912345678",
        "email": "che@example.vn",
        "story_vi": "Chè búp hái tay từ năm 1990.",
        "registration_number": "4600123456",
        "zalo_url": "https://zalo.me/0912345678",
        "facebook_url": "https://www.facebook.com/chetancuong",
        "approved": False,  # hidden until the office approves it
    }
    member = db.session.get(User, user.id)
    # The owner may invite staff; a member who is not the owner may not.
    assert (member.role, member.cooperative_id, member.is_owner) == (Role.MEMBER, coop.id, True)


def test_a_name_without_letters_still_gets_an_address(app):
    first = application(factories.user(), name="★ ★ ★")
    second = application(factories.user(), name="★")
    assert (first.slug, second.slug) == ("htx", "htx-2")


@pytest.mark.parametrize(
    ("field", "url", "site"),
    [
        ("zalo_url", "https://www.facebook.com/chetancuong", "zalo.me"),
        ("facebook_url", "https://zalo.me/0912345678", "facebook.com"),
        ("zalo_url", "http://zalo.me/0912345678", None),
    ],
)
def test_an_application_refuses_a_link_to_the_wrong_site(app, field, url, site):
    user = factories.user()
    call = lambda: application(user, **{field: url})  # noqa: E731
    if site is None:
        refused(InvalidInput, call, "Links start with https://.")
    else:
        refused(InvalidInput, call, "This link does not point at %(site)s.", site=site)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cooperative)) == 0


@pytest.mark.parametrize("role", ["member", "admin"])
def test_only_a_buyer_account_may_apply(app, role):
    coop = factories.cooperative() if role == "member" else None
    user = factories.user(role, cooperative=coop)
    refused(
        Conflict,
        lambda: application(user),
        "This account already belongs to a cooperative or the OCOP office.",
    )


def test_an_application_without_links_keeps_none(app):
    coop = application(
        factories.user(), zalo_url=None, facebook_url=None, registration_number="HKD123456"
    )
    assert (coop.zalo_url, coop.facebook_url, coop.registration_number) == ("", "", "HKD123456")


def test_a_registration_link_carries_the_name_given_cut_to_120_characters(app):
    token = accounts.registration_token("mai@example.vn", "  " + "Mai " * 40, SECRET)
    email, name = accounts.registration_of(token, SECRET)
    assert (email, name) == ("mai@example.vn", ("Mai " * 40).strip()[:120])
    assert len(name) == 120


def test_a_password_change_needs_the_current_one_and_signs_out_other_sessions(app):
    user = factories.user()
    before = user.session_token
    refused(
        InvalidInput,
        lambda: accounts.change_password(user, "not-my-password", "a-new-long-password"),
        "Your current password is not correct.",
    )
    refused(
        InvalidInput,
        lambda: accounts.change_password(user, factories.PASSWORD, "short"),
        "Use at least %(n)s characters for your password.",
        n=accounts.MIN_PASSWORD,
    )
    assert user.check_password(factories.PASSWORD) and user.session_token == before
    accounts.change_password(user, factories.PASSWORD, "a-new-long-password")
    assert user.check_password("a-new-long-password") and user.session_token != before


def test_an_email_change_needs_the_password_and_a_free_address(app):
    taken = factories.user(email="taken@example.vn")
    user = factories.user(email="old@example.vn")
    refused(
        InvalidInput,
        lambda: accounts.change_email(user, "not-my-password", "new@example.vn"),
        "Your current password is not correct.",
    )
    refused(
        Conflict,
        lambda: accounts.change_email(user, factories.PASSWORD, "  TAKEN@example.vn "),
        "An account with this email already exists. Sign in or reset your password.",
    )
    assert (user.email, taken.email) == ("old@example.vn", "taken@example.vn")
    accounts.change_email(user, factories.PASSWORD, "  New@Example.VN ")
    assert user.email == "new@example.vn"


def test_only_the_owner_invites_staff(app):
    coop = factories.cooperative()
    staff = factories.user("member", cooperative=coop)
    refused(
        Conflict,
        lambda: accounts.invitation_token(staff, "helper@example.vn", SECRET),
        "Only the cooperative's owner can invite staff.",
    )
    staff.is_owner = True
    helper = factories.user(email="helper@example.vn")
    token = accounts.invitation_token(staff, " Helper@Example.VN ", SECRET)
    assert accounts.accept_invitation(helper, token, SECRET) is coop
    assert (helper.role, helper.is_owner) == (Role.MEMBER, False)
