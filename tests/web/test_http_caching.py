"""What browsers, proxies and CDNs are told: validators, lifetimes, compression, static names."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest

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
