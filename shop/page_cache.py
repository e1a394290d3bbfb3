"""A short-lived cache of whole catalog pages for visitors who are not signed in.

Such pages hold nothing personal but the language, which is part of the key, and the
CSRF token of the add-to-cart form: pages are stored with a placeholder where the token
goes, and each visitor's own token is put in when the page is served. Prices and stock
on a cached page may be a minute old; the cart and the checkout always read the database.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from shop.extensions import cache
from shop.i18n import current_language

TOKEN_PLACEHOLDER = "__csrf_token_for_this_visitor__"


def _key() -> str:
    return f"page:{current_language()}:{request.full_path}"


def _personal() -> bool:
    """Signed-in visitors, pages with a message to show, or the cache switched off."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0 or current_user.is_authenticated:
        return True
    return bool(session.get("_flashes"))  # peeked, not consumed: the page must show them


def csrf_token() -> str:
    """The template's csrf_token(): a placeholder while a page is rendered for the cache."""
    return TOKEN_PLACEHOLDER if g.get("rendering_for_cache") else generate_csrf()


def _serve(body: str):
    if TOKEN_PLACEHOLDER in body:
        body = body.replace(TOKEN_PLACEHOLDER, generate_csrf())
    return make_response(body)


def cached_page(view):
    """Serve anonymous GETs of ``view`` from the cache; only 200 answers are kept."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if _personal():
            return view(*args, **kwargs)
        key = _key()
        body = cache.get(key)
        if body is None:
            g.rendering_for_cache = True
            response = make_response(view(*args, **kwargs))
            g.rendering_for_cache = False
            body = response.get_data(as_text=True)
            if response.status_code != 200:
                return _serve(body), response.status_code
            cache.set(key, body, timeout=current_app.config["PAGE_CACHE_SECONDS"])
        return _serve(body)

    return wrapper


def register_page_cache(app: Flask) -> None:
    """Flask-WTF offers csrf_token() as a global and through a context processor: replace both."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
