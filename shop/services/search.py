"""Accent-insensitive product search over an indexed, folded copy of the product's text.

SQLite uses an FTS5 table kept by triggers; PostgreSQL a generated ``tsvector``
column with a GIN index (both made by the migrations). Both match every query
word as a word prefix, and rank products whose *name* has every word first.
The FTS5 table keeps prefix indexes for two and three letters: without them a
short word such as "co" merges the entries of every word it starts ("cooperative").
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.sql.selectable import Subquery

from shop.extensions import db
from shop.models import Cooperative, Product
from shop.services.text import fold, search_terms

# What a product is found by besides its name: its description, unit and origin, and its
# producer's name and address, which keeps the names people still use ("Lương Sơn, Hòa Bình"
# is in Phú Thọ since the 2025 merger, "Lục Yên, Yên Bái" in Lào Cai).
SEARCHED = ("name_vi", "name_en", "description_vi", "description_en", "unit", "label_origin")


def refresh_search_text(product: Product, coop: Cooperative | None = None) -> None:
    """Recompute the folded text the search index reads."""
    coop = coop or product.cooperative or db.session.get(Cooperative, product.cooperative_id)
    producer = f"{coop.name} {coop.address} {coop.commune} {coop.province}" if coop else ""
    product.search_name = fold(f"{product.name_vi} {product.name_en}")
    product.search_body = fold(
        f"{product.description_vi} {product.description_en} {product.unit} "
        f"{product.label_origin or ''} {producer}"
    )


@event.listens_for(Product, "before_insert")
def _index_new_product(mapper, connection, product: Product) -> None:
    refresh_search_text(product)


@event.listens_for(Product, "before_update")
def _reindex_changed_product(mapper, connection, product: Product) -> None:
    """Only when searched text changed: stock taken by every order need not refold it."""
    state = sa.inspect(product)
    if any(state.attrs[name].history.has_changes() for name in (*SEARCHED, "cooperative_id")):
        refresh_search_text(product)


def refresh_products_of(coop: Cooperative) -> None:
    """The producer's name or address changed: its products are found by the new ones."""
    for product in db.session.scalars(sa.select(Product).where(Product.cooperative_id == coop.id)):
        refresh_search_text(product, coop)


def _sqlite_hits(terms: list[str]) -> sa.TextClause:
    words = " AND ".join(f'"{t}"*' for t in terms)
    sql = sa.text(
        "SELECT rowid AS product_id,"
        " CASE WHEN rowid IN (SELECT rowid FROM product_fts WHERE product_fts MATCH :in_name)"
        " THEN 0 ELSE 1 END AS tier,"
        " bm25(product_fts, 10.0, 1.0) AS score"
        " FROM product_fts WHERE product_fts MATCH :anywhere"
    )
    return sql.bindparams(anywhere=words, in_name=f"search_name : ({words})")


def _postgres_hits(terms: list[str]) -> sa.TextClause:
    sql = sa.text(
        "SELECT id AS product_id,"
        " CASE WHEN search_vector @@ to_tsquery('simple', :in_name) THEN 0 ELSE 1 END AS tier,"
        " -ts_rank(search_vector, to_tsquery('simple', :anywhere)) AS score"
        " FROM product WHERE search_vector @@ to_tsquery('simple', :anywhere)"
    )
    return sql.bindparams(
        anywhere=" & ".join(f"{t}:*" for t in terms),
        in_name=" & ".join(f"{t}:*A" for t in terms),
    )


def hits_subquery(query: str) -> Subquery | None:
    """Matching product ids with ``tier`` (0: name match) and ``score`` (lower is better).

    Returns None when the query has no searchable word.
    """
    terms = search_terms(query)
    if not terms:
        return None
    dialect = db.session.get_bind().dialect.name
    clause = _postgres_hits(terms) if dialect == "postgresql" else _sqlite_hits(terms)
    return clause.columns(
        sa.column("product_id", sa.Integer),
        sa.column("tier", sa.Integer),
        sa.column("score", sa.Float),
    ).subquery("hits")
