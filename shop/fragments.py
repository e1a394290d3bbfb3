"""What is the same for every visitor, kept across requests and workers.

Signed-in visitors get no page cache, but most of a catalog page is still the same for
them as for everyone: the product cards, the count of matches behind the pager, the
filter form's choices. These are cached (in Redis when configured) for
``FRAGMENT_CACHE_SECONDS``. Their keys carry the page cache's generation, so the writes
that purge pages (a price, a rating, a cooperative, a photo) purge them too, at once.
Stock taken by orders does not: an "out of stock" badge on a card may be that late; the
product page's own stock, the cart and the checkout read the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import current_app, g, get_template_attribute
from markupsafe import Markup

from shop.extensions import cache
from shop.i18n import current_language
from shop.models import Product
from shop.page_cache import GENERATION

T = TypeVar("T")


def _seconds() -> int:
    return current_app.config.get("FRAGMENT_CACHE_SECONDS", 0)


def _generation() -> int:
    if "cache_generation" not in g:
        g.cache_generation = cache.get(GENERATION) or 0
    return g.cache_generation


def shared(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, or its value cached under ``key`` for this catalog generation."""
    if _seconds() <= 0:
        return compute()
    return _kept(f"frag:{_generation()}:{key}", compute, _seconds())


def lasting(key: str, compute: Callable[[], T], seconds: int) -> T:
    """``compute()``, kept ``seconds`` whatever the catalog's writes: for what is costly to
    build and may be a little late (the words search corrections are chosen from)."""
    if _seconds() <= 0:
        return compute()
    return _kept(f"frag:lasting:{key}", compute, seconds)


def prepared(key: str, compute: Callable[[], T], seconds: int, missing: T) -> T:
    """A value too costly for a request (seconds at a million products), which the worker
    keeps ready (``keep_prepared``, on beat): read, and ``missing`` until it is there. Where no
    worker runs (no broker), built here at most once per ``seconds``, as ``lasting``."""
    if _seconds() <= 0:
        return compute()
    if current_app.config.get("OUTBOX_DELIVERY") == "celery":
        value = cache.get(f"frag:lasting:{key}")
        return missing if value is None else value
    return _kept(f"frag:lasting:{key}", compute, seconds)


def ready(key: str, missing: T) -> T:
    """What the worker keeps ready under ``key`` (``keep_prepared``), or ``missing``: never
    built here, for a use that can do without it."""
    value = cache.get(f"frag:lasting:{key}")
    return missing if value is None else value


def keep_prepared(key: str, value: object, seconds: int) -> None:
    """The worker's part of ``prepared``: keep the value it built for ``seconds``."""
    cache.set(f"frag:lasting:{key}", value, timeout=seconds)


def prepare_search_words() -> int:
    """Build the words misspelt searches are corrected to and keep them for every app
    server (the worker's beat task, or cron's ``flask prepare-search-words``)."""
    from shop.services import search

    words = search.known_words()
    keep_prepared(search.WORDS_KEY, words, search.WORDS_SECONDS)
    return len(words)


def _kept(full_key: str, compute: Callable[[], T], seconds: int) -> T:
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=seconds)
    return value


def product_cards(products: Iterable[Product]) -> Markup:
    """The cards of ``products``, rendered once per language and generation (one round
    trip to the cache for the whole grid)."""
    by_id = {p.id: p for p in products}
    return _cards(list(by_id), lambda missing: [by_id[i] for i in missing])


def cards_of(ids: list[int]) -> Markup:
    """The cards of the products ``ids``, in order: only those not cached are loaded (with
    what a card shows) and rendered."""
    from shop.services.catalog import cards  # the catalog caches through this module

    return _cards(ids, cards)


def _cards(ids: list[int], load: Callable[[list[int]], list[Product]]) -> Markup:
    render = get_template_attribute("_macros/ui.html", "product_card")
    if _seconds() <= 0 or not ids:
        return Markup("".join(str(render(p)) for p in load(ids)))
    prefix = f"frag:{_generation()}:{current_language()}:card:"
    found = dict(zip(ids, cache.get_many(*(prefix + str(i) for i in ids)), strict=True))
    missing = [i for i, html in found.items() if html is None]
    if missing:
        fresh = {p.id: str(render(p)) for p in load(missing)}
        found.update(fresh)
        cache.set_many({prefix + str(i): html for i, html in fresh.items()}, timeout=_seconds())
    return Markup("".join(found[i] for i in ids if found.get(i) is not None))
