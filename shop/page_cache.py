"""A short-lived cache of whole catalog pages for visitors who are not signed in.

Such pages hold nothing personal (no form with a CSRF token, no account menu), only the
language, which is part of the key. Prices and stock on them may be a minute old; the
product page, the cart and the checkout always read the database.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from shop.extensions import cache
from shop.i18n import current_language


def _key() -> str:
    return f"page:{current_language()}:{request.full_path}"


def _personal() -> bool:
    """Signed-in visitors, pages with a message to show, or the cache switched off."""
    if current_app.config["PAGE_CACHE_SECONDS"] <= 0 or current_user.is_authenticated:
        return True
    return bool(session.get("_flashes"))  # peeked, not consumed: the page must show them


def cached_page(view):
    """Serve anonymous GETs of ``view`` from the cache; only 200 answers are kept."""
    return cache.cached(
        timeout=None,
        make_cache_key=lambda *args, **kwargs: _key(),
        unless=_personal,
        response_filter=lambda response: getattr(response, "status_code", 200) == 200,
        source_check=False,
    )(view)
