"""Fragments shared by every visitor: cached, and purged by the writes that change them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shop.extensions import db
from shop.models import Product


@pytest.fixture
def fragment_app(app_with, catalog):
    return app_with(FRAGMENT_CACHE_SECONDS=300)


def _recorded(app, path: str):
    """The SQL statements one GET of ``path`` runs, and its response."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engines[None]
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = app.test_client().get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return statements, response


def _queries(app, path: str) -> tuple[int, str]:
    statements, response = _recorded(app, path)
    return len(statements), response.get_data(as_text=True)


def test_a_listings_count_and_choices_are_computed_once_for_everyone(fragment_app):
    first, _ = _queries(fragment_app, "/products?group=tea&page=1")
    second, page = _queries(fragment_app, "/products?group=tea&page=1&sort=price_asc")
    assert second <= first - 2  # no count, no provinces: another sort shares them
    assert "Chè xanh Mỹ Tân" in page


def test_a_price_change_purges_the_cached_card(fragment_app, catalog):
    client = fragment_app.test_client()
    assert "120.000" in client.get("/products?group=tea").get_data(as_text=True)
    with fragment_app.app_context():
        db.session.get(Product, catalog.tea.id).price = 135_000
        db.session.commit()
    page = client.get("/products?group=tea").get_data(as_text=True)
    assert "135.000" in page and "120.000" not in page


def test_a_new_product_changes_the_cached_count(fragment_app, catalog):
    from shop.models import Category, Cooperative
    from tests import factories

    coop_id, tea_id = catalog.thai_son.id, catalog.categories["tea"].id
    client = fragment_app.test_client()
    before = client.get("/products?group=tea").get_data(as_text=True)
    with fragment_app.app_context():
        coop, tea = db.session.get(Cooperative, coop_id), db.session.get(Category, tea_id)
        factories.product(coop, tea, name_vi="Chè mới")
        db.session.commit()
    after = client.get("/products?group=tea").get_data(as_text=True)
    assert "Chè mới" in after
    count = re.compile(r'role="status">(\d+) sản phẩm')
    assert int(count.search(after).group(1)) == int(count.search(before).group(1)) + 1


def _card_names(page: str) -> list[str]:
    return re.findall(r'class="card-name">([^<]+)<', page)


def test_a_listing_whose_cards_are_cached_loads_no_product_rows(fragment_app):
    client = fragment_app.test_client()
    first = client.get("/products?group=tea&sort=price_asc").get_data(as_text=True)
    _, again = _queries(fragment_app, "/products?group=tea&sort=price_asc")
    assert _card_names(again) == _card_names(first) and _card_names(first)
    product_reads = [s for s in _statements(fragment_app, "/products?group=tea") if "product" in s]
    assert product_reads and all(s.startswith("SELECT product.id \nFROM") for s in product_reads)


def _statements(app, path: str) -> list[str]:
    statements, response = _recorded(app, path)
    assert response.status_code == 200
    return statements


@pytest.fixture
def honeys(catalog):
    from tests import factories

    made = [
        factories.product(
            catalog.thai_son,
            catalog.categories["tea"],
            name_vi=f"Mật ong rừng số {n}",
            description_vi="mật ong" * (n % 3 + 1),
        )
        for n in range(7)
    ]
    made.append(
        factories.product(
            catalog.viba,
            catalog.categories["tea"],
            name_vi="Trà gừng",
            description_vi="Pha với mật ong rừng",  # found, but by its description only
        )
    )
    db.session.commit()
    return made


def test_a_searchs_pages_follow_one_ranking_and_later_pages_reuse_it(app_with, honeys, monkeypatch):
    from shop.services import catalog as catalog_service

    monkeypatch.setattr(catalog_service, "RANKED_KEPT", 4)  # pages 3 and 4 from the database
    cached = app_with(FRAGMENT_CACHE_SECONDS=300, PRODUCTS_PER_PAGE=2)
    uncached = app_with(PRODUCTS_PER_PAGE=2)
    for app in (cached, uncached):
        client = app.test_client()
        pages = [
            client.get(f"/products?q=mat+ong+rung&page={n}").get_data(as_text=True)
            for n in (1, 2, 3, 4, 5)
        ]
        listed = [name for page in pages for name in _card_names(page)]
        assert len(listed) == len(set(listed)) == 8
        assert listed[-1] == "Trà gừng"  # every word in the name comes first
        assert all("8 sản phẩm" in page for page in pages)
    first = _statements(cached, "/products?q=mat+ong&page=1")
    second = _statements(cached, "/products?q=mat+ong&page=2")
    searched = ("product_fts", "search_vector", "name_vector")  # SQLite's, PostgreSQL's indexes
    # The name tier fills the four kept ids (seven honeys); then the count: two statements.
    assert sum(any(word in s for word in searched) for s in first) == 2
    assert not any(word in s for s in second for word in searched)  # all kept from page 1


def test_a_suspended_producer_leaves_the_home_page_while_the_ranking_is_kept(fragment_app, catalog):
    from shop.models import Cooperative
    from shop.services import admin

    client = fragment_app.test_client()
    assert 'href="/cooperatives/viba"' in client.get("/").get_data(as_text=True)
    with fragment_app.app_context():
        admin.suspend(db.session.get(Cooperative, catalog.viba.id), "Nhãn sai")
        db.session.commit()
    assert 'href="/cooperatives/viba"' not in client.get("/").get_data(as_text=True)
    assert 'href="/cooperatives/thai-son"' in client.get("/").get_data(as_text=True)


def test_a_search_for_a_common_word_says_more_than_the_count_it_stopped_at(
    app_with, honeys, monkeypatch
):
    from shop.services import catalog as catalog_service

    monkeypatch.setattr(catalog_service, "RANKED_KEPT", 2)
    monkeypatch.setattr(catalog_service, "COUNT_CAP", 3)  # eight match
    page = app_with(PRODUCTS_PER_PAGE=2).test_client().get("/products?q=mat+ong")
    text = page.get_data(as_text=True)
    assert "Hơn 3 sản phẩm" in text and "8 sản phẩm" not in text
    assert len(_card_names(text)) == 2


def test_scans_of_a_lots_packages_share_its_story_until_the_lot_changes(fragment_app, catalog):
    from datetime import UTC, datetime

    from shop.models import BizStep, Lot
    from shop.services import tracing
    from tests import factories

    with fragment_app.app_context():
        batch = factories.lot(db.session.merge(catalog.tea))
        units = tracing.generate_units(batch, 3)
        db.session.commit()
        lot_path, lot_id = f"/01/{catalog.tea.gtin}/10/{batch.code}", batch.id
        serials = [unit.serial for unit in units]
        first, page = _recorded(fragment_app, f"{lot_path}/21/{serials[0]}")
        second, again = _recorded(fragment_app, f"{lot_path}/21/{serials[1]}")
    events = "FROM trace_event"
    assert any(events in s for s in first) and not any(events in s for s in second)
    assert len(second) < len(first)
    # The second package's page: its own verdict, the lot's story from the cache.
    for response in (page, again):
        shown = response.get_data(as_text=True)
        assert "Hàng chính hãng" in shown and "Thu hoạch" in shown and "Vận chuyển" not in shown
    with fragment_app.app_context():
        lot = db.session.get(Lot, lot_id)
        tracing.add_event(lot, BizStep.SHIPPING, datetime(2026, 11, 2, 8, tzinfo=UTC))
        db.session.commit()
        third, after = _recorded(fragment_app, f"{lot_path}/21/{serials[2]}")
    assert any(events in s for s in third)  # the write purged the story
    assert "Vận chuyển" in after.get_data(as_text=True)
