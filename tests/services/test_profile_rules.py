"""What a cooperative's public profile may say: a registration or tax number of the right
shape, https links (its Zalo and Facebook links pointing at Zalo and Facebook), both map
coordinates or neither; its photos, described or deleted one at a time, only its own; and
the new payout accounts the office has to check, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shop.extensions import db
from shop.models import BankAccountState
from shop.services import profiles
from shop.services.errors import InvalidInput, NotFound
from shop.services.profiles import ProfileData
from tests import factories
from tests.services.test_refusals import refused
from tests.web.test_coop import png

BAD_NUMBER = "A registration or tax number has 10 digits (or 10-3 for a branch)."


def profile(**fields) -> ProfileData:
    values = {
        "story_vi": "  Chuối tiêu hồng trồng bên sông Thao. ",
        "story_en": " Bananas grown by the Thao river.  ",
        "address": " Xóm 3 ",
        "commune": " Xã Văn Lang ",
        "phone": " 0912 345 678 ",
        "registration_number": "5400 123 456",
        "zalo_url": " https://zalo.me/0912345678 ",
        "facebook_url": "https://m.facebook.com/chuoiviba",
        "website_url": "https://chuoiviba.vn/gioi-thieu",
        "latitude": Decimal("21.300000"),
        "longitude": Decimal("105.200000"),
    } | fields
    return ProfileData(**values)


def shown(coop) -> tuple:
    return (
        coop.story_vi,
        coop.story_en,
        coop.address,
        coop.commune,
        coop.phone,
        coop.registration_number,
        coop.zalo_url,
        coop.facebook_url,
        coop.website_url,
        coop.latitude,
        coop.longitude,
    )


# --- Registration number -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("5400123456", "5400123456"),
        (" 5400 123 456\t", "5400123456"),
        ("5400123456-001", "5400123456-001"),
        ("htx123", "HTX123"),  # a cooperative's code, six characters at least
        ("ab12 cd34 ef56 7", "AB12CD34EF567"),  # and thirteen at most
    ],
)
def test_a_registration_number_is_kept_as_written_on_the_papers(typed, kept):
    assert profiles.clean_registration_number(typed) == kept


@pytest.mark.parametrize(
    "typed",
    ["", None, "   ", "HTX12", "AB12CD34EF5678", "5400123456-01", "5400123456-0001", "54-00123"],
)
def test_a_registration_number_of_another_shape_is_refused(typed):
    refused(InvalidInput, lambda: profiles.clean_registration_number(typed), BAD_NUMBER)


# --- Links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("zalo_url", "https://zalo.me/0912345678"),
        ("zalo_url", "https://OA.Zalo.me/chuoiviba"),
        ("facebook_url", "https://facebook.com/chuoiviba"),
        ("facebook_url", "https://www.facebook.com/chuoiviba"),
        ("facebook_url", "https://m.facebook.com/chuoiviba"),
        ("facebook_url", "https://fb.com/chuoiviba"),
        ("website_url", "https://chuoiviba.vn/"),
    ],
)
def test_a_link_to_the_right_site_is_kept(field, url):
    assert profiles.clean_link(field, f"  {url} ") == url


@pytest.mark.parametrize("url", ["", "   ", None])
def test_no_link_is_kept_as_none(url):
    assert profiles.clean_link("zalo_url", url) == ""


@pytest.mark.parametrize(
    "url", ["http://chuoiviba.vn", "javascript:alert(1)", "chuoiviba.vn", "https://", "ftp://x.vn"]
)
def test_a_link_not_starting_with_https_is_refused(url):
    refused(
        InvalidInput, lambda: profiles.clean_link("website_url", url), "Links start with https://."
    )


@pytest.mark.parametrize(
    ("field", "url", "site"),
    [
        ("zalo_url", "https://zalo.me.evil.vn/0912345678", "zalo.me"),
        ("zalo_url", "https://facebook.com/chuoiviba", "zalo.me"),
        ("facebook_url", "https://facebook.com.evil.vn/chuoiviba", "facebook.com"),
        ("facebook_url", "https://zalo.me/0912345678", "facebook.com"),
    ],
)
def test_a_zalo_or_facebook_link_pointing_elsewhere_is_refused(field, url, site):
    refused(
        InvalidInput,
        lambda: profiles.clean_link(field, url),
        "This link does not point at %(site)s.",
        site=site,
    )


# --- The whole profile ---------------------------------------------------------------------


def test_a_profile_is_saved_cleaned(catalog):
    coop = catalog.viba
    profiles.update_profile(coop, profile())
    db.session.commit()
    db.session.expire_all()
    assert shown(coop) == (
        "Chuối tiêu hồng trồng bên sông Thao.",
        "Bananas grown by the Thao river.",
        "Xóm 3",
        "Xã Văn Lang",
        "0912 345 678",
        "5400123456",
        "https://zalo.me/0912345678",
        "https://m.facebook.com/chuoiviba",
        "https://chuoiviba.vn/gioi-thieu",
        Decimal("21.300000"),
        Decimal("105.200000"),
    )


def test_a_profile_without_links_or_a_place_on_the_map_is_saved(catalog):
    coop = catalog.viba
    profiles.update_profile(coop, profile())
    profiles.update_profile(
        coop,
        profile(zalo_url="", facebook_url=" ", website_url="", latitude=None, longitude=None),
    )
    assert shown(coop)[6:] == ("", "", "", None, None)


def test_any_https_site_is_the_cooperative_s_own_website(catalog):
    coop = catalog.viba
    profiles.update_profile(coop, profile(website_url="https://www.facebook.com/chuoiviba"))
    assert coop.website_url == "https://www.facebook.com/chuoiviba"
    profiles.update_profile(coop, profile(website_url="https://zalo.me/0912345678"))
    assert coop.website_url == "https://zalo.me/0912345678"


@pytest.mark.parametrize(
    ("fields", "message", "values"),
    [
        ({"latitude": None}, "Give both latitude and longitude, or neither.", {}),
        ({"longitude": None}, "Give both latitude and longitude, or neither.", {}),
        ({"registration_number": "12-34"}, BAD_NUMBER, {}),
        (
            {"zalo_url": "https://chuoiviba.vn"},
            "This link does not point at %(site)s.",
            {"site": "zalo.me"},
        ),
        (
            {"facebook_url": "https://chuoiviba.vn"},
            "This link does not point at %(site)s.",
            {"site": "facebook.com"},
        ),
        ({"website_url": "http://chuoiviba.vn"}, "Links start with https://.", {}),
    ],
)
def test_a_bad_profile_is_refused_and_the_saved_one_kept(catalog, fields, message, values):
    coop = catalog.viba
    profiles.update_profile(coop, profile())
    db.session.commit()
    before = shown(coop)
    refused(
        InvalidInput, lambda: profiles.update_profile(coop, profile(**fields)), message, **values
    )
    db.session.rollback()
    assert shown(coop) == before


# --- Photos --------------------------------------------------------------------------------


def photos_of(coop) -> list[tuple[str, int, str]]:
    return [(photo.path, photo.position, photo.alt) for photo in coop.photos]


@pytest.fixture
def four_photos(catalog, tmp_path):
    profiles.add_photos(catalog.viba, [png()] * 4, tmp_path)
    db.session.commit()
    return catalog.viba


def test_a_photo_is_described_in_one_line(four_photos):
    coop = four_photos
    before = photos_of(coop)
    profiles.change_photo(coop, coop.photos[1].id, "  Vườn chuối\n bên sông  ", delete=False)
    db.session.commit()
    db.session.expire_all()
    assert photos_of(coop) == [
        before[0],
        (before[1][0], 1, "Vườn chuối bên sông"),
        before[2],
        before[3],
    ]


def test_deleting_a_photo_closes_the_gap_in_the_order(four_photos):
    coop = four_photos
    paths = [path for path, _, _ in photos_of(coop)]
    profiles.change_photo(coop, coop.photos[1].id, "ignored", delete=True)
    db.session.commit()
    db.session.expire_all()
    assert photos_of(coop) == [(paths[0], 0, ""), (paths[2], 1, ""), (paths[3], 2, "")]


def test_a_photo_described_too_long_keeps_its_old_words(four_photos):
    coop = four_photos
    photo = coop.photos[0]
    profiles.change_photo(coop, photo.id, "Xưởng sấy", delete=False)
    refused(
        InvalidInput,
        lambda: profiles.change_photo(coop, photo.id, "x" * 201, delete=False),
        "Describe the photo in 200 characters at most.",
    )
    assert photo.alt == "Xưởng sấy"


def test_another_cooperative_s_photo_is_out_of_reach(four_photos, catalog, tmp_path):
    profiles.add_photos(catalog.thai_son, [png()], tmp_path)
    db.session.commit()
    theirs = catalog.thai_son.photos[0]
    for delete in (False, True):
        for photo_id in (theirs.id, 999_999):
            refused(
                NotFound,
                lambda i=photo_id, d=delete: profiles.change_photo(four_photos, i, "x", d),
                "No such photo.",
            )
    assert photos_of(catalog.thai_son) == [(theirs.path, 0, "")]
    assert len(four_photos.photos) == 4


# --- New payout accounts waiting for the office --------------------------------------------


def test_the_office_sees_new_accounts_waiting_oldest_first_with_their_cooperative(
    catalog, count_queries
):
    viba, thai_son = catalog.viba, catalog.thai_son
    owner = factories.user("member", cooperative=viba)
    office = factories.user("admin")
    confirmed = profiles.request_bank_account(viba, owner, "970436", "111111111", "HTX VIBA")
    profiles.confirm_bank_account(confirmed.id, office)
    refused_one = profiles.request_bank_account(thai_son, owner, "970436", "222222222", "HTX")
    profiles.reject_bank_account(refused_one.id, office, "Sai chủ tài khoản")
    replaced = profiles.request_bank_account(viba, owner, "970436", "333333333", "HTX VIBA")
    latest = profiles.request_bank_account(viba, owner, "970436", "444444444", "HTX VIBA")
    first = profiles.request_bank_account(thai_son, owner, "970405", "555555555", "HTX")
    moment = datetime(2026, 3, 1, 8, tzinfo=UTC)
    first.requested_at = moment
    latest.requested_at = moment + timedelta(hours=1)
    confirmed.requested_at = refused_one.requested_at = replaced.requested_at = moment
    db.session.commit()
    assert replaced.state is BankAccountState.REPLACED
    db.session.expire_all()
    waiting = profiles.pending_bank_accounts()
    with count_queries() as statements:
        names = [(account.account_number, account.cooperative.name) for account in waiting]
    assert names == [
        ("555555555", "Hợp tác xã Thái Sơn"),
        ("444444444", "Hợp tác xã Chuối Viba"),
    ]
    assert statements == []


def test_accounts_asked_for_at_the_same_moment_wait_in_the_order_they_came(catalog):
    owner = factories.user("member", cooperative=catalog.viba)
    asked = [
        profiles.request_bank_account(coop, owner, "970436", "123456789", "HTX")
        for coop in (catalog.thai_son, catalog.viba)
    ]
    moment = datetime(2026, 3, 1, 8, tzinfo=UTC)
    for account in asked:
        account.requested_at = moment
    db.session.commit()
    assert profiles.pending_bank_accounts() == asked
