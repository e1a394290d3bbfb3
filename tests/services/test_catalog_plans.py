"""Query plans (not timings): what the database is asked to do for a listing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from shop.extensions import db
from shop.models import Category, Product
from shop.services import catalog as catalog_service
from shop.services.catalog import ProductFilters, Sort
from tests import factories
from tests.conftest import ON_POSTGRES


def _plan(query: sa.Select) -> str:
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    rows = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}")).all()
    return "\n".join(row[-1] for row in rows)


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's planner; PostgreSQL plans from its statistics")
def test_a_group_holding_most_products_is_read_in_price_order_not_sorted(catalog):
    food = db.session.scalar(sa.select(Category).where(Category.slug == "food"))
    tea = catalog.categories["tea"]
    for n in range(60):
        factories.product(catalog.viba, catalog.categories["processed-food"], price=1000 + n)
    factories.product(catalog.thai_son, tea)
    db.session.commit()

    big = catalog_query(ProductFilters(group=food, sort=Sort.PRICE_ASC))
    assert "likelihood(" in str(big.compile(dialect=sqlite.dialect()))
    plan = _plan(big)
    assert "ix_product_price" in plan and "TEMP B-TREE" not in plan, plan

    small = _plan(catalog_query(ProductFilters(group=tea, sort=Sort.PRICE_ASC)))
    # A few products: read through their group's own price order, not found and sorted.
    assert "ix_product_category_price" in small and "TEMP B-TREE" not in small, small
    for sort, index in ((Sort.NEWEST, "created"), (Sort.STARS, "stars")):
        plan = _plan(catalog_query(ProductFilters(group=tea, sort=sort)))
        assert f"ix_product_category_{index}" in plan and "TEMP B-TREE" not in plan, plan


def catalog_query(filters: ProductFilters) -> sa.Select:
    return catalog_service.filtered_products(filters).limit(24).offset(48)


def test_counts_from_the_grouped_figures_equal_counting_the_listing(catalog):
    from datetime import timedelta

    from shop.clock import today

    for n, stars in enumerate((0, 3, 4, 5, 4)):
        item = factories.product(catalog.viba, catalog.categories["processed-food"])
        item.ocop_stars = stars
        item.ocop_valid_until = today() + timedelta(days=30 - 40 * (n == 4)) if stars else None
    hidden = factories.product(catalog.thai_son, catalog.categories["tea"], active=False)
    hidden.ocop_stars = 3
    db.session.commit()

    groups = [None, *db.session.scalars(sa.select(Category))]
    for group in groups:
        for min_stars in (None, 3, 4, 5):
            filters = ProductFilters(group=group, min_stars=min_stars)
            listed = len(db.session.scalars(catalog_service.filtered_products(filters)).all())
            assert catalog_service.count_products(filters) == listed, (
                group and group.slug,
                min_stars,
            )


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's full-text indexes and plan cache")
def test_a_search_s_name_tier_reads_its_own_index_planned_for_its_own_words(catalog):
    from shop.models import Product
    from shop.services import search

    found = search.match("sấy dẻo")
    # psycopg prepares a statement its connection ran five times; a generic plan kept for
    # it would serve a word in every name as it serves a rare one.
    assert db.session.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a few test rows
    query = sa.select(Product.id).where(found.in_name)
    compiled = query.compile(db.engine)
    explained = db.session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    plan = "\n".join(row[0] for row in explained)
    assert "ix_product_name_vector" in plan, plan
    assert db.session.scalars(query).all() == [
        p.id for p in db.session.scalars(sa.select(Product)) if "sấy dẻo" in p.name_vi.lower()
    ]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's full-text indexes")
def test_words_in_many_names_are_found_by_walking_the_names_and_find_the_same(catalog, monkeypatch):
    from shop import fragments
    from shop.services import search

    for n in range(6):
        factories.product(catalog.viba, catalog.categories["processed-food"], name_vi=f"Mứt {n}")
    db.session.commit()
    monkeypatch.setattr(catalog_service, "COUNT_CAP", 2)  # so many that each tier is walked
    filters = ProductFilters(q="mut")
    assert not search.match("mut").names_many  # no word counts yet: the full-text index
    indexed = catalog_service.ranked_matches(filters)
    fragments.keep_prepared(search.WORDS_KEY, search.known_words(), 60)
    monkeypatch.setattr(catalog_service, "RANKED_KEPT", 1)  # six names are then many
    assert search.match("mut").names_many and not search.match("mut cao").names_many
    monkeypatch.setattr(catalog_service, "RANKED_KEPT", 480)
    assert catalog_service.ranked_matches(filters) == indexed
    assert indexed.capped and len(indexed.ids) >= 6


def _ranked_by_hand(words: str) -> list[int]:
    """Every visible product with the words, names first, then by stars, newest, id."""
    from shop.services.text import search_terms

    terms = search_terms(words)
    visible = db.session.scalars(catalog_service.filtered_products(ProductFilters())).all()

    def has_all(text: str) -> bool:
        return all(any(w.startswith(t) for w in text.split()) for t in terms)

    found = [p for p in visible if has_all(f"{p.search_name} {p.search_body}")]
    key = [(has_all(p.search_name), p.ocop_stars, p.created_at, p.id) for p in found]
    return [p.id for _, p in sorted(zip(key, found, strict=True), key=lambda x: x[0], reverse=True)]


@pytest.mark.parametrize("cap", [1_000, 1])
def test_few_or_many_matches_are_ranked_alike(catalog, monkeypatch, cap):
    """A search read through the index and sorted (few matches) and one read tier by tier in
    the star order (many) rank the same products the same way, names first."""
    coop, group = catalog.viba, catalog.categories["processed-food"]
    for n, stars in enumerate((3, 5, 4, 5)):
        factories.product(coop, group, name_vi=f"Chuối sấy {n}", ocop_stars=stars)
    factories.product(coop, group, name_vi="Mứt gừng", description_vi="từ chuối sấy khô")
    db.session.commit()
    monkeypatch.setattr(catalog_service, "COUNT_CAP", cap)
    ranked = catalog_service.ranked_matches(ProductFilters(q="chuoi say"))
    assert list(ranked.ids) == _ranked_by_hand("chuoi say")
    assert ranked.capped is (cap == 1 and ON_POSTGRES)  # SQLite counts past 480 kept only
    names = [db.session.get(Product, i).name_vi for i in ranked.ids]
    assert names[-1] == "Mứt gừng" and "Chuối sấy 1" in names[:2]


def test_a_listing_query_is_compiled_once_per_group_and_share(catalog):
    """The group's likelihood is part of the statement's cache key: the next page of the same
    group reuses the compiled statement; a group of another share is compiled on its own."""
    from sqlalchemy.engine.default import CACHE_HIT

    hits: list = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if " LIMIT " in statement:
            hits.append(context.cache_hit)

    tea = catalog.categories["tea"]
    food = db.session.scalar(sa.select(Category).where(Category.slug == "food"))
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        for group, page in ((tea, 1), (tea, 2), (food, 1)):
            catalog_service.page_ids(ProductFilters(group=group, sort=Sort.PRICE_ASC), page, 24)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert hits[1] == CACHE_HIT
    assert len(hits) == 3 and hits[2] != CACHE_HIT
    a, b = (catalog_service.Likelihood(Product.id > 0, share) for share in (0.1, 0.2))
    assert a._generate_cache_key() != b._generate_cache_key()
