"""What a search reads and keeps: the folded text a product is found by, the words known for
corrections, the one-letter neighbours of a word, and the searches that found nothing, counted
per day for the office (never the office's own tries)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import Product, SearchMiss
from shop.services import catalog as catalog_service
from shop.services import search
from shop.services.catalog import ProductFilters
from shop.services.search import Miss
from tests import factories


def found(query: str) -> list[str]:
    """The names a search finds, best first."""
    ids = catalog_service.ranked_matches(ProductFilters(q=query)).ids
    return [db.session.get(Product, i).name_vi for i in ids]


def misses() -> list[tuple]:
    rows = db.session.execute(
        sa.select(SearchMiss.day, SearchMiss.query, SearchMiss.times).order_by(SearchMiss.id)
    )
    return [tuple(row) for row in rows]


# --- The text a product is found by ---------------------------------------------------------


def test_a_product_is_found_by_its_names_description_unit_origin_and_producer(catalog):
    coop = factories.cooperative(
        name="HTX Mật ong Bản Phố", address="Thôn Đồi Thông", commune="Xã Liên Sơn"
    )
    item = factories.product(
        coop,
        catalog.categories["processed-food"],
        name_vi="Mật ong rừng",
        name_en="Wild honey",
        description_vi="Hoa bạc hà.",
        description_en="Mint flowers.",
        unit="Hũ 300 ml",
        label_origin="Đồng Văn, Hà Giang",
    )
    db.session.commit()
    assert item.search_name == "mat ong rung wild honey"
    assert item.search_body == (
        "hoa bac ha mint flowers hu 300 ml dong van ha giang "
        "htx mat ong ban pho thon doi thong xa lien son phu tho "
        "cu yen luong son hoa binh lien son cao son"
    )
    for query in ("wild honey", "bac ha", "mint", "hu 300", "dong van", "ban pho", "doi thong"):
        assert found(query) == ["Mật ong rừng"], query


def test_a_product_without_an_origin_is_found_by_no_placeholder(catalog):
    item = factories.product(
        catalog.viba,
        catalog.categories["spices"],
        description_vi="",
        description_en="",
        label_origin=None,
    )
    db.session.commit()
    assert item.search_body.split()[:4] == ["goi", "500", "g", "hop"]  # unit, then producer


def test_a_product_made_with_its_producer_s_id_is_found_by_the_producer(catalog):
    coop = factories.cooperative(name="HTX Quế Văn Yên")
    item = Product(
        cooperative_id=coop.id,
        category=catalog.categories["spices"],
        slug="que-thanh",
        name_vi="Quế thanh",
        name_en="Cinnamon sticks",
        unit="gói 100 g",
        price=40_000,
        stock=5,
        gtin="08939999900017",
        description_vi="Quế cuộn.",
        description_en="",
    )
    db.session.add(item)
    db.session.commit()
    assert "que van yen" in item.search_body
    assert found("que van yen") == ["Quế thanh"]


def test_a_renamed_producer_s_products_alone_are_found_by_the_new_name(catalog):
    catalog.viba.name = "Hợp tác xã Chuối Đông Thành"
    search.refresh_products_of(catalog.viba)
    db.session.commit()
    assert set(found("dong thanh")) == {"Chuối sấy dẻo Viba", "Nhãn chín muộn", "Muối ớt"}
    assert "Chè xanh Mỹ Tân" not in found("dong thanh")
    assert "thai son" in catalog.tea.search_body and "dong thanh" not in catalog.tea.search_body


def test_every_word_must_match_somewhere_names_first(catalog):
    # Both words in the banana's name; in the herb's, "cao" only (and "che" in its text).
    assert found("say deo") == ["Chuối sấy dẻo Viba"]
    assert found("cao che") == ["Cao xạ đen"]
    assert found("chuoi and") == []  # "and" is a word like any other, not an operator


def test_a_stock_change_leaves_the_folded_text_alone(catalog):
    catalog.banana.search_body = "kept as it was"
    catalog.banana.stock = 3
    db.session.commit()
    db.session.expire(catalog.banana)
    assert catalog.banana.search_body == "kept as it was"
    catalog.banana.unit = "túi 200 g"
    db.session.commit()
    assert catalog.banana.search_body.startswith("chuoi tieu hong say deo tui 200 g")


# --- The words known for corrections --------------------------------------------------------


def test_known_words_are_those_of_products_on_sale_and_approved_producers(catalog):
    hidden = factories.cooperative(name="HTX Trầm Hương", approved=False)
    factories.product(hidden, catalog.categories["herbs"], name_vi="Nhang trầm")
    factories.product(catalog.viba, catalog.categories["spices"], name_vi="Ớt bột", active=False)
    factories.product(catalog.viba, catalog.categories["spices"], name_vi="Muối tiêu 2 kg")
    factories.product(catalog.viba, catalog.categories["spices"], name_vi="Muối muối vừng")
    db.session.commit()
    words = search.known_words()
    # Three names on sale hold "muoi", one of them twice: it counts once there.
    assert words["muoi"] == 3 and words["chuoi"] == 2  # the banana and "Hợp tác xã Chuối Viba"
    assert words["viba"] == 2 and words["son"] == 1  # "Viba dried banana", "HTX Thái Sơn"
    assert words["hop"] == 2 and words["tac"] == 2
    assert "kg" in words and "2" not in words and "bot" not in words  # "Ớt bột" is not on sale
    assert "nhang" not in words and "huong" not in words  # an unapproved producer's


# --- One letter away ------------------------------------------------------------------------


def _apart(a: str, b: str) -> int:
    """Edit distance counting a swap of two letters side by side as one edit."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_one_edit_away_is_every_string_one_edit_from_the_word_and_only_those():
    letters = search.LETTERS
    every = ("".join(p) for n in range(4) for p in itertools.product(letters, repeat=n))
    assert search.one_edit_away("ab") == {s for s in every if _apart(s, "ab") == 1}


@pytest.mark.parametrize(
    "near", ["bcde", "acde", "abce", "abcd", "bacde", "abdce", "abced", "xbcde", "abcdx", "xabcde"]
)
def test_one_edit_away_a_longer_word(near):
    assert near in search.one_edit_away("abcde")
    assert "abcde" not in search.one_edit_away("abcde")


def test_a_word_past_every_known_word_is_looked_up_not_an_error():
    words = {"mat": 2, "ong": 3}
    assert search.corrected_query("mat xong", words) == "mat ong"
    assert search.corrected_query("zzz", words) is None
    assert search.corrected_query("ong", {}) is None


def test_of_two_neighbours_as_common_the_later_word_wins():
    assert search.corrected_query("cha", {"che": 4, "chi": 4, "cho": 2}) == "chi"
    assert search.corrected_query("chuoii say ognn", {"chuoi": 1, "say": 1, "ong": 1}) is None


# --- Searches that found nothing --------------------------------------------------------------


def test_a_miss_is_counted_per_day_in_lower_case_with_spaces_tidied(app):
    search.note_miss("  Sầu   RIÊNG  Ri6 ")
    search.note_miss("sầu riêng ri6", searcher=factories.user())
    search.note_miss("x" * 120)
    db.session.commit()
    assert misses() == [(today(), "sầu riêng ri6", 2), (today(), "x" * 100, 1)]


def test_the_office_s_tries_and_empty_searches_are_not_counted(app):
    search.note_miss("mít sấy", searcher=factories.user("admin"))
    search.note_miss("   ")
    db.session.commit()
    assert misses() == []


def test_recent_misses_add_up_each_query_of_the_last_thirty_days_most_first(app):
    day = today()
    for ago, query, times in (
        (0, "mít", 2),
        (29, "mít", 1),
        (30, "mít", 50),  # thirty days ago: no longer recent
        (3, "bơ", 3),
        (1, "cà na", 3),
        (5, "sầu riêng", 4),
    ):
        db.session.add(SearchMiss(day=day - timedelta(days=ago), query=query, times=times))
    db.session.commit()
    assert search.recent_misses() == [
        Miss("sầu riêng", 4, day - timedelta(days=5)),
        Miss("bơ", 3, day - timedelta(days=3)),
        Miss("cà na", 3, day - timedelta(days=1)),
        Miss("mít", 3, day),
    ]
    yesterday = day - timedelta(days=1)
    assert search.recent_misses(days=2) == [Miss("cà na", 3, yesterday), Miss("mít", 2, day)]


def test_recent_misses_are_at_most_two_hundred(app):
    db.session.add_all(SearchMiss(day=today(), query=f"q{n:03}", times=1) for n in range(201))
    db.session.commit()
    listed = search.recent_misses()
    assert len(listed) == 200 and listed[-1].query == "q199"
    assert [m.query for m in search.recent_misses(limit=2)] == ["q000", "q001"]


def test_walking_is_chosen_when_both_ways_cost_the_same():
    # One word in every name of a catalog as big as the kept matches: an even cost walks.
    assert search.walk_finds_sooner([480], 480, 480)
    assert not search.walk_finds_sooner([479], 480, 480)
