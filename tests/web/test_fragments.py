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


def _queries(app, path: str) -> tuple[int, str]:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engines[None]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        page = app.test_client().get(path).get_data(as_text=True)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements), page


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
