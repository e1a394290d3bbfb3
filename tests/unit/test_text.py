import pytest

from shop.services.text import fold, search_terms, slugify


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nhãn chín muộn", "nhan chin muon"),
        ("Chè xanh Mỹ Tân", "che xanh my tan"),
        ("Cao xạ đen", "cao xa den"),
        ("ĐẶC SẢN Đà Lạt", "dac san da lat"),
        ("Nước mắm 40°, 500 ml!", "nuoc mam 40 500 ml"),
        ("Cafe\u0301 (decomposed)", "cafe decomposed"),
    ],
)
def test_fold_removes_accents_marks_and_d_stroke(text, folded):
    assert fold(text) == folded


def test_search_terms_are_folded_and_bounded():
    assert search_terms("  Chè   MỸ tân ") == ["che", "my", "tan"]
    assert len(search_terms("a " * 50)) == 8
    assert search_terms("!!! ***") == []


def test_slugify():
    assert slugify("Chuối sấy dẻo Viba") == "chuoi-say-deo-viba"


def test_former_names_of_todays_communes():
    from shop.services.places import former_names

    assert {"Liên Sơn", "Lương Sơn", "Hòa Bình"} <= set(former_names("Phú Thọ", "Xã Liên Sơn"))
    assert {"Lục Yên", "Yên Bái"} <= set(former_names("Lào Cai", "Xã Lục Yên"))
    assert "Hàng Bạc" in former_names("Hà Nội", "Phường Hoàn Kiếm")
    assert former_names("Hà Nội", "Phường Không Có") == ()
    assert former_names("Atlantis", "Xã Liên Sơn") == ()


def test_a_producers_address_names_each_place_once():
    from shop.models import Cooperative

    written_out = Cooperative(address="Thôn 3, xã Liên Sơn, tỉnh Phú Thọ", commune="Xã Liên Sơn")
    written_out.province = "Phú Thọ"
    assert written_out.full_address == "Thôn 3, xã Liên Sơn, tỉnh Phú Thọ"
    short = Cooperative(address="Xóm 1", commune="Xã Liên Sơn", province="Phú Thọ")
    assert short.full_address == "Xóm 1, Xã Liên Sơn, Phú Thọ"
    assert Cooperative(address="", commune="", province="Phú Thọ").full_address == "Phú Thọ"
