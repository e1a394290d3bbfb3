"""Sessions that end, cookies and headers production needs, and URLs no Host header can bend."""

import pytest

from shop import create_app
from tests import factories


def test_signing_out_ends_the_session_for_a_copied_cookie(app, client):
    account = factories.user()
    assert factories.sign_in(client, account).status_code == 302
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account/orders").status_code == 200  # the copy works while signed in
    client.post("/account/logout")
    assert thief.get("/account/orders").status_code == 302  # and not after sign-out


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    return lambda **extra: create_app(
        "production", {"SQLALCHEMY_DATABASE_URI": "sqlite://"} | extra
    )


def test_production_sends_hsts_and_strict_cookies(production):
    app = production()
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    response = app.test_client().get("/robots.txt", base_url="https://127.0.0.1")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_refuses_other_hosts(production):
    client = production().test_client()
    assert client.get("/robots.txt", base_url="https://127.0.0.1").status_code == 200
    assert client.get("/robots.txt", base_url="https://evil.example").status_code == 400


def test_production_refuses_several_workers_without_shared_limits(production, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        production()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    production()  # with shared storage it starts


def test_behind_one_proxy_the_client_address_is_the_forwarded_one(production):
    app = production(PROXY_COUNT=1)
    seen = []

    @app.get("/_whoami")
    def whoami():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_whoami",
        base_url="https://127.0.0.1",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
    )
    assert seen == ["203.0.113.9"]


def test_links_on_pages_and_in_emails_ignore_the_host_header(client, catalog):
    page = client.get(
        f"/products/{catalog.banana.slug}", headers={"Host": "evil.example"}
    ).get_data(as_text=True)
    assert "evil.example" not in page
    assert 'rel="canonical" href="http://127.0.0.1:5000/products/' in page
    robots = client.get("/robots.txt", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in robots


def test_the_page_cache_cannot_be_poisoned_through_the_host(database_url, catalog):
    from shop.extensions import cache, db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_SECONDS": 60})
    bind = db.engines[None]
    with app.app_context():
        db.engines[None] = bind  # see the test's rows on PostgreSQL too
        cache.clear()
    client = app.test_client()
    url = f"/products/{catalog.banana.slug}"
    poisoned = client.get(url, headers={"Host": "evil.example"})
    assert poisoned.status_code == 200  # the page was rendered, and cached, for that request
    page = client.get(url).get_data(as_text=True)
    assert catalog.banana.name_vi in page and "evil.example" not in page
