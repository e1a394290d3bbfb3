"""Site-wide behaviour: languages, error pages, security headers."""

import pytest

from shop import create_app


def test_vietnamese_is_the_default(client):
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_accept_language_is_respected_on_a_first_visit(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_lang_parameter_switches_and_is_remembered(client):
    assert '<html lang="en">' in client.get("/products?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    page = client.get("/?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert 'href="/?lang=en"' in page  # the switcher offers the other language


def test_the_footer_kept_once_per_language_follows_each_page_s_language(client):
    footer = lambda page: page[page.index('<footer class="site-footer">') :]  # noqa: E731
    for lang, words in (("vi", "Chính sách bảo mật"), ("en", "Privacy policy")) * 2:
        page = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert words in footer(page), lang


def test_template_words_follow_a_locale_forced_inside_a_request(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/?lang=vi"):
        cart = "{{ _('Cart') }}"
        assert render_template_string(cart) == "Giỏ hàng"
        with force_locale("en"):  # an email in its reader's language, say
            assert render_template_string(cart) == "Cart"
        assert render_template_string(cart) == "Giỏ hàng"


def test_unknown_language_is_ignored(client):
    assert '<html lang="vi">' in client.get("/?lang=xx").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "text"), [("vi", "Không tìm thấy trang"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, lang, text):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_json_errors_for_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["error"] == 404


@pytest.mark.parametrize(("lang", "text"), [("vi", "Đã có lỗi"), ("en", "Something went wrong")])
def test_500_page_in_both_languages(database_url, lang, text):
    overrides = {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False}
    app = create_app("testing", overrides)

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    response = app.test_client().get(f"/explode?lang={lang}")
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_card_redirects_are_allowed_only_to_the_payment_host(app, client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com;" in csp
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:12111"
    try:
        csp = client.get("/").headers["Content-Security-Policy"]
    finally:
        app.config["STRIPE_API_BASE"] = None
    assert "form-action 'self' https://checkout.stripe.com http://127.0.0.1:12111;" in csp


def test_anonymous_catalog_pages_are_cached_per_language_signed_in_ones_are_not(
    database_url, catalog
):
    from shop.extensions import db
    from tests import factories

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_SECONDS": 60})
    bind = db.engines[None]
    with app.app_context():
        db.engines[None] = bind  # see the test's rows on PostgreSQL too
    client = app.test_client()
    first = client.get("/products").get_data(as_text=True)
    import sqlalchemy as sa

    from shop.models import Product

    # A write behind the ORM's back (as orders take stock) does not purge the cache.
    db.session.execute(
        sa.update(Product).where(Product.id == catalog.tea.id).values(name_vi="Chè đổi tên")
    )
    db.session.commit()
    assert client.get("/products").get_data(as_text=True) == first  # served from the cache
    assert "Chè đổi tên" in client.get("/products?sort=newest").get_data(as_text=True)
    factories.sign_in(client, factories.user())
    assert "Chè đổi tên" in client.get("/products").get_data(as_text=True)  # never cached
    english = app.test_client().get("/products?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "My Tan green tea" in english


def test_cached_product_pages_carry_each_visitors_own_csrf_token(app_with, catalog):
    import re

    from shop.extensions import limiter

    app = app_with(PAGE_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    limiter.enabled = False
    tokens = []
    for _ in range(2):
        client = app.test_client()
        page = client.get("/products/che-my-tan").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post(
            "/cart/add", data={"product_id": catalog.tea.id, "quantity": "1", "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]  # own token
        tokens.append(token)
    assert tokens[0] != tokens[1]


def test_a_catalog_write_purges_the_page_cache_at_once(app_with, catalog):
    """A revoked rating must not keep showing its stars to visitors for a minute."""
    from shop.extensions import db
    from shop.models import OcopRating
    from shop.services import ratings

    app = app_with(PAGE_CACHE_SECONDS=60)
    client = app.test_client()
    assert 'aria-label="4 sao OCOP"' in client.get("/products/che-my-tan").get_data(as_text=True)
    with app.app_context():
        rating = db.session.get(OcopRating, ratings.current_rating(catalog.tea).id)
        ratings.revoke_rating(rating, "Sai hồ sơ")
        db.session.commit()
    assert 'aria-label="4 sao OCOP"' not in client.get("/products/che-my-tan").get_data(
        as_text=True
    )


def test_messages_come_in_the_language_chosen(client, catalog):
    def add_to_cart() -> str:
        data = {"product_id": catalog.banana.id, "quantity": "1"}
        return client.post("/cart/add", data=data, follow_redirects=True).get_data(as_text=True)

    client.get("/?lang=en")
    assert "Added to your cart." in add_to_cart()
    client.get("/products?lang=vi")
    page = add_to_cart()
    assert "Đã thêm vào giỏ hàng." in page and "Added to your cart." not in page
