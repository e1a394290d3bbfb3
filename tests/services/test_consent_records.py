"""Consent records: what a person agreed to, under which policy versions, and news and offers
given and withdrawn.

A record keeps the purpose, the email as typed but trimmed and in small letters, where it was
given, the account or order it came with, and the versions of the terms and privacy policy in
force. News go to an email while a marketing consent given with it (in any capitals) or by its
account is open; the account page opts in once and opts out of every open consent. An
unsubscribe link names one email, never expires, and only a link the shop signed for that
purpose works."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Consent, ConsentPurpose, PolicyVersion, User
from shop.services import consents, policies
from shop.services.errors import NotFound
from tests import factories
from tests.services.test_account_deletion import order_of

SECRET = "a-secret-key-for-links"
MARKETING, TERMS = ConsentPurpose.MARKETING, ConsentPurpose.TERMS


def described(consent: Consent) -> tuple:
    return (
        consent.purpose,
        consent.email,
        consent.source,
        consent.user_id,
        consent.order_id,
        consent.policies,
        consent.withdrawn_at,
    )


def publish_privacy_v2() -> None:
    current = policies.get("privacy")
    policies.publish(
        "privacy", current.title_vi, current.title_en, current.body_vi + "\n\nMới.", "", None
    )


def drop_policy(slug: str) -> None:
    db.session.execute(sa.delete(PolicyVersion).where(PolicyVersion.slug == slug))


# --- Records ------------------------------------------------------------------------------


def test_a_record_keeps_what_was_agreed_to_with_whom_and_where(catalog):
    lan = factories.user(email="lan@example.vn")
    order = order_of(catalog, "lan@example.vn")
    before = utcnow()

    with_order = consents.record(TERMS, "  Lan@Example.VN ", "checkout", user=lan, order=order)
    alone = consents.record(MARKETING, "an@example.vn", "registration")

    assert with_order.id is not None and alone.id > with_order.id
    assert described(with_order) == (
        TERMS,
        "lan@example.vn",
        "checkout",
        lan.id,
        order.id,
        "terms v1, privacy v1",
        None,
    )
    assert described(alone) == (
        MARKETING,
        "an@example.vn",
        "registration",
        None,
        None,
        "terms v1, privacy v1",
        None,
    )
    assert before <= with_order.given_at <= utcnow()


def test_a_record_names_the_versions_of_the_terms_and_privacy_policy_in_force():
    assert consents.policy_versions() == "terms v1, privacy v1"
    publish_privacy_v2()
    assert consents.policy_versions() == "terms v1, privacy v2"
    assert consents.record(TERMS, "an@example.vn", "checkout").policies == "terms v1, privacy v2"
    drop_policy("terms")
    assert consents.policy_versions() == "privacy v2"
    drop_policy("privacy")
    assert consents.policy_versions() == ""


def test_a_person_s_records_are_those_of_the_account_or_its_email_oldest_first():
    lan = factories.user(email="lan@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    by_account = consents.record(TERMS, "old-lan@example.vn", "registration", user=lan)
    consents.record(TERMS, "hoa@example.vn", "registration", user=hoa)
    as_guest = consents.record(MARKETING, "lan@example.vn", "checkout")
    later = consents.record(MARKETING, "lan@example.vn", "account", user=lan)
    db.session.execute(
        sa.update(Consent).where(Consent.id == by_account.id).values(withdrawn_at=utcnow())
    )
    db.session.execute(
        sa.update(Consent).where(Consent.id == as_guest.id).values(email="LAN@example.vn")
    )
    db.session.expire_all()

    assert consents.of(lan) == [by_account, as_guest, later]
    assert consents.of(factories.user(email="new@example.vn")) == []


# --- News and offers ---------------------------------------------------------------------


def test_news_go_to_an_email_while_its_marketing_consent_is_open():
    consents.record(TERMS, "lan@example.vn", "checkout")
    assert consents.wants_marketing("lan@example.vn") is False  # the terms are not news

    news = consents.record(MARKETING, "lan@example.vn", "checkout")
    db.session.execute(sa.update(Consent).where(Consent.id == news.id).values(email="LAN@ex.vn"))
    db.session.expire_all()
    assert consents.wants_marketing(" lan@EX.vn ") is True
    assert consents.wants_marketing("hoa@ex.vn") is False

    assert consents.withdraw_marketing("lan@ex.vn") == 1
    assert consents.wants_marketing("lan@ex.vn") is False


def test_an_account_wants_news_given_under_an_earlier_email_but_not_another_account_s():
    lan = factories.user(email="lan@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    consents.record(MARKETING, "old-lan@example.vn", "registration", user=lan)

    assert consents.wants_marketing("lan@example.vn", lan) is True
    assert consents.wants_marketing("lan@example.vn") is False
    assert consents.wants_marketing("hoa@example.vn", hoa) is False


def test_withdrawing_ends_every_open_consent_of_the_email_and_account_at_once():
    lan = factories.user(email="lan@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    first = consents.record(MARKETING, "lan@example.vn", "checkout")
    second = consents.record(MARKETING, "old-lan@example.vn", "registration", user=lan)
    terms = consents.record(TERMS, "lan@example.vn", "registration", user=lan)
    theirs = consents.record(MARKETING, "hoa@example.vn", "registration", user=hoa)
    before = utcnow()

    assert consents.withdraw_marketing("LAN@example.vn", lan) == 2

    assert first.withdrawn_at == second.withdrawn_at
    assert before <= first.withdrawn_at <= utcnow()
    assert (terms.withdrawn_at, theirs.withdrawn_at) == (None, None)
    withdrawn = first.withdrawn_at
    assert consents.withdraw_marketing("lan@example.vn", lan) == 0
    assert (first.withdrawn_at, second.withdrawn_at) == (withdrawn, withdrawn)


def marketing_records_of(person: User) -> list[tuple]:
    rows = db.session.scalars(
        sa.select(Consent)
        .where(Consent.user_id == person.id, Consent.purpose == MARKETING)
        .order_by(Consent.id)
    )
    return [(row.email, row.source, row.withdrawn_at is None) for row in rows]


def test_the_account_page_opts_in_once_and_out_of_every_open_consent():
    lan = factories.user(email="lan@example.vn")
    hoa = factories.user(email="hoa@example.vn")
    consents.set_marketing(hoa, True)

    consents.set_marketing(lan, True)
    consents.set_marketing(lan, True)
    assert marketing_records_of(lan) == [("lan@example.vn", "account", True)]

    consents.set_marketing(lan, False)
    consents.set_marketing(lan, False)
    assert marketing_records_of(lan) == [("lan@example.vn", "account", False)]

    consents.set_marketing(lan, True, source="checkout")
    assert marketing_records_of(lan) == [
        ("lan@example.vn", "account", False),
        ("lan@example.vn", "checkout", True),
    ]
    assert marketing_records_of(hoa) == [("hoa@example.vn", "account", True)]


def test_opting_out_on_the_account_page_ends_news_given_under_an_earlier_email():
    lan = factories.user(email="lan@example.vn")
    consents.record(MARKETING, "old-lan@example.vn", "registration", user=lan)

    consents.set_marketing(lan, True)
    assert marketing_records_of(lan) == [("old-lan@example.vn", "registration", True)]

    consents.set_marketing(lan, False)
    assert marketing_records_of(lan) == [("old-lan@example.vn", "registration", False)]


# --- Unsubscribe links -------------------------------------------------------------------


def test_an_unsubscribe_link_names_the_email_trimmed_and_in_small_letters():
    token = consents.unsubscribe_token("  Lan@Example.VN ", SECRET)

    assert token == URLSafeSerializer(SECRET, salt="unsubscribe").dumps("lan@example.vn")
    assert consents.email_of_unsubscribe(token, SECRET) == "lan@example.vn"


def test_only_a_link_signed_for_unsubscribing_with_the_shop_s_key_works():
    signed_elsewhere = [
        URLSafeSerializer(SECRET).dumps("lan@example.vn"),
        URLSafeSerializer(SECRET, salt="register").dumps("lan@example.vn"),
        URLSafeSerializer("another-key", salt="unsubscribe").dumps("lan@example.vn"),
        "forged-token",
    ]
    for token in signed_elsewhere:
        with pytest.raises(NotFound) as error:
            consents.email_of_unsubscribe(token, SECRET)
        assert str(error.value) == "unknown link"
    good = URLSafeSerializer(SECRET, salt="unsubscribe").dumps("lan@example.vn")
    assert consents.email_of_unsubscribe(good, SECRET) == "lan@example.vn"
