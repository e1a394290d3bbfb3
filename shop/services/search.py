"""Accent-insensitive product search over an indexed, folded copy of the product's text.

SQLite uses an FTS5 table kept by triggers; PostgreSQL a generated ``tsvector``
column with a GIN index (both made by the migrations). Both match every query
word as a word prefix, and rank products whose *name* has every word first.
The FTS5 table keeps prefix indexes for two and three letters: without them a
short word such as "co" merges the entries of every word it starts ("cooperative").
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from shop.extensions import db
from shop.models import Cooperative, Product
from shop.services.places import former_names
from shop.services.text import fold, search_terms

# What a product is found by besides its name: its description, unit and origin, and its
# producer's name and address, with the former commune, district and province names its
# commune took in on 1 July 2025 ("Lương Sơn, Hòa Bình" is in Phú Thọ since the merger,
# "Lục Yên, Yên Bái" in Lào Cai), which people still use.
SEARCHED = ("name_vi", "name_en", "description_vi", "description_en", "unit", "label_origin")


def refresh_search_text(product: Product, coop: Cooperative | None = None) -> None:
    """Recompute the folded text the search index reads."""
    coop = coop or product.cooperative or db.session.get(Cooperative, product.cooperative_id)
    producer = ""
    if coop:
        former = " ".join(former_names(coop.province, coop.commune))
        producer = f"{coop.name} {coop.address} {coop.commune} {coop.province} {former}"
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


@dataclass(frozen=True)
class Match:
    """What a search asks of a product: every word somewhere, or every word in its name
    (the better tier). Both are conditions on the product table, so a page of matches can
    be read in an index's order and stop early: for a word in most names that is a few
    milliseconds, where ranking every match by text weight took seconds at a million.

    On PostgreSQL ``words`` is the text query: matches are then counted before they are
    read (``count_first``), and ``names_many`` says whether the worker's word counts expect
    so many names to match that walking the star order finds them sooner (``name_tier``)."""

    anywhere: sa.ColumnElement[bool]
    in_name: sa.ColumnElement[bool]
    words: str = ""
    names_many: bool = False

    @property
    def count_first(self) -> bool:
        return bool(self.words)

    @property
    def name_tier(self) -> sa.ColumnElement[bool]:
        """The name's test as the first tier reads it: tested row by row in the star order
        when many names match, else through the name's index."""
        return _walked(_NAME_VECTOR, self.words) if self.names_many else self.in_name


def match(query: str) -> Match | None:
    """The conditions of ``query``, or None when it has no searchable word."""
    terms = search_terms(query)
    if not terms:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        _plan_for_these_words()
        words = " & ".join(f"{t}:*" for t in terms)
        return Match(
            _tsquery_match(_VECTOR, words),
            _tsquery_match(_NAME_VECTOR, words),
            words=words,
            names_many=_in_many_names(terms),
        )
    words = " AND ".join(f'"{t}"*' for t in terms)
    return Match(_fts_match(words), _fts_match(f"search_name : ({words})"))


# The generated tsvector columns the migrations add (PostgreSQL only, so not mapped): the
# product's whole text, and its name alone (the first tier has an index of its own).
_VECTOR = sa.literal_column("product.search_vector")
_NAME_VECTOR = sa.literal_column("product.name_vector")


def _plan_for_these_words() -> None:
    """Have PostgreSQL plan this transaction's statements for their own words. psycopg
    prepares a statement once a connection has run it five times, and PostgreSQL may then
    keep one generic plan for every word: a plan fit for a rare word read "co", found in
    most names, through the full-text index and sorted all its matches (100 ms instead of
    5 at 100,000 products)."""
    db.session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _tsquery_match(vector: sa.ColumnElement, tsquery: str) -> sa.ColumnElement[bool]:
    return vector.op("@@")(sa.func.to_tsquery("simple", tsquery))


def _walked(vector: sa.ColumnElement, tsquery: str) -> sa.ColumnElement[bool]:
    """The same test as a function call on a vector already read, which no index serves:
    for rows read in another index's order and tested one by one."""
    return sa.func.ts_match_vq(vector, sa.func.to_tsquery("simple", tsquery), type_=sa.Boolean)


# Reading the name's matches through the full-text index costs about one row each (and a
# sort); walking the star index costs the rows passed before the kept matches are found,
# about kept × catalog / matches. They cost the same near sqrt(kept × catalog) matches: 7,000
# at 100,000 products, 22,000 at a million. PostgreSQL cannot tell from its statistics
# ("co:*", in 45,600 names of 100,000, is estimated at 2,000: read through the index and
# sorted, 65 ms instead of 2), so the shop estimates from the word counts the worker keeps
# for spelling.


def _in_many_names(terms: list[str]) -> bool:
    """Whether so many names hold every word that walking the star index finds the kept
    matches sooner than the full-text index; unknown (no word counts yet): not many."""
    counts = _names_by_prefix()
    if not counts:
        return False
    from shop.services.catalog import RANKED_KEPT, catalog_counts

    names = sum(catalog_counts().values())
    return walk_finds_sooner([counts(t) for t in set(terms)], names, RANKED_KEPT)


def walk_finds_sooner(word_counts: list[int], names: int, kept: int) -> bool:
    """Whether ``kept`` names holding every word, each word in ``word_counts`` of ``names``,
    are found sooner by walking all names than by reading the matches. Words typed together
    are seldom independent ("truyền thống") nor always together: the names holding them all
    are taken as the geometric mean of the two, which gave the least SQL of the three on the
    benchmark's searches (docs/scaling.md)."""
    if names <= 0 or not word_counts:
        return False
    each = [min(n, names) for n in word_counts]
    independent = names * math.prod(n / names for n in each)
    together = min(each)
    return math.sqrt(independent * together) >= math.sqrt(kept * names)


def _names_by_prefix() -> Callable[[str], int] | None:
    """Names by prefix from the worker's word counts; None when it has not built them yet."""
    from shop import fragments

    words = fragments.ready(WORDS_KEY, missing={})
    return prefix_counter(words) if words else None


def prefix_counter(words: dict[str, int]) -> Callable[[str], int]:
    """A function giving how many names hold a word starting with a prefix, from the number
    of names each word is in (a name with two such words counts twice)."""
    ordered = sorted(words)
    totals = [0, *itertools.accumulate(words[w] for w in ordered)]

    def count(prefix: str) -> int:
        start = bisect.bisect_left(ordered, prefix)
        end = bisect.bisect_left(ordered, prefix + "\uffff")
        return totals[end] - totals[start]

    return count


def _fts_match(expression: str) -> sa.ColumnElement[bool]:
    in_index = sa.text("SELECT rowid FROM product_fts WHERE product_fts MATCH :expression")
    # Unique: a statement may hold both matches (the name's tier and the others).
    value = sa.bindparam("expression", expression, unique=True)
    return Product.id.in_(in_index.bindparams(value))


# --- Spelling: one wrong letter -----------------------------------------------------------

SHORTEST_CORRECTED = 3  # "ogn" -> "ong"; two letters have too many neighbours
WORDS_KEY = "search-words"  # the known words, kept in the cache for every worker
WORDS_SECONDS = 1800  # kept this long; the worker rebuilds them every WORDS_REBUILT_SECONDS
WORDS_REBUILT_SECONDS = 300


def known_words() -> dict[str, int]:
    """Each folded word of the visible products' names and their producers' names, with the
    number of products it names (the likelier correction when two are one letter away).
    Words with a digit are left out: a code or a number is not put right by guessing."""
    counts: Counter[str] = Counter()
    names = db.session.scalars(
        sa.select(Product.search_name).where(
            Product.active.is_(True),
            Product.cooperative_id.in_(
                sa.select(Cooperative.id).where(Cooperative.approved.is_(True))
            ),
        )
    )
    for name in names:
        counts.update(set(name.split()))
    producers = db.session.scalars(sa.select(Cooperative.name).where(Cooperative.approved))
    for producer in producers:
        counts.update(set(fold(producer).split()))
    return {word: n for word, n in counts.items() if word.isalpha()}


LETTERS = "abcdefghijklmnopqrstuvwxyz"  # folded words have no accents and no đ


def one_edit_away(term: str) -> set[str]:
    """Every string one letter wrong, missing, added or swapped from ``term``: some 55 per
    letter, looked up in the known words at once (however many there are)."""
    splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
    missing = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    wrong = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    added = {a + c + b for a, b in splits for c in LETTERS}
    return (missing | swapped | wrong | added) - {term}


def corrected_query(query: str, words: dict[str, int]) -> str | None:
    """``query`` with each word no product is known by replaced by the likeliest known word
    one letter away; None when there is nothing to correct or no correction for a word."""
    terms = search_terms(query)
    if not terms:
        return None
    ordered = sorted(words)
    changed, fixed = False, []
    for term in terms:
        at = bisect.bisect_left(ordered, term)
        if at < len(ordered) and ordered[at].startswith(term):  # searched as a prefix
            fixed.append(term)
            continue
        close = []
        if len(term) >= SHORTEST_CORRECTED:
            close = [w for w in one_edit_away(term) if w in words]
        if not close:
            return None
        fixed.append(max(close, key=lambda w: (words[w], w)))
        changed = True
    return " ".join(fixed) if changed else None


# --- Searches that found nothing ------------------------------------------------------------


def note_miss(query: str, searcher=None) -> None:
    """Count one more search for ``query`` today that found nothing; the office's own tries
    of a logged search (``searcher``) do not count."""
    from shop.models import Role

    if searcher is not None and getattr(searcher, "role", None) is Role.ADMIN:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    from shop.clock import today
    from shop.models import SearchMiss

    text = " ".join(query.lower().split())[:100]
    if not text:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SearchMiss).values(day=today(), query=text, times=1)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "query"], set_={"times": SearchMiss.times + 1}
        )
    )


@dataclass(frozen=True)
class Miss:
    query: str
    times: int
    last_day: date


def recent_misses(days: int = 30, limit: int = 200) -> list[Miss]:
    """The searches that found nothing in the last ``days``, the most frequent first."""
    from shop.clock import today
    from shop.models import SearchMiss

    rows = db.session.execute(
        sa.select(SearchMiss.query, sa.func.sum(SearchMiss.times), sa.func.max(SearchMiss.day))
        .where(SearchMiss.day > today() - timedelta(days=days))
        .group_by(SearchMiss.query)
        .order_by(sa.func.sum(SearchMiss.times).desc(), SearchMiss.query)
        .limit(limit)
    )
    return [Miss(query, int(times), last) for query, times, last in rows]
