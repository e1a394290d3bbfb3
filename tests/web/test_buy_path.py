"""The buy path on a phone: the cart's count in the header, a confirmation that leads on,
one strong checkout action with its total, a thank-you, and the facts near the name."""

from __future__ import annotations

import re

import pytest

from tests.factories import CHECKOUT_FORM, checkout_key


@pytest.fixture
def cached_app(app_with, catalog):
    return app_with(PAGE_CACHE_SECONDS=60)


def badge(page: str) -> str | None:
    found = re.search(r'class="cart-count"><span aria-hidden="true">(\d+)</span>', page)
    return found.group(1) if found else None


def test_the_header_counts_my_cart_and_a_cached_page_shows_nobody_elses(cached_app, catalog):
    mine, theirs = cached_app.test_client(), cached_app.test_client()
    assert badge(theirs.get("/products").get_data(as_text=True)) is None  # cached now
    mine.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "2"})
    mine.post("/cart/add", data={"product_id": catalog.tea.id, "quantity": "1"})
    mine.get("/products")  # shows the "added" message: never cached
    page = mine.get("/products")
    assert badge(page.get_data(as_text=True)) == "3"
    assert "3 sản phẩm trong giỏ" in page.get_data(as_text=True)
    assert page.cache_control.private and not page.cache_control.public  # never shared
    other = theirs.get("/products")
    assert badge(other.get_data(as_text=True)) is None and other.cache_control.public
    assert other.headers["ETag"] != page.headers["ETag"]


def test_adding_to_the_cart_leads_to_the_cart_or_the_checkout(client, catalog):
    added = client.post(
        "/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"}, follow_redirects=True
    )
    page = added.get_data(as_text=True)
    notice = page[page.index('class="flash success added"') :][:600]
    assert "Đã thêm vào giỏ hàng." in notice
    assert 'href="/cart"' in notice and 'href="/checkout"' in notice


def test_checkout_shows_the_total_beside_its_one_action_and_thanks_after(client, catalog):
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "2"})
    form = client.get("/checkout").get_data(as_text=True)
    bar = form[form.index('class="place-bar"') :][:400]
    assert "Tổng cộng" in bar and "Đặt hàng" in bar and "₫" in bar
    placed = client.post(
        "/checkout",
        data=CHECKOUT_FORM | {"payment_method": "cod", "checkout_key": checkout_key()},
        follow_redirects=True,
    )
    html = placed.get_data(as_text=True)
    assert "Cảm ơn bạn! Đơn OCOP-" in html
    lines = html[html.index('class="order-lines"') :][:800]  # each line with its picture
    assert 'class="thumb"' in lines and "2 × Chuối sấy dẻo Viba" in lines


def test_the_cart_shows_each_line_with_a_picture_and_a_quiet_update(client, catalog):
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    page = client.get("/cart").get_data(as_text=True)
    assert 'class="thumb"' in page and "no-photo" in page  # the factory's product has none
    assert 'class="secondary">Cập nhật' in page
    assert 'class="button big" href="/checkout"' in page


def test_stars_and_producer_stand_by_the_name(client, catalog):
    page = client.get(f"/products/{catalog.tea.slug}").get_data(as_text=True)
    byline = page[page.index("</h1>") :][:700]
    assert "OCOP" in byline and "Hợp tác xã Thái Sơn" in byline


def test_a_product_without_a_photo_says_so(client, catalog):
    page = client.get(f"/products/{catalog.tea.slug}").get_data(as_text=True)
    assert 'aria-label="Chè xanh Mỹ Tân: chưa có ảnh"' in page and "Chưa có ảnh" in page


def test_sort_is_one_tap_away_and_keeps_the_filters(client, catalog):
    page = client.get("/products?group=food&page=1&sort=price_asc").get_data(as_text=True)
    nav = page[page.index('class="sort-links"') :]
    nav = nav[: nav.index("</nav>")]
    assert '<strong aria-current="true">Giá: thấp đến cao</strong>' in nav
    links = re.findall(r'href="([^"]+)"', nav)
    assert links and all("group=food" in link and "page=" not in link for link in links)
