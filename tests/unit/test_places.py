"""Provinces and wards as buyers type them, before and after the 1 July 2025 merger."""

import pytest

from shop.services import places
from shop.services.places import WardMatch

SPLIT = ("Phường Khương Đình", "Phường Thanh Xuân")  # where Thượng Đình went


def test_provinces_go_by_their_short_official_names():
    names = [p.name for p in places.provinces()]
    assert len(names) == 34 and "Hà Nội" in names and "Hồ Chí Minh" in names
    assert not [n for n in names if n.startswith("Thành phố")]
    assert places.province_by_code("ha_noi") == places.province_by_name("Hà Nội")
    assert places.province_by_name("Thành phố Hà Nội") is None


@pytest.mark.parametrize(
    "typed", ["Phường Thượng Đình", "Thượng Đình", "thuong dinh", "PHUONG THUONG DINH"]
)
def test_a_former_ward_split_in_two_offers_both_with_or_without_its_kind(typed):
    hanoi = places.province_by_name("Hà Nội")
    assert places.find_ward(hanoi, f" {typed} ") == WardMatch(None, typed, SPLIT)


@pytest.mark.parametrize("typed", ["Thị trấn Lương Sơn", "thi tran luong son"])
def test_a_former_town_is_today_s_commune(typed):
    phu_tho = places.province_by_name("Phú Thọ")
    assert places.find_ward(phu_tho, typed) == WardMatch("Xã Lương Sơn", typed)


def test_a_ward_of_today_is_found_as_typed_and_an_unknown_one_is_not():
    hanoi = places.province_by_name("Hà Nội")
    assert places.find_ward(hanoi, "khuong dinh") == WardMatch("Phường Khương Đình")
    assert places.find_ward(hanoi, "Phường Không Có") == WardMatch()


def test_a_province_code_not_on_the_list_is_none():
    assert places.province_by_code("atlantis") is None
    assert places.province_by_code("") is None


def test_a_province_s_wards_are_listed_as_people_alphabetise_them():
    from shop.services.text import fold

    names = places.ward_names(places.province_by_name("Hà Nội"))
    assert len(names) == len(set(names)) > 100
    assert list(names) == sorted(names, key=fold)
    assert list(names) != sorted(names)  # "Phường Ô Chợ Dừa" goes among the O's, not after Z
    assert names.index("Phường Ô Chợ Dừa") < names.index("Phường Phú Diễn")
