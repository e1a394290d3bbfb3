"""What browsers, proxies and CDNs are told: validators, lifetimes, compression, static names."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shop.extensions import db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cached_app(app_with, catalog):
    return app_with(PAGE_CACHE_SECONDS=60)


def test_a_page_without_a_form_is_public_and_revalidates_to_304(cached_app):
    client = cached_app.test_client()
    first = client.get("/products")
    assert first.status_code == 200
    assert first.cache_control.public and first.cache_control.max_age == 60
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get("/products", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/products/khong-co-san-pham-nay", 404),
        ("/cooperatives/khong-co-hop-tac-xa-nay", 404),
        ("/01/{tea}?17=27123%C2%B2", 400),
    ],
)
def test_an_error_in_a_cached_page_shows_this_visitor_s_own_header(
    cached_app, catalog, path, status
):
    from shop.page_cache import CART_PLACEHOLDER, TOKEN_PLACEHOLDER

    path = path.format(tea=catalog.tea.gtin)
    client = cached_app.test_client()
    client.post("/cart/add", data={"product_id": 1, "quantity": 2})
    for _ in range(2):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == status
        assert CART_PLACEHOLDER not in page and TOKEN_PLACEHOLDER not in page


def test_a_page_with_a_form_is_private_and_each_session_has_its_own_validator(cached_app):
    one, two = cached_app.test_client(), cached_app.test_client()
    mine = one.get("/products/che-my-tan")
    theirs = two.get("/products/che-my-tan")
    assert mine.cache_control.private and mine.cache_control.no_cache
    assert not mine.cache_control.public
    assert mine.headers["ETag"] != theirs.headers["ETag"]  # their token is not mine
    # My own copy (with my token) is still good: 304. Another visitor's validator is not.
    assert (
        one.get("/products/che-my-tan", headers={"If-None-Match": mine.headers["ETag"]}).status_code
        == 304
    )
    assert (
        one.get(
            "/products/che-my-tan", headers={"If-None-Match": theirs.headers["ETag"]}
        ).status_code
        == 200
    )


def test_a_write_changes_the_validator(cached_app, catalog):
    from shop.models import OcopRating
    from shop.services import ratings

    client = cached_app.test_client()
    before = client.get("/products?group=tea")
    with cached_app.app_context():
        rating = db.session.get(OcopRating, ratings.current_rating(catalog.tea).id)
        ratings.revoke_rating(rating, "Sai hồ sơ")
        db.session.commit()
    after = client.get("/products?group=tea", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]


REDIS_FOR_PAGES = "redis://127.0.0.1:6379/12"  # this file's own database on the local Redis


@pytest.fixture
def redis_cached_app(app_with, catalog):
    """The page cache in Redis, as in production, on an emptied database of its own."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_FOR_PAGES, socket_timeout=2).flushdb()
    except redis.ConnectionError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    return app_with(PAGE_CACHE_SECONDS=60, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=REDIS_FOR_PAGES)


@pytest.fixture
def redis_commands(monkeypatch):
    """The names of the Redis commands sent while the test runs, in order."""
    import redis

    sent: list[str] = []
    send = redis.Redis.execute_command

    def counted(self, *args, **options):
        sent.append(args[0])
        return send(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)
    return sent


def test_a_cached_page_costs_one_redis_round_trip_and_no_transaction(
    redis_cached_app, redis_commands
):
    from shop import page_cache

    client = redis_cached_app.test_client()
    first = client.get("/products?group=tea")
    commits: list[Session] = []
    note = commits.append  # one bound method, to remove the listener it was added as
    sa.event.listen(Session, "after_commit", note)
    try:
        redis_commands.clear()
        again = client.get("/products?group=tea")
        assert redis_commands == ["MGET"]  # the generation and the page together
        assert commits == []  # nothing was read or written: nothing to commit
        assert again.data == first.data
        with redis_cached_app.test_request_context():
            page_cache.purge()
        redis_commands.clear()
        client.get("/products?group=tea")
        assert redis_commands[0] == "MGET" and "SET" in redis_commands  # rendered again
    finally:
        sa.event.remove(Session, "after_commit", note)


def test_pages_are_gzipped_for_clients_that_accept_it(cached_app):
    client = cached_app.test_client()
    plain = client.get("/products")
    packed = client.get("/products", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 3


def test_static_urls_carry_the_files_digest_and_are_immutable(client):
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/shop\.css\?v=([0-9a-f]+))"', page)
    assert url, "the stylesheet's URL has no version"
    digest = hashlib.blake2b((ROOT / "static/css/shop.css").read_bytes(), digest_size=6)
    assert url.group(2) == digest.hexdigest()
    response = client.get(url.group(1))
    assert response.status_code == 200
    assert response.cache_control.immutable and response.cache_control.max_age == 31_536_000
    assert not client.get("/static/css/shop.css").cache_control.immutable  # an old link
