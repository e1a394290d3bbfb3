"""The commands a newcomer runs, and the migrations they apply."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shop.extensions import db
from shop.models import Cooperative, OcopRating, Product


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_loads_the_named_cooperatives_and_is_idempotent(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    coops, products, ratings = count(Cooperative), count(Product), count(OcopRating)
    names = set(db.session.scalars(sa.select(Cooperative.name)))
    assert {
        "Hợp tác xã Chuối Viba",
        "Hợp tác xã Thái Sơn",
        "Hợp tác xã Nông nghiệp Mỹ Tân",
    } <= names
    assert products >= 25

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    assert (count(Cooperative), count(Product), count(OcopRating)) == (coops, products, ratings)


def test_demo_data_covers_every_group_and_has_valid_gtins(runner):
    from shop.services.gs1 import is_valid_gtin

    runner.invoke(args=["seed-demo"])
    products = db.session.scalars(sa.select(Product)).all()
    assert all(is_valid_gtin(p.gtin) and p.gtin[1:4] == "893" for p in products)
    groups = {p.category.group.slug for p in products}
    assert groups == {"food", "beverages", "herbs", "handicrafts", "ornamental", "tourism"}
    provinces = {p.cooperative.province for p in products}
    assert len(provinces) >= 5


def test_synthetic_products_are_searchable_and_counted_once(runner, client):
    assert runner.invoke(args=["seed-demo", "--synthetic", "300"]).exit_code == 0
    synthetic = sa.select(sa.func.count()).where(Product.slug.like("sp-%"))
    assert db.session.scalar(synthetic) == 300
    assert runner.invoke(args=["seed-demo", "--synthetic", "300"]).exit_code == 0
    assert db.session.scalar(synthetic) == 300
    page = client.get("/products?q=huu co").get_data(as_text=True)
    assert "hữu cơ" in page


def test_seed_demo_refuses_production(app, runner):
    app.config["SHOP_CONFIG"] = "production"
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        app.config["SHOP_CONFIG"] = "testing"
    assert result.exit_code != 0 and "production" in result.output
    assert count(Product) == 0


def test_models_and_migrations_agree(app):
    hand_made = ("product_fts", "search_vector", "name_vector", "ix_product_search")
    hand_made += ("ix_product_name_vector",)
    context = MigrationContext.configure(
        db.session.connection(),
        opts={"include_object": lambda obj, name, *a: not (name or "").startswith(hand_made)},
    )
    assert compare_metadata(context, db.metadata) == []


def test_migrations_go_down_and_up_again(tmp_path):
    from flask_migrate import downgrade, upgrade

    from shop import create_app

    url = f"sqlite:///{tmp_path / 'updown.db'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "product" in sa.inspect(db.engine).get_table_names()


def test_the_demo_looks_the_same_whatever_day_it_is_seeded(app, monkeypatch):
    """Demo dates move with the calendar: seeded a year later, the same ratings are valid."""
    from datetime import timedelta

    import sqlalchemy as sa

    from shop.models import OcopRating
    from shop.services import demo

    def statuses():
        return sorted(
            (r.certificate_number, r.decision_date - demo.today(), r.is_expired())
            for r in db.session.scalars(sa.select(OcopRating))
        )

    demo.seed_demo()
    now = statuses()
    db.session.rollback()
    later = demo.today() + timedelta(days=400)
    monkeypatch.setattr(demo, "today", lambda: later)
    monkeypatch.setattr("shop.models.rating.today", lambda: later)
    demo.seed_demo()
    assert statuses() == now


def test_prepare_search_words_keeps_them_for_the_app_servers(app, runner, catalog):
    from shop.extensions import cache
    from shop.services import search

    result = runner.invoke(args=["prepare-search-words"])
    assert result.exit_code == 0, result.output
    kept = cache.get(f"frag:lasting:{search.WORDS_KEY}")
    assert "chuoi" in kept and f"{len(kept)} words kept" in result.output
