"""What the catalog shows: visible products, filters, sorting and the category tree."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from shop.clock import today
from shop.extensions import db
from shop.models import Category, Cooperative, Product
from shop.services import search
from shop.services.errors import NotFound


class Sort(StrEnum):
    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"
    STARS = "stars"


@dataclass(frozen=True)
class Group:
    """A product group or sub-group as the public catalog shows it: plain data, cached for
    everyone (the tree is read on every catalog page and changes once in a long while)."""

    id: int
    slug: str
    name_vi: str
    name_en: str
    parent_id: int | None
    children: tuple[Group, ...] = ()


TreeNode = TypeVar("TreeNode", Category, Group)


@dataclass(frozen=True)
class ProductFilters:
    """Validated catalog filters; None means "not filtered"."""

    q: str = ""
    group: Group | None = None
    min_stars: int | None = None
    province: str | None = None
    cooperative: Cooperative | None = None
    min_price: int | None = None
    max_price: int | None = None
    sort: Sort = Sort.RELEVANCE


def visible_products() -> sa.Select:
    """Active products of approved cooperatives, loaded with what a product card shows.

    The cooperative and the category are loaded by queries of their own for the page's
    products, not joined: some pages sort many products to keep one page (a product group,
    the matches of a search), and joined rows would be looked up and carried along for each.
    """
    return sa.select(Product).where(*_visible(), *_listed()).options(*_card_loads())


def _card_loads() -> tuple:
    return (
        selectinload(Product.cooperative),
        selectinload(Product.images),
        selectinload(Product.category).joinedload(Category.parent),
        selectinload(Product.sizes),  # the card's "from" price
    )


def _listed() -> tuple[UsuallyTrue, ...]:
    """A family of package sizes is listed once, by its main product (nearly every product
    is one: the planner is told so, as for ``_visible``)."""
    return (UsuallyTrue(Product.family_id.is_(None)),)


def _visible() -> tuple[UsuallyTrue, ...]:
    """Active, of an approved cooperative: true of nearly every product, and marked so.

    SQLite has no statistics unless ANALYZE is run, so it takes any condition on an indexed
    column for a selective one: it would start from the approved cooperatives' products
    (`cooperative_id IN` drives the cooperative index) or read products through an index
    that holds `active`, in random order, and sort them all, instead of walking the index
    of the sort column and stopping after a page. ``likely()`` says nearly all pass. The
    count of visible products still seeks the cooperative index per approved cooperative,
    from the index alone: about 5 ms for 100,000 products, where EXISTS per product takes 20.
    """
    approved = sa.select(Cooperative.id).where(Cooperative.approved.is_(True))
    return (
        UsuallyTrue(Product.active.is_(True)),
        UsuallyTrue(Product.cooperative_id.in_(approved)),
    )


def _share_of(category_ids_: list[int]) -> float:
    """The fraction of products in these categories, for SQLite's planner.

    A group holding most of the catalog is best read by walking the sort order's index and
    skipping the few others; a small sub-group by its category index, sorting its rows.
    Without the figure SQLite always takes the category index and sorts: 116–160 ms for a
    page of the 69,000 products of one group at 100,000, where walking the price index takes
    2–3 ms.
    """
    counts = catalog_counts()
    total = sum(counts.values()) or 1
    wanted = {str(i) for i in category_ids_}
    share = sum(n for key, n in counts.items() if key.split(":")[0] in wanted) / total
    return round(min(max(share, 0.001), 1.0), 3)


def catalog_counts() -> dict[str, int]:
    """Visible products per "category:stars" (stars of valid ratings, else 0), cached.

    One grouped count serves the pager of every listing filtered by group and stars alone,
    and the planner's figures above; the cache keeps it for everyone until a write."""
    from shop import fragments  # the same for everyone: cached and purged with the pages

    return fragments.shared(f"catalog-counts:{today().isoformat()}", _count_by_category)


def _count_by_category() -> dict[str, int]:
    stars = sa.case((Product.ocop_valid_until >= today(), Product.ocop_stars), else_=0)
    rows = db.session.execute(
        sa.select(Product.category_id, stars, sa.func.count())
        .where(*_visible(), *_listed())
        .group_by(Product.category_id, stars)
    )
    return {f"{category_id}:{n_stars or 0}": n for category_id, n_stars, n in rows}


class Likelihood(FunctionElement):
    """A condition true for about ``share`` of the rows: SQLite's ``likelihood()``."""

    type = sa.types.NullType()
    # The share is written into the SQL, so it is part of the cache key: a listing's query
    # is compiled once per group, not at every request.
    inherit_cache = True
    _traverse_internals = [
        *FunctionElement._traverse_internals,
        ("share", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, condition, share: float):
        self.share = share
        super().__init__(condition)


@compiles(Likelihood)
def _bare_likelihood(element: Likelihood, compiler, **kw) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(Likelihood, "sqlite")
def _sqlite_likelihood(element: Likelihood, compiler, **kw) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, {float(element.share)!r})"


class UsuallyTrue(FunctionElement):
    """A condition true for nearly every row: SQLite's ``likely()``, elsewhere the condition."""

    # Untyped: typed Boolean, SQLAlchemy would write `likely(...) = 1` on SQLite, which
    # SQLite's planner no longer reads as a hint.
    type = sa.types.NullType()
    inherit_cache = True


@compiles(UsuallyTrue)
def _bare_condition(element: UsuallyTrue, compiler, **kw) -> str:
    return f"({compiler.process(element.clauses, **kw)})"


@compiles(UsuallyTrue, "sqlite")
def _likely(element: UsuallyTrue, compiler, **kw) -> str:
    return f"likely({compiler.process(element.clauses, **kw)})"


def is_visible(product: Product) -> bool:
    """Whether the catalog shows (and sells) this product."""
    return product.active and product.cooperative.approved


def shown_stars() -> sa.ColumnElement[int]:
    """Stars as the catalog sorts by them: 0 for unrated, revoked or expired ratings.

    A plain column, so the star order walks an index; ``ratings.expire_lapsed`` (run daily)
    zeroes lapsed ratings. Pages and the star filter still check the date themselves.
    """
    return Product.ocop_stars


def category_ids(group: Category | Group) -> list[int]:
    return [group.id, *(child.id for child in group.children)]


def filtered_products(filters: ProductFilters) -> sa.Select:
    """The catalog query for a set of filters, sorted as asked."""
    return _sorted(_filtered(visible_products(), filters), filters)


def _visible_ids() -> sa.Select:
    return sa.select(Product.id).where(*_visible(), *_listed())


def _sorted(query: sa.Select, filters: ProductFilters) -> sa.Select:
    if not filters.q:
        return query.order_by(*_ordering(filters.sort))
    found = search.match(filters.q)
    if found is None:
        return query.where(sa.false())
    query = query.where(found.anywhere)
    if filters.sort is Sort.RELEVANCE:  # the name's matches first, each tier by stars
        tier = sa.case((found.in_name, 0), else_=1)
        return query.order_by(tier, *_ordering(Sort.STARS))
    # Sorted by a product column, the matches only filter: the database may then walk that
    # column's index and check each product against the matches.
    return query.order_by(*_ordering(filters.sort))


@dataclass(frozen=True)
class CatalogPage:
    """One page of a listing: its products' ids in order, and where it sits among all."""

    ids: list[int]
    page: int
    per_page: int
    total: int
    capped: bool = False  # there are more than ``total`` (a search for a common word)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass(frozen=True)
class Ranked:
    """The first matches of a search in relevance order, and how many there are in all
    (counted up to ``COUNT_CAP``; ``capped`` when there are more)."""

    ids: tuple[int, ...]
    total: int
    capped: bool = False


RANKED_KEPT = 480  # the first 20 pages of 24: further pages are read from the database
COUNT_CAP = 1_000  # "more than 1,000 products": counting every match of a common word
# cost more than finding the page (14 ms for 8,000 matches at 100,000 products on
# PostgreSQL, 100 ms at a million), and no buyer reads a thousand products


def ranked_matches(filters: ProductFilters) -> Ranked:
    """A search's best matches, for every page, sort, language and visitor: those whose
    name has every word, then the others, each tier by stars then newest. Each tier is
    read in the star index's order with the match as a filter, so a word found in most
    products costs a page's worth of rows, not all of them."""
    found = search.match(filters.q)
    if found is None:
        return Ranked((), 0)
    base = _filtered(_visible_ids(), filters)
    total = None
    if found.count_first:
        total = _count_up_to(base.where(found.anywhere), COUNT_CAP + 1)
        if total <= COUNT_CAP:
            return _few_ranked(base, found, total)
    ids: list[int] = []
    for tier in (found.name_tier, sa.and_(found.anywhere, sa.not_(found.in_name))):
        wanted = RANKED_KEPT - len(ids)
        if wanted > 0:
            ids += db.session.scalars(
                base.where(tier).order_by(*_ordering(Sort.STARS)).limit(wanted)
            )
    if total is None:
        if len(ids) < RANKED_KEPT:  # that was every match
            return Ranked(tuple(ids), len(ids))
        total = _count_up_to(base.where(found.anywhere), COUNT_CAP + 1)
    return Ranked(tuple(ids), min(total, COUNT_CAP), capped=total > COUNT_CAP)


def _count_up_to(query: sa.Select, most: int) -> int:
    counted = query.limit(most).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0


def _few_ranked(base: sa.Select, found: search.Match, total: int) -> Ranked:
    """All ``total`` matches, known to be few, read through the full-text index and sorted:
    names first, then by stars. On PostgreSQL the tiers are not read in the star order then,
    since PostgreSQL may guess hundreds of matches where there are none and walk the star
    index past every product to find them ("lạng khô": 290 ms of SQL at 100,000 products,
    12 ms so)."""
    names_first = sa.case((found.in_name, 0), else_=1)
    best = base.where(found.anywhere).order_by(names_first, *_ordering(Sort.STARS))
    return Ranked(tuple(db.session.scalars(best.limit(RANKED_KEPT))), total)


def page_ids(filters: ProductFilters, number: int, per_page: int) -> list[int]:
    """The ids of one page of the listing (one query of the product index, no rows loaded)."""
    query = _sorted(_filtered(_visible_ids(), filters), filters)
    return list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)))


def cards(ids: list[int]) -> list[Product]:
    """Products with what their cards show, in the order of ``ids``."""
    if not ids:
        return []
    # By primary key, a page at most: the cooperative and the group come joined, one
    # round trip instead of three (the sorted listing queries load them separately).
    query = (
        sa.select(Product)
        .where(Product.id.in_(ids))
        .options(
            joinedload(Product.cooperative),
            joinedload(Product.category).joinedload(Category.parent),
            selectinload(Product.images),
            selectinload(Product.sizes),
        )
    )
    by_id = {product.id: product for product in db.session.scalars(query)}
    return [by_id[i] for i in ids if i in by_id]


def count_products(filters: ProductFilters) -> int:
    """How many visible products match ``filters`` (any sort, any page)."""
    if _by_group_and_stars_only(filters):
        return _count_from_catalog_counts(filters)
    query = _filtered(_visible_ids(), filters)
    if filters.q:
        found = search.match(filters.q)
        query = query.where(sa.false() if found is None else found.anywhere)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def only_words(filters: ProductFilters) -> bool:
    """Whether the search words are the only filter (the sort aside)."""
    return bool(filters.q) and replace(filters, q="", sort=Sort.RELEVANCE) == ProductFilters()


def _by_group_and_stars_only(filters: ProductFilters) -> bool:
    return not (
        filters.q
        or filters.province
        or filters.cooperative
        or filters.min_price is not None
        or filters.max_price is not None
    )


def _count_from_catalog_counts(filters: ProductFilters) -> int:
    wanted = {str(i) for i in category_ids(filters.group)} if filters.group else None
    total = 0
    for key, n in catalog_counts().items():
        category_id, stars = key.split(":")
        if wanted is not None and category_id not in wanted:
            continue
        if filters.min_stars is not None and int(stars) < filters.min_stars:
            continue
        total += n
    return total


def filters_key(filters: ProductFilters) -> str:
    """The filters that change which products match (not their order), as a cache key."""
    parts = (
        filters.q.casefold(),
        filters.group.slug if filters.group else "",
        filters.min_stars or "",
        filters.province or "",
        filters.cooperative.slug if filters.cooperative else "",
        "" if filters.min_price is None else filters.min_price,
        "" if filters.max_price is None else filters.max_price,
        today().isoformat(),  # the star filter checks validity on this date
    )
    text = "|".join(str(part) for part in parts)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()  # words may be long


def _filtered(query: sa.Select, filters: ProductFilters) -> sa.Select:
    """``query`` narrowed by every filter but the search words."""
    if filters.group is not None:
        ids = category_ids(filters.group)
        query = query.where(Likelihood(Product.category_id.in_(ids), _share_of(ids)))
    if filters.min_stars is not None:
        query = query.where(
            Product.ocop_stars >= filters.min_stars, Product.ocop_valid_until >= today()
        )
    if filters.province is not None:
        in_province = sa.select(Cooperative.id).where(Cooperative.province == filters.province)
        query = query.where(Product.cooperative_id.in_(in_province))
    if filters.cooperative is not None:
        query = query.where(Product.cooperative_id == filters.cooperative.id)
    if filters.min_price is not None:
        query = query.where(Product.price >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(Product.price <= filters.max_price)
    return query


def _ordering(sort: Sort) -> list:
    """ORDER BY for a sort other than search relevance (without words, relevance is stars)."""
    newest = [Product.created_at.desc(), Product.id.desc()]
    if sort is Sort.PRICE_ASC:
        return [Product.price.asc(), Product.id.asc()]
    if sort is Sort.PRICE_DESC:
        return [Product.price.desc(), Product.id.desc()]
    if sort is Sort.NEWEST:
        return newest
    return [shown_stars().desc(), *newest]


def top_rated(limit: int = 8) -> list[Product]:
    query = visible_products().where(Product.ocop_valid_until >= today())
    query = query.order_by(Product.ocop_stars.desc(), Product.created_at.desc()).limit(limit)
    return list(db.session.scalars(query))


def newest(limit: int = 8) -> list[Product]:
    query = visible_products().order_by(Product.created_at.desc(), Product.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def groups() -> list[Category]:
    """The six OCOP groups with their sub-groups loaded."""
    query = (
        sa.select(Category)
        .where(Category.parent_id.is_(None))
        .options(selectinload(Category.children))
        .order_by(Category.position)
    )
    return list(db.session.scalars(query))


def group_tree() -> list[Group]:
    """The six OCOP groups and their sub-groups, from the cache."""
    from shop import fragments  # the same for everyone: cached and purged with the pages

    return fragments.shared("groups", _read_group_tree)


def _read_group_tree() -> list[Group]:
    def plain(category: Category, children=()) -> Group:
        return Group(
            category.id,
            category.slug,
            category.name_vi,
            category.name_en,
            category.parent_id,
            tuple(children),
        )

    return [plain(g, (plain(c) for c in g.children)) for g in groups()]


def find_category(tree: list[TreeNode], slug: str) -> TreeNode | None:
    """A group or sub-group of ``tree`` by slug."""
    return next((c for g in tree for c in (g, *g.children) if c.slug == slug), None)


def featured_cooperatives(limit: int = 6) -> list[Cooperative]:
    """The approved producers with the most products on sale.

    The ranking reads every product (60 ms at a million on PostgreSQL; a count per
    cooperative took 2.8 s), so it is kept ten minutes whatever the writes; who is approved
    is read at every call, so a suspended producer leaves the home page at once."""
    from shop import fragments  # the same for everyone

    ranked = fragments.lasting("producers-by-products", _producers_by_products, seconds=600)
    shown = db.session.scalars(
        sa.select(Cooperative).where(Cooperative.id.in_(ranked), Cooperative.approved.is_(True))
    )
    by_id = {cooperative.id: cooperative for cooperative in shown}
    return [by_id[i] for i in ranked if i in by_id][:limit]


def _producers_by_products(kept: int = 50) -> list[int]:
    """Cooperative ids, the most products on sale first (ties: the oldest first)."""
    rows = db.session.execute(
        sa.select(Product.cooperative_id, sa.func.count().label("n"))
        .where(Product.active.is_(True))
        .group_by(Product.cooperative_id)
        .order_by(sa.desc("n"), Product.cooperative_id)
        .limit(kept)
    )
    return [cooperative_id for cooperative_id, _ in rows]


def provinces_with_products() -> list[str]:
    query = (
        sa.select(Cooperative.province)
        .where(Cooperative.approved.is_(True))
        .distinct()
        .order_by(Cooperative.province)
    )
    return list(db.session.scalars(query))


def approved_cooperative(slug: str) -> Cooperative:
    """An approved cooperative, or a suspended one (its page says so), or NotFound."""
    query = (
        sa.select(Cooperative)
        .where(
            Cooperative.slug == slug,
            sa.or_(Cooperative.approved.is_(True), Cooperative.suspended_at.is_not(None)),
        )
        .options(selectinload(Cooperative.certifications), selectinload(Cooperative.photos))
    )
    cooperative = db.session.scalar(query)
    if cooperative is None:
        raise NotFound(_l("No such cooperative."))
    return cooperative


def product_page(slug: str) -> Product:
    """A visible product with everything its page shows, in a fixed number of queries."""
    query = (
        sa.select(Product)
        .where(*_visible(), Product.slug == slug)
        .options(
            joinedload(Product.cooperative).selectinload(Cooperative.certifications),
            joinedload(Product.category).joinedload(Category.parent),
            selectinload(Product.images),
            selectinload(Product.ratings),
            selectinload(Product.certifications),
            selectinload(Product.sizes),
            joinedload(Product.family).selectinload(Product.sizes),
        )
    )
    product = db.session.scalar(query)
    if product is None:
        raise NotFound(_l("No such product."))
    return product


def products_of(cooperative: Cooperative) -> sa.Select:
    """A cooperative's products on sale, best rated first (paginated by the caller)."""
    return (
        visible_products()
        .where(Product.cooperative_id == cooperative.id)
        .order_by(shown_stars().desc(), Product.created_at.desc(), Product.id.desc())
    )


def cooperative_by_slug(slug: str) -> Cooperative | None:
    return db.session.scalar(
        sa.select(Cooperative).where(Cooperative.slug == slug, Cooperative.approved.is_(True))
    )


def sitemap_entries(limit: int = 50_000) -> tuple[list[tuple[str, object]], list[str]]:
    """(product slug, created_at) pairs and cooperative slugs for the sitemap."""
    products = db.session.execute(
        sa.select(Product.slug, Product.created_at)
        .join(Product.cooperative)
        .where(Product.active.is_(True), Cooperative.approved.is_(True))
        .order_by(Product.id)
        .limit(limit)
    ).all()
    cooperatives = db.session.scalars(
        sa.select(Cooperative.slug).where(Cooperative.approved.is_(True)).order_by(Cooperative.id)
    ).all()
    return [tuple(row) for row in products], list(cooperatives)
