"""Twenty buyers race for the last five units through the real HTTP stack (PostgreSQL)."""

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from shop import create_app
from shop.extensions import db
from shop.models import Category, Cooperative, Order, OutboxMessage, Product
from shop.services import gs1
from tests.conftest import ON_POSTGRES
from tests.factories import checkout_key
from tests.fake_stripe import Server

BUYERS, UNITS = 20, 5
ADDRESS = {
    "full_name": "Người Mua",
    "phone": "0987654321",
    "email": "mua@example.vn",
    "province": "ha_noi",
    "ward": "Ba Đình",
    "street": "1 Hoàng Diệu",
    "payment_method": "cod",
    "agree": "y",
}

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES, reason="the stock race needs PostgreSQL: set TEST_DATABASE_URL"
    ),
]


def _seed(app) -> int:
    with app.app_context():
        coop = Cooperative(name="HTX Đua", slug="race-coop", province="Phú Thọ", approved=True)
        category = Category(slug="race-cat", name_vi="Đua", name_en="Race")
        product = Product(
            cooperative=coop,
            category=category,
            slug="race-product",
            name_vi="Mật ong cuối",
            name_en="Last honey",
            unit="chai",
            price=100_000,
            stock=UNITS,
            gtin=gs1.make_gtin14("89399998", 1),
        )
        db.session.add(product)
        db.session.commit()
        return product.id


def _cleanup(app) -> None:
    with app.app_context():
        coop_id = db.session.scalar(
            sa.select(Cooperative.id).where(Cooperative.slug == "race-coop")
        )
        db.session.execute(sa.delete(Order))  # parts, lines and payments cascade
        db.session.execute(sa.delete(OutboxMessage))
        db.session.execute(sa.delete(Product).where(Product.slug == "race-product"))
        db.session.execute(sa.delete(Category).where(Category.slug == "race-cat"))
        if coop_id:
            db.session.execute(sa.delete(Cooperative).where(Cooperative.id == coop_id))
        db.session.commit()
        db.engine.dispose()


def _buy(base: str, product_id: int, start: threading.Barrier, results: list) -> None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
    )

    def post(path: str, data: dict) -> tuple[int, str]:
        try:
            response = opener.open(base + path, urllib.parse.urlencode(data).encode(), timeout=60)
        except urllib.error.HTTPError as error:  # redirects and refusals alike
            return error.code, error.read().decode()
        return response.status, response.read().decode()

    assert post("/cart/add", {"product_id": product_id, "quantity": 1})[0] == 302
    start.wait()
    results.append(post("/checkout", ADDRESS | {"checkout_key": checkout_key()}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _served_app(database_url: str, connections: int):
    """The app with enough pooled connections for ``connections`` concurrent requests."""
    return create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": connections, "max_overflow": 5},
        },
    )


def test_twenty_buyers_race_for_the_last_five_units(database_url):
    app = _served_app(database_url, BUYERS)
    product_id = _seed(app)
    try:
        results: list = []
        start = threading.Barrier(BUYERS)
        with Server(app) as server:
            threads = [
                threading.Thread(target=_buy, args=(server.url, product_id, start, results))
                for _ in range(BUYERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        statuses = sorted(status for status, _ in results)
        assert statuses == [303] * UNITS + [409] * (BUYERS - UNITS)
        assert all("vừa hết hàng" in body for status, body in results if status == 409)
        with app.app_context():
            assert db.session.scalar(sa.select(Product.stock).where(Product.id == product_id)) == 0
            assert db.session.scalar(sa.select(sa.func.count(Order.id))) == UNITS
    finally:
        _cleanup(app)


def test_one_checkout_form_sent_five_times_at_once_places_one_order(database_url):
    """Two tabs, a double tap and retries: five concurrent submits of one form's key."""
    submits = 5
    app = _served_app(database_url, submits)
    product_id = _seed(app)
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        key = checkout_key()
        results: list = []
        start = threading.Barrier(submits)

        def submit() -> None:
            start.wait()
            try:
                opener.open(base + "/checkout", body, timeout=60)
            except urllib.error.HTTPError as error:
                results.append((error.code, error.headers.get("Location")))

        with Server(app) as server:
            base = server.url
            _add(opener, base, product_id)
            body = urllib.parse.urlencode(ADDRESS | {"checkout_key": key}).encode()
            threads = [threading.Thread(target=submit) for _ in range(submits)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        assert [status for status, _ in results] == [303] * submits
        assert len({location for _, location in results}) == 1
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count(Order.id))) == 1
            stock = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
            assert stock == UNITS - 2
    finally:
        _cleanup(app)


def _add(opener, base: str, product_id: int) -> None:
    data = urllib.parse.urlencode({"product_id": product_id, "quantity": 2}).encode()
    try:
        opener.open(base + "/cart/add", data, timeout=60)
    except urllib.error.HTTPError as error:  # the redirect back to the cart
        assert error.code == 302
