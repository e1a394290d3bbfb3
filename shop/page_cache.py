"""A short-lived cache of whole catalog pages for visitors who are not signed in.

Such pages hold nothing personal but the language, which is part of the key, the CSRF
token of the add-to-cart form and the number of items in the header's cart link: pages are
stored with placeholders where these go, and each visitor's own are put in when the page is
served.

A write that changes what catalog pages show (a product, a rating, a cooperative, a review,
a lot, its events or a recall: the trace pages of products and lots are cached too) purges
every cached page once its transaction commits: each page is stored with the generation
number it was rendered in, and the purge moves the number on. Stock taken by orders does not
purge (it would on every sale): stock on a cached page may be a minute old; the cart and the
checkout read the database.

HTTP validators: every anonymous page carries an ETag (the cached page, the language and
the visitor's CSRF secret, so a 304 never leaves a visitor with another session's form
token), and a repeat visit that sends it back gets 304 with no body. Pages with a form
(a per-visitor token) or a filled cart's count are ``private, no-cache``: the browser keeps
them, a shared proxy does not. Pages without one are ``public`` for
``PAGE_CACHE_SECONDS``, which is also how stale a CDN may let them grow: a purge here
cannot reach a CDN's copies, so its lifetime is kept as short as the page cache's.
"""

from __future__ import annotations

import hashlib
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, make_response, request, session
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from shop.extensions import cache
from shop.i18n import current_language

TOKEN_PLACEHOLDER = "__csrf_token_for_this_visitor__"
CART_PLACEHOLDER = "__cart_count_for_this_visitor__"


GENERATION = "page:generation"
CATALOG_TYPES: tuple[type, ...] = ()  # set by register_page_cache (the models import late)


def _key() -> str:
    return f"page:{current_language()}:{request.full_path}"


def _read(key: str) -> str | None:
    """The cached page at ``key`` if it was stored in the current generation. The generation
    and the page come in one round trip (MGET with Redis): a hit costs one, not two. The
    generation is kept in ``g`` for the fragments of a page rendered now."""
    generation, stored = cache.get_many(GENERATION, key)
    g.cache_generation = generation = generation or 0
    if stored is None or stored[0] != generation:
        return None
    return stored[1]


def purge() -> None:
    """Forget every cached page at once: the generation moves on, and pages stored in an
    earlier one are no longer served."""
    cache.cache.inc(GENERATION)  # an atomic INCR with Redis, shared by every worker


def _note_catalog_writes(session, flush_context) -> None:
    """Remember, for the commit, that this transaction changed what catalog pages show."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, CATALOG_TYPES):
            session.info["catalog_changed"] = True
            return


def after_commit(session) -> None:
    if session.info.pop("catalog_changed", False):
        purge()


def after_rollback(session) -> None:
    session.info.pop("catalog_changed", None)


def _personal() -> bool:
    """Signed-in visitors, pages with a message to show, or the cache switched off."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0 or current_user.is_authenticated:
        return True
    return bool(session.get("_flashes"))  # peeked, not consumed: the page must show them


def csrf_token() -> str:
    """The template's csrf_token(): a placeholder while a page is rendered for the cache."""
    return TOKEN_PLACEHOLDER if g.get("rendering_for_cache") else generate_csrf()


def cart_badge() -> Markup:
    """The template's cart count: a placeholder while a page is rendered for the cache."""
    return Markup(CART_PLACEHOLDER) if g.get("rendering_for_cache") else _cart_badge()


def _cart_badge() -> Markup:
    from shop.cart import store

    count = sum(store.read().values())
    if not count:
        return Markup("")
    label = ngettext("%(num)d item in the cart", "%(num)d items in the cart", count)
    return Markup(
        '<span class="cart-count"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span></span>'
    ).format(count, label)


def _serve(body: str):
    has_form = TOKEN_PLACEHOLDER in body
    token = generate_csrf() if has_form else ""  # also makes the session's CSRF secret
    badge = str(_cart_badge()) if CART_PLACEHOLDER in body else ""
    personal = has_form or bool(badge)
    shown = body.replace(TOKEN_PLACEHOLDER, token) if has_form else body
    response = make_response(shown.replace(CART_PLACEHOLDER, badge))
    response.set_etag(_etag(body + badge, has_form), weak=True)
    if personal:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["PAGE_CACHE_SECONDS"]
    response.vary.update(("Cookie", "Accept-Language"))
    return response.make_conditional(request)


def _etag(body: str, has_form: bool) -> str:
    digest = hashlib.blake2b(body.encode(), digest_size=12)
    digest.update(current_language().encode())
    if has_form:  # the same page with another session's token is another page
        digest.update(str(session.get("csrf_token", "")).encode())
    return digest.hexdigest()


def cached_page(view):
    """Serve anonymous GETs of ``view`` from the cache; only 200 answers are kept, and not
    those a view marked with ``skip_page_cache`` (a search that found nothing is logged
    each time it is made)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if _personal():
            return view(*args, **kwargs)
        key = _key()
        body = _read(key)
        if body is None:
            generation = g.cache_generation
            g.rendering_for_cache = True
            try:
                response = make_response(view(*args, **kwargs))
            finally:  # a view that raises (a 404) has its error page rendered for this visitor
                g.rendering_for_cache = False
            body = response.get_data(as_text=True)
            if response.status_code != 200 or g.pop("skip_page_cache", False):
                body = body.replace(CART_PLACEHOLDER, str(_cart_badge()))
                response.set_data(body.replace(TOKEN_PLACEHOLDER, generate_csrf()))
                return response  # with the view's own headers (a 404's no-store)
            seconds = current_app.config["PAGE_CACHE_SECONDS"]
            cache.set(key, (generation, body), timeout=seconds)
        return _serve(body)

    return wrapper


def register_page_cache(app: Flask) -> None:
    """Flask-WTF offers csrf_token() as a global and through a context processor: replace both.
    Catalog writes purge the cache after their commit."""
    global CATALOG_TYPES
    from sqlalchemy.orm import Session

    from shop.models import (
        Category,
        Certification,
        Cooperative,
        CooperativePhoto,
        Lot,
        OcopRating,
        Product,
        ProductImage,
        Recall,
        Review,
        TraceEvent,
    )

    CATALOG_TYPES = (
        Product,
        OcopRating,
        Cooperative,
        Review,
        Category,
        ProductImage,
        Certification,
        CooperativePhoto,
        Lot,  # the trace pages of products and lots are cached too
        TraceEvent,
        Recall,
    )
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["cart_badge"] = cart_badge
    app.context_processor(lambda: {"csrf_token": csrf_token})
    if not sa.event.contains(Session, "after_flush", _note_catalog_writes):
        sa.event.listen(Session, "after_flush", _note_catalog_writes)
        sa.event.listen(Session, "after_commit", _after_commit_in_app)
        sa.event.listen(Session, "after_soft_rollback", lambda s, t: after_rollback(s))


def _after_commit_in_app(session) -> None:
    from flask import has_app_context

    if has_app_context():
        after_commit(session)
