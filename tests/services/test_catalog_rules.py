"""What the catalog lists, counts and ranks: the products on sale (a family of package sizes
once), each filter's bounds, the sorts and their ties, a search's tiers, and the counts behind
the pager, which come from one grouped count for the group and star filters."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from shop.clock import today
from shop.extensions import db
from shop.models import Category, Product
from shop.services import catalog as catalog_service
from shop.services.catalog import ProductFilters, Sort
from tests import factories


def named(products) -> list[str]:
    return [p.name_vi for p in products]


def listed(filters: ProductFilters) -> list[str]:
    return named(db.session.scalars(catalog_service.filtered_products(filters)))


def group(slug: str) -> Category:
    return db.session.scalar(sa.select(Category).where(Category.slug == slug))


def a_size_of(main: Product, **fields) -> Product:
    """A package size of ``main``'s family, newer and better rated than it."""
    values = {
        "name_vi": main.name_vi,
        "name_en": main.name_en,
        "family": main,
        "unit": "hộp quà 1 kg",
        "price": main.price * 3,
        "ocop_stars": 5,
        "ocop_valid_until": today() + timedelta(days=300),
    } | fields
    return factories.product(main.cooperative, main.category, **values)


def test_a_family_of_sizes_is_listed_once_by_its_main_product(catalog):
    a_size_of(catalog.banana)
    db.session.commit()
    for names in (
        named(catalog_service.newest()),
        named(catalog_service.top_rated()),
        named(db.session.scalars(catalog_service.products_of(catalog.viba))),
        listed(ProductFilters()),
    ):
        assert names.count("Chuối sấy dẻo Viba") == 1, names
    assert catalog_service.count_products(ProductFilters(group=group("food"))) == 4
    assert catalog_service.count_products(ProductFilters(min_price=0)) == 5
    size_ids = {p.id for p in catalog.banana.sizes}
    assert size_ids and not size_ids & set(catalog_service.page_ids(ProductFilters(), 1, 24))
    assert catalog_service.ranked_matches(ProductFilters(q="chuoi say")).ids == (catalog.banana.id,)


def test_a_product_is_visible_only_on_sale_and_of_an_approved_producer(catalog):
    assert catalog_service.is_visible(catalog.banana)
    catalog.banana.active = False
    assert not catalog_service.is_visible(catalog.banana)
    catalog.banana.active, catalog.viba.approved = True, False
    assert not catalog_service.is_visible(catalog.banana)


def test_a_rating_valid_until_today_still_counts_its_stars(catalog):
    catalog.herb.ocop_stars, catalog.herb.ocop_valid_until = 4, today()
    db.session.commit()
    four = ProductFilters(min_stars=4)
    assert set(listed(four)) == {"Chè xanh Mỹ Tân", "Cao xạ đen"}
    assert catalog_service.count_products(four) == 2
    herbs = ProductFilters(group=catalog.categories["herbs"], min_stars=4)
    assert catalog_service.count_products(herbs) == 1
    assert "Cao xạ đen" in named(catalog_service.top_rated())
    catalog.herb.ocop_valid_until = today() - timedelta(days=1)
    db.session.commit()
    assert catalog_service.count_products(herbs) == 0
    assert "Cao xạ đen" not in named(catalog_service.top_rated())


def _share_in_sql(filters: ProductFilters) -> str:
    sql = str(
        catalog_service.filtered_products(filters).compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    return sql.split("likelihood(")[1].split(")")[-2].split(", ")[-1]


def test_the_planner_is_told_each_group_s_share_of_the_catalog_to_three_places(catalog):
    # Five products on sale: food holds four, tea one of them.
    assert _share_in_sql(ProductFilters(group=group("food"))) == "0.8"
    assert _share_in_sql(ProductFilters(group=catalog.categories["tea"])) == "0.2"
    factories.product(catalog.viba, catalog.categories["herbs"])
    db.session.commit()
    assert _share_in_sql(ProductFilters(group=group("food"))) == "0.667"
    assert _share_in_sql(ProductFilters(group=catalog.categories["tea"])) == "0.167"
    assert _share_in_sql(ProductFilters(group=catalog.categories["pre-processed"])) == "0.001"


# --- Filters, each bound, and the counts behind the pager ------------------------------------

DEMO = {"Chuối sấy dẻo Viba", "Chè xanh Mỹ Tân", "Nhãn chín muộn", "Cao xạ đen", "Muối ớt"}


def test_each_filter_keeps_its_bound_and_the_count_agrees_with_the_listing(catalog):
    viba = catalog.viba
    cases = [
        (ProductFilters(min_price=85_000), DEMO - {"Muối ớt"}),
        (ProductFilters(max_price=85_000), {"Chuối sấy dẻo Viba", "Muối ớt"}),
        (ProductFilters(min_price=85_001, max_price=119_999), {"Nhãn chín muộn"}),
        (ProductFilters(min_price=0), DEMO),
        (ProductFilters(max_price=0), set()),
        (ProductFilters(min_stars=3), {"Chuối sấy dẻo Viba", "Chè xanh Mỹ Tân"}),
        (ProductFilters(min_stars=4), {"Chè xanh Mỹ Tân"}),
        (ProductFilters(province="Phú Thọ"), {"Chuối sấy dẻo Viba", "Nhãn chín muộn", "Muối ớt"}),
        (ProductFilters(cooperative=catalog.thai_son), {"Chè xanh Mỹ Tân", "Cao xạ đen"}),
        (ProductFilters(cooperative=viba, min_stars=3), {"Chuối sấy dẻo Viba"}),
        (ProductFilters(province="Lào Cai", group=group("food")), {"Chè xanh Mỹ Tân"}),
        (ProductFilters(q="chuoi", province="Lào Cai"), set()),
        (ProductFilters(q="!!!"), set()),
        (ProductFilters(q="che", min_stars=4), {"Chè xanh Mỹ Tân"}),
        (
            ProductFilters(group=group("food"), min_stars=3),
            {"Chuối sấy dẻo Viba", "Chè xanh Mỹ Tân"},
        ),
    ]
    for filters, expected in cases:
        assert set(listed(filters)) == expected, filters
        assert catalog_service.count_products(filters) == len(expected), filters


def test_a_listing_s_cache_key_tells_apart_every_filter_but_the_order(catalog, monkeypatch):
    key = catalog_service.filters_key
    variants = [
        ProductFilters(),
        ProductFilters(q="che"),
        ProductFilters(group=group("food")),
        ProductFilters(group=catalog.categories["tea"]),
        ProductFilters(min_stars=3),
        ProductFilters(min_stars=4),
        ProductFilters(province="Lào Cai"),
        ProductFilters(cooperative=catalog.viba),
        ProductFilters(cooperative=catalog.thai_son),
        ProductFilters(min_price=0),
        ProductFilters(min_price=1),
        ProductFilters(max_price=0),
        ProductFilters(max_price=1),
        ProductFilters(min_price=1, max_price=2),
    ]
    keys = [key(f) for f in variants]
    assert len(set(keys)) == len(variants) and all(len(k) == 32 for k in keys)
    assert key(ProductFilters(q="Chè", sort=Sort.PRICE_ASC)) == key(ProductFilters(q="chè"))
    monkeypatch.setattr(catalog_service, "today", lambda: today() + timedelta(days=1))
    assert key(ProductFilters(min_stars=3)) not in keys  # validity is checked on another day


# --- Sorts and their ties --------------------------------------------------------------------


def _same_day(catalog, n: int, **fields) -> list[Product]:
    made = [
        factories.product(catalog.viba, catalog.categories["spices"], name_vi=f"Tiêu {i}", **fields)
        for i in range(n)
    ]
    db.session.commit()
    return made


def test_equal_prices_and_days_are_ordered_by_id(catalog):
    moment = catalog.banana.created_at
    _same_day(catalog, 3, price=85_000, created_at=moment)
    spices = ProductFilters(min_price=85_000, max_price=85_000)
    by_price = listed(replace_sort(spices, Sort.PRICE_ASC))
    assert by_price == ["Chuối sấy dẻo Viba", "Tiêu 0", "Tiêu 1", "Tiêu 2"]
    assert listed(replace_sort(spices, Sort.PRICE_DESC)) == by_price[::-1]
    assert listed(replace_sort(spices, Sort.NEWEST)) == by_price[::-1]


def replace_sort(filters: ProductFilters, sort: Sort) -> ProductFilters:
    from dataclasses import replace

    return replace(filters, sort=sort)


def test_the_home_page_s_rows_hold_eight_best_rated_then_newest(catalog):
    now = catalog.banana.created_at
    for n in range(9):
        factories.product(
            catalog.viba,
            catalog.categories["spices"],
            name_vi=f"Gừng {n}",
            created_at=now + timedelta(minutes=n),
            ocop_stars=3 + n % 3,
            ocop_valid_until=today() + timedelta(days=30),
        )
    db.session.commit()
    assert named(catalog_service.newest()) == [f"Gừng {n}" for n in range(8, 0, -1)]
    assert named(catalog_service.top_rated()) == [
        "Gừng 8", "Gừng 5", "Gừng 2", "Gừng 7", "Gừng 4", "Gừng 1", "Chè xanh Mỹ Tân", "Gừng 6"
    ]  # fmt: skip
    assert named(catalog_service.newest(limit=2)) == ["Gừng 8", "Gừng 7"]


# --- A search's ranking -----------------------------------------------------------------------


def _honeys(catalog) -> None:
    """Two names with "mật ong", three more products with it in their text only."""
    now = catalog.banana.created_at
    for n, (name, stars, text) in enumerate(
        (
            ("Mật ong bạc hà", 3, ""),
            ("Mật ong rừng", 5, ""),
            ("Gừng ngâm", 4, "ngâm mật ong"),
            ("Chanh đào", 0, "chanh đào mật ong"),
            ("Nghệ viên", 0, "viên nghệ mật ong"),
        )
    ):
        factories.product(
            catalog.viba,
            catalog.categories["processed-food"],
            name_vi=name,
            name_en="",
            description_vi=text,
            created_at=now + timedelta(minutes=n),
            price=10_000 * (n + 1),
            ocop_stars=stars,
            ocop_valid_until=today() + timedelta(days=30) if stars else None,
        )
    db.session.commit()


RANKED = ["Mật ong rừng", "Mật ong bạc hà", "Gừng ngâm", "Nghệ viên", "Chanh đào"]


def ranked(query: str = "mat ong"):
    found = catalog_service.ranked_matches(ProductFilters(q=query))
    return [db.session.get(Product, i).name_vi for i in found.ids], found.total, found.capped


def test_a_search_ranks_names_first_then_stars_then_newest(catalog):
    _honeys(catalog)
    assert ranked() == (RANKED, 5, False)
    assert (
        named(catalog_service.cards(catalog_service.page_ids(ProductFilters(q="mat ong"), 1, 24)))[
            :5
        ]
        == RANKED
    )
    by_price = catalog_service.page_ids(ProductFilters(q="mat ong", sort=Sort.PRICE_DESC), 2, 2)
    assert named(catalog_service.cards(by_price)) == ["Gừng ngâm", "Mật ong rừng"]
    cheapest = listed(ProductFilters(q="mat ong", sort=Sort.PRICE_ASC))
    assert cheapest == ["Mật ong bạc hà", "Mật ong rừng", "Gừng ngâm", "Chanh đào", "Nghệ viên"]
    assert ranked("zzzz") == ([], 0, False) and ranked("!!!") == ([], 0, False)


def test_a_search_keeps_its_first_matches_and_counts_the_rest_up_to_the_cap(catalog, monkeypatch):
    _honeys(catalog)
    monkeypatch.setattr(catalog_service, "COUNT_CAP", 5)
    for kept in (1, 2, 3, 5):
        monkeypatch.setattr(catalog_service, "RANKED_KEPT", kept)
        assert ranked() == (RANKED[:kept], 5, False), kept
    monkeypatch.setattr(catalog_service, "COUNT_CAP", 4)
    assert ranked() == (RANKED, 4, True)
    monkeypatch.setattr(catalog_service, "RANKED_KEPT", 3)
    assert ranked() == (RANKED[:3], 4, True)


def test_a_search_whose_names_fill_the_kept_matches_reads_no_further(
    catalog, monkeypatch, count_queries
):
    _honeys(catalog)
    monkeypatch.setattr(catalog_service, "RANKED_KEPT", 2)
    monkeypatch.setattr(catalog_service, "COUNT_CAP", 1)  # many: read tier by tier
    with count_queries() as statements:
        found = catalog_service.ranked_matches(ProductFilters(q="mat ong"))
    assert (len(found.ids), found.total, found.capped) == (2, 1, True)
    tiers_read = [s for s in statements if "ORDER BY" in s]
    assert len(tiers_read) == 1, statements  # the names' tier: the others are not read
    counts = [s for s in statements if "count(*)" in s]
    assert len(counts) == 1 and "LIMIT" in counts[0], statements  # counted up to the cap


def test_the_grouped_counts_are_kept_for_one_day(app_with, catalog, monkeypatch):
    catalog.herb.ocop_stars, catalog.herb.ocop_valid_until = 4, today()
    db.session.commit()
    cached = app_with(FRAGMENT_CACHE_SECONDS=300)
    four = ProductFilters(min_stars=4)
    with cached.app_context():
        assert catalog_service.count_products(four) == 2
        monkeypatch.setattr(catalog_service, "today", lambda: today() + timedelta(days=1))
        assert catalog_service.count_products(four) == 1  # the herb's rating lapsed overnight
