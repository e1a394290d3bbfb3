"""The public catalog pages, their filters and search, in both languages."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shop.clock import today
from shop.extensions import db
from shop.models import SearchMiss
from tests import factories


def names(response) -> list[str]:
    return re.findall(r'class="card-name">([^<]+)<', response.get_data(as_text=True))


def test_home_shows_groups_top_rated_and_producers(client, catalog):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Thực phẩm" in page and "Thủ công mỹ nghệ" in page  # the six groups
    assert "Chè xanh Mỹ Tân" in page
    assert "Hợp tác xã Chuối Viba" in page


def test_home_works_on_an_empty_shop(client):
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nhan", "Nhãn chín muộn"),
        ("che my tan", "Chè xanh Mỹ Tân"),
        ("cao xa den", "Cao xạ đen"),
        ("CHUỐI", "Chuối sấy dẻo Viba"),
        ("dried banana", "Chuối sấy dẻo Viba"),
    ],
)
def test_search_ignores_accents_and_d_stroke(client, catalog, query, expected):
    response = client.get("/products", query_string={"q": query})
    assert response.status_code == 200
    assert expected in names(response)


def test_name_matches_rank_above_description_matches(client, catalog):
    # "che" is in the tea's name and only in the herb's description.
    found = names(client.get("/products?q=che"))
    assert found.index("Chè xanh Mỹ Tân") < found.index("Cao xạ đen")


def test_search_with_no_words_or_no_match(client, catalog):
    assert names(client.get("/products?q=%21%21%21")) == []
    response = client.get("/products?q=khongcodau")
    assert response.status_code == 200 and names(response) == []


def test_search_text_follows_renames(client, catalog):
    catalog.longan.name_vi = "Vải thiều Lục Ngạn"
    db.session.commit()
    assert "Vải thiều Lục Ngạn" in names(client.get("/products?q=vai thieu"))
    # "nhan" is no longer in any name: it is only found as "ngan" (Lục Ngạn), one letter away
    assert "“ngan”" in client.get("/products?q=nhan").get_data(as_text=True)


def test_search_finds_producers_old_place_names_and_short_forms(client, catalog):
    from shop.services import search

    assert "Chè xanh Mỹ Tân" in names(client.get("/products?q=htx thai son"))
    assert "Chuối sấy dẻo Viba" in names(client.get("/products?q=chuoi viba"))
    # Since the 2025 merger Lục Yên (Yên Bái) is in Lào Cai: people still search the old names.
    catalog.thai_son.address = "Thôn Thái Sơn, xã Lục Yên (huyện Lục Yên, tỉnh Yên Bái cũ)"
    search.refresh_products_of(catalog.thai_son)
    db.session.commit()
    for query in ("luc yen", "yen bai"):
        found = names(client.get("/products", query_string={"q": query}))
        assert "Chè xanh Mỹ Tân" in found and "Chuối sấy dẻo Viba" not in found
    factories.product(catalog.viba, catalog.categories["coffee-cocoa"], name_vi="Cà phê rang mộc")
    db.session.commit()
    assert names(client.get("/products?q=cafe")) == ["Cà phê rang mộc"]


def test_star_filter_ignores_expired_ratings(client, catalog):
    found = names(client.get("/products?stars=3"))
    assert set(found) == {"Chè xanh Mỹ Tân", "Chuối sấy dẻo Viba"}
    assert names(client.get("/products?stars=4")) == ["Chè xanh Mỹ Tân"]
    assert "Muối ớt" not in names(client.get("/products?stars=5"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"group": "food"}, {"Chuối sấy dẻo Viba", "Chè xanh Mỹ Tân", "Nhãn chín muộn", "Muối ớt"}),
        ({"group": "tea"}, {"Chè xanh Mỹ Tân"}),
        ({"province": "lao_cai"}, {"Chè xanh Mỹ Tân", "Cao xạ đen"}),
        ({"cooperative": "viba", "max_price": "85000"}, {"Chuối sấy dẻo Viba", "Muối ớt"}),
        ({"min_price": "100000", "max_price": "200000"}, {"Chè xanh Mỹ Tân"}),
    ],
)
def test_filters(client, catalog, args, expected):
    response = client.get("/products", query_string=args)
    assert response.status_code == 200
    assert set(names(response)) == expected


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("price_asc", "Muối ớt"),
        ("price_desc", "Cao xạ đen"),
        ("stars", "Chè xanh Mỹ Tân"),
        ("newest", "Muối ớt"),
    ],
)
def test_sorting(client, catalog, sort, first):
    assert names(client.get(f"/products?sort={sort}"))[0] == first


@pytest.mark.parametrize(
    "query",
    [
        "min_price=abc",
        "max_price=-5",
        "stars=9",
        "sort=cheapest",
        "page=0",
        "page=x",
        "group=nope",
        "province=atlantis",
        "cooperative=nobody",
        "min_price=500&max_price=100",
        "q=" + "x" * 101,
        "min_price=99999999999999999999999",
    ],
)
def test_bad_filters_get_a_clear_400(client, catalog, query):
    response = client.get(f"/products?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)


def test_pages_past_the_end_are_empty_not_errors(client, catalog):
    response = client.get("/products?page=500")
    assert response.status_code == 200 and names(response) == []


def test_pagination(app, client, catalog):
    app.config["PRODUCTS_PER_PAGE"] = 2
    try:
        first = client.get("/products?sort=price_asc").get_data(as_text=True)
        assert 'rel="next"' in first and "page=2" in first
        second = names(client.get("/products?sort=price_asc&page=2"))
        assert second == ["Nhãn chín muộn", "Chè xanh Mỹ Tân"]
    finally:
        app.config["PRODUCTS_PER_PAGE"] = 24


def test_product_page_shows_price_stars_certificate_and_producer(client, catalog):
    page = client.get("/products/che-my-tan").get_data(as_text=True)
    rating = catalog.tea.ratings[0]
    assert "120.000\xa0₫" in page
    assert rating.certificate_number in page
    assert 'aria-label="4 sao OCOP"' in page or "4 sao OCOP" in page
    assert "Hợp tác xã Thái Sơn" in page
    assert "Lịch sử xếp hạng" in page  # two ratings: 3 stars in 2019, 4 now


def test_product_page_in_english_uses_english_money_and_text(client, catalog):
    page = client.get("/products/che-my-tan?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "₫120,000" in page and "My Tan green tea" in page


def test_product_page_open_graph_and_json_ld(client, catalog):
    page = client.get("/products/chuoi-say").get_data(as_text=True)
    assert '<meta property="og:title" content="Chuối sấy dẻo Viba' in page
    assert '<meta property="product:price:amount" content="85000">' in page
    assert re.search(r'<meta property="og:image" content="http[^"]+\.png(\?v=[0-9a-f]+)?">', page)
    blob = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob)
    assert data["@type"] == "Product" and data["gtin14"] == catalog.banana.gtin
    assert data["offers"]["price"] == 85000 and data["offers"]["priceCurrency"] == "VND"


def test_expired_rating_shows_as_expired_not_stars(client, catalog):
    page = client.get("/products/muoi-ot").get_data(as_text=True)
    assert "★★★★★" not in page
    assert "đã hết hạn" in page


def test_unrated_and_out_of_stock_product(client, catalog):
    catalog.herb.stock = 0
    db.session.commit()
    page = client.get("/products/cao-xa-den").get_data(as_text=True)
    assert "Hết hàng" in page
    assert "chưa được hội đồng OCOP" in page


def test_hidden_products_are_not_found(client, catalog):
    catalog.herb.active = False
    catalog.viba.approved = False
    db.session.commit()
    assert client.get("/products/cao-xa-den").status_code == 404
    assert client.get("/products/chuoi-say").status_code == 404
    assert client.get("/cooperatives/viba").status_code == 404
    assert names(client.get("/products")) == ["Chè xanh Mỹ Tân"]


def test_cooperative_page(client, catalog):
    page = client.get("/cooperatives/viba").get_data(as_text=True)
    assert "Hợp tác xã Chuối Viba" in page and "VG-1" in page
    assert "Chuối sấy dẻo Viba" in page and "Nhãn chín muộn" in page
    assert "Chè xanh" not in page


def test_sitemap_and_robots(client, catalog):
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    assert "/products/che-my-tan</loc>" in sitemap.get_data(as_text=True)
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in robots


def test_listing_query_count_does_not_grow_with_products(app, client, catalog, count_queries):
    def queries_for_listing() -> int:
        with count_queries() as statements:
            assert client.get("/products?sort=newest").status_code == 200
        return len(statements)

    few = queries_for_listing()
    for n in range(45):
        factories.product(catalog.thai_son, catalog.categories["tea"], name_vi=f"Chè {n}")
    db.session.commit()
    assert len(names(client.get("/products?sort=newest"))) == 24
    app.config["PRODUCTS_PER_PAGE"] = 50
    try:
        assert queries_for_listing() == few
    finally:
        app.config["PRODUCTS_PER_PAGE"] = 24


def test_product_page_query_count_is_fixed(client, catalog, count_queries):
    with count_queries() as few:
        client.get("/products/chuoi-say")
    assert not [s for s in few if "review.text" in s]  # no review: the list is not read
    for n in range(5):
        factories.rate(catalog.banana, 70 + n, catalog.banana.ratings[0].decision_date)
    db.session.commit()
    with count_queries() as many:
        client.get("/products/chuoi-say")
    assert len(many) == len(few)


def test_lapsed_ratings_stop_counting_for_the_star_order(client, catalog):
    from datetime import timedelta

    from shop.clock import today
    from shop.services import ratings

    catalog.tea.ocop_valid_until = today() - timedelta(days=1)  # lapsed overnight
    db.session.commit()
    assert "Chè xanh Mỹ Tân" not in names(client.get("/products?stars=3"))  # exact at once
    assert ratings.expire_lapsed() == 1
    db.session.commit()
    assert names(client.get("/products?sort=stars"))[0] == "Chuối sấy dẻo Viba"
    assert ratings.expire_lapsed() == 0


def test_cooperative_page_is_paginated(app, client, catalog):
    app.config["PRODUCTS_PER_PAGE"] = 2
    try:
        first = client.get("/cooperatives/viba")
        second = client.get("/cooperatives/viba?page=2")
        odd = client.get("/cooperatives/viba?page=abc")
    finally:
        app.config["PRODUCTS_PER_PAGE"] = 24
    assert len(names(first)) == 2 and 'rel="next"' in first.get_data(as_text=True)
    assert len(names(second)) == 1
    assert odd.status_code == 200 and names(odd) == names(first)


def test_one_wrong_letter_is_put_right(client, catalog):
    page = client.get("/products?q=chuoii say")
    assert page.status_code == 200
    assert names(page) == ["Chuối sấy dẻo Viba"]
    text = page.get_data(as_text=True)
    assert 'class="spelling"' in text and "“chuoi say”" in text
    assert db.session.scalar(sa.select(sa.func.count(SearchMiss.id))) == 0  # found: not a miss


def test_searches_that_find_nothing_are_counted_for_the_office(app_with, catalog):
    cached = app_with(PAGE_CACHE_SECONDS=60).test_client()
    for _ in range(3):  # each is counted: such a page is never served from the cache
        assert names(cached.get("/products?q=Sầu riêng  Ri6")) == []
    cached.get("/products?q=chuoi&group=tea")  # other filters narrowed it: not a search miss
    (miss,) = db.session.scalars(sa.select(SearchMiss)).all()
    assert (miss.query, miss.times) == ("sầu riêng ri6", 3)

    office = cached.application.test_client()
    factories.sign_in(office, factories.user("admin", email="office@ocop.vn"))
    listing = office.get("/admin/searches").get_data(as_text=True)
    assert "sầu riêng ri6" in listing and ">3<" in listing
    office.get("/products?q=Sầu riêng Ri6")  # the office trying it does not count
    db.session.expire_all()
    assert db.session.scalar(sa.select(SearchMiss.times)) == 3

    buyer = cached.application.test_client()
    factories.sign_in(buyer, factories.user())
    assert buyer.get("/admin/searches").status_code == 403


def test_old_search_misses_are_removed(client, catalog):
    from shop.services import personal_data

    db.session.add(SearchMiss(day=today() - timedelta(days=400), query="old", times=2))
    db.session.add(SearchMiss(day=today(), query="new", times=1))
    db.session.commit()
    rules = personal_data.Retention(
        order_details=3653,
        scan_networks=365,
        report_contacts=365,
        sent_messages=90,
        office_views=730,
        search_misses=365,
    )
    assert personal_data.enforce_retention(rules)["search_misses"] == 1
    assert db.session.scalars(sa.select(SearchMiss.query)).all() == ["new"]


def test_a_product_is_shared_with_plain_links(client, catalog):
    from urllib.parse import parse_qs, urlsplit

    html = client.get(f"/products/{catalog.banana.slug}").get_data(as_text=True)
    link = re.search(r'href="(https://www\.facebook\.com/sharer/sharer\.php\?[^"]+)"', html)
    shared = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)["u"][0]
    assert urlsplit(shared).path == f"/products/{catalog.banana.slug}"
    assert f'value="{shared}" readonly' in html
    scripts = re.findall(r"<script src=\"([^\"]+)\"", html)
    assert scripts and all(src.startswith("/static/js/share.js") for src in scripts)
    button = re.search(r'<button type="button" class="secondary" data-share-url="([^"]+)"', html)
    assert button.group(1) == shared and " hidden>" in html  # shown only by the script


def test_english_pages_name_the_packaging_in_english(client, catalog):
    english = client.get(f"/products/{catalog.banana.slug}?lang=en").get_data(as_text=True)
    assert "Pack 500 g · GTIN" in english and "gói 500 g" not in english
    vietnamese = client.get(f"/products/{catalog.banana.slug}?lang=vi").get_data(as_text=True)
    assert "gói 500 g · GTIN" in vietnamese


def test_search_knows_the_former_names_of_a_producers_commune(client, catalog):
    # Viba is in Xã Liên Sơn, Phú Thọ: before 1 July 2025, Liên Sơn, Lương Sơn, Hòa Bình.
    assert "Lương Sơn" not in catalog.viba.address + catalog.viba.commune
    for query in ("luong son", "hoa binh", "chuoi hoa binh"):
        found = names(client.get("/products", query_string={"q": query}))
        assert "Chuối sấy dẻo Viba" in found and "Chè xanh Mỹ Tân" not in found, query


def test_with_a_worker_the_words_for_corrections_are_built_by_it_not_by_a_request(
    app_with, catalog
):
    """Building them reads every name (seconds at a million products): a request only reads
    what the worker's beat task keeps, and corrects nothing until it is there."""
    shop = app_with(FRAGMENT_CACHE_SECONDS=300, OUTBOX_DELIVERY="celery")
    client = shop.test_client()
    before = client.get("/products?q=chuoii say").get_data(as_text=True)
    assert 'class="spelling"' not in before
    with shop.app_context():
        built = shop.extensions["celery"].tasks["shop.search.prepare_words"]()
    assert built > 0
    after = client.get("/products?q=chuoii say").get_data(as_text=True)
    assert 'class="spelling"' in after and "“chuoi say”" in after
