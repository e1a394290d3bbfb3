"""Two app servers behind nginx share everything a buyer relies on.

Each test talks to the servers the way a buyer's browser would (cookies, CSRF tokens
from the forms), through nginx or straight to one server when the point is which
server answers.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from shop.services.demo import DEMO_PASSWORD
from tests.factories import CHECKOUT_FORM

PRODUCT = "/products/che-xanh-my-tan"
ADMIN = "admin@ocop.example.vn"
DELIVERY = CHECKOUT_FORM | {"payment_method": "cod"}


@pytest.fixture(autouse=True)
def isolated_db():
    """The suite's per-test database is not used here: the cluster has its own."""
    yield


class Browser:
    """A buyer's browser: one cookie jar, whichever server it is sent to."""

    def __init__(self, host: str) -> None:
        self.http = requests.Session()
        self.host = host  # the public name, sent to every server as nginx would

    def get(self, base: str, path: str, **kwargs) -> requests.Response:
        return self.http.get(base + path, headers={"Host": self.host}, timeout=30, **kwargs)

    def post(self, base: str, path: str, data: dict, **kwargs) -> requests.Response:
        return self.http.post(
            base + path, data=data, headers={"Host": self.host}, timeout=30,
            allow_redirects=False, **kwargs,
        )  # fmt: skip

    def token(self, base: str, path: str) -> str:
        page = self.get(base, path).text
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)


def browser(cluster) -> Browser:
    return Browser(urlsplit(cluster.url).netloc)


def product_id(cluster, slug: str = "che-xanh-my-tan") -> int:
    with cluster.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT id FROM product WHERE slug = :s"), {"s": slug})


def add_to_cart(buyer: Browser, base: str, pid: int, quantity: int = 1) -> requests.Response:
    page = reload_until_ok(buyer, base, PRODUCT)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return buyer.post(
        base, "/cart/add", {"csrf_token": token, "product_id": pid, "quantity": quantity}
    )


def reload_until_ok(buyer: Browser, base: str, path: str) -> str:
    """What a buyer does on an error page: reload."""
    for _ in range(5):
        try:
            answer = buyer.get(base, path)
        except requests.RequestException:
            continue
        if answer.status_code == 200:
            return answer.text
    raise AssertionError(f"{path} never answered 200")


def test_a_cart_and_a_sign_in_survive_switching_servers(cluster):
    a, b = (s.url for s in cluster.servers)
    buyer = browser(cluster)
    assert add_to_cart(buyer, a, product_id(cluster)).status_code == 302
    assert "Chè xanh Mỹ Tân" in buyer.get(b, "/cart").text

    token = buyer.token(b, "/account/login")
    signed_in = buyer.post(
        b, "/account/login", {"csrf_token": token, "email": ADMIN, "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert buyer.get(a, "/admin/", allow_redirects=False).status_code == 200
    # Sign-out on A ends the session on B too (it is recorded in the shared database).
    copied = dict(buyer.http.cookies)
    buyer.post(a, "/account/logout", {"csrf_token": buyer.token(a, "/")})
    stale = requests.get(b + "/admin/", cookies=copied, headers={"Host": buyer.host},
                         allow_redirects=False, timeout=30)  # fmt: skip
    assert stale.status_code == 302 and "/account/login" in stale.headers["Location"]


def test_sign_in_limits_are_shared_between_servers(cluster):
    a, b = (s.url for s in cluster.servers)
    target = "nobody-limited@example.vn"
    statuses = []
    for attempt in range(6):  # five per minute per account, counted on both servers
        base = (a, b)[attempt % 2]
        guest = browser(cluster)
        token = guest.token(base, "/account/login")
        answer = guest.post(
            base, "/account/login", {"csrf_token": token, "email": target, "password": "x" * 12}
        )
        statuses.append(answer.status_code)
    assert 429 not in statuses[:5], statuses
    assert statuses[5] == 429, statuses


def test_the_page_cache_is_shared_and_a_purge_on_one_server_reaches_the_other(cluster):
    a, b = (s.url for s in cluster.servers)
    visitor = browser(cluster)
    first = visitor.get(a, PRODUCT)
    assert first.status_code == 200
    keys = [k.decode() for k in cluster.redis.keys("*page:*")]
    assert any(PRODUCT in key for key in keys), keys  # stored in Redis, not in A's memory

    office = browser(cluster)
    token = office.token(b, "/account/login")
    office.post(
        b, "/account/login", {"csrf_token": token, "email": ADMIN, "password": DEMO_PASSWORD}
    )
    with cluster.engine.connect() as conn:
        coop_id = conn.scalar(
            sa.text("SELECT cooperative_id FROM product WHERE slug = 'che-xanh-my-tan'")
        )
    token = office.token(b, "/admin/cooperatives")
    suspended = office.post(
        b, f"/admin/cooperatives/{coop_id}/suspend",
        {"csrf_token": token, "reason": "Kiểm tra nguồn gốc"},
    )  # fmt: skip
    assert suspended.status_code in (302, 303)
    try:
        # A cached the page a moment ago; the purge made on B must reach it at once.
        assert visitor.get(a, PRODUCT).status_code == 404
    finally:
        token = office.token(b, "/admin/cooperatives")
        office.post(b, f"/admin/cooperatives/{coop_id}/reinstate", {"csrf_token": token})
    assert visitor.get(a, PRODUCT).status_code == 200


BUYERS = 40
STOCK = 25


def test_an_app_server_killed_during_checkouts_loses_no_order_and_oversells_nothing(cluster):
    pid = product_id(cluster)
    with cluster.engine.begin() as conn:
        conn.execute(sa.text("UPDATE product SET stock = :s WHERE id = :p"), {"s": STOCK, "p": pid})
    before = _orders_of(cluster, pid)
    first_wave = BUYERS // 3
    started = threading.Barrier(first_wave + 1)  # the first wave's buyers and the killer
    killed = threading.Event()

    def kill_a_once() -> None:
        started.wait(timeout=60)
        time.sleep(0.05)  # the first wave's checkouts are on their way, some of them on A
        killed.set()
        cluster.servers[0].kill()

    killer = threading.Thread(target=kill_a_once)
    killer.start()

    def _wait_in_first_wave(n: int) -> None:
        if n < first_wave:
            started.wait(timeout=60)

    def buy(n: int) -> tuple[str, str | None]:
        """Returns (outcome, order token): 'ordered', or 'refused' (sold out)."""
        buyer = browser(cluster)
        for _ in range(5):  # the browser's retry after a 502
            try:
                added = add_to_cart(buyer, cluster.url, pid).status_code
            except requests.RequestException:
                continue
            if added == 302:
                break
            if added in (400, 409):  # sold out already
                _wait_in_first_wave(n)
                return "refused", None
        page = reload_until_ok(buyer, cluster.url, "/checkout")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        key = re.search(r'name="checkout_key"[^>]*value="([^"]+)"', page)
        assert key, f"buyer {n}: no checkout form (is the cart empty?)"
        key = key.group(1)
        _wait_in_first_wave(n)
        form = DELIVERY | {"csrf_token": token, "checkout_key": key}
        for _ in range(8):  # the same form, sent again until an answer comes back
            try:
                answer = buyer.post(cluster.url, "/checkout", form)
            except requests.RequestException:
                continue
            if answer.status_code == 303:
                return "ordered", answer.headers["Location"].rsplit("/", 1)[-1]
            if answer.status_code in (400, 409):
                return "refused", None
        return "no answer", None

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(buy, range(BUYERS)))
    killer.join(timeout=60)
    assert killed.is_set()

    told = {token for outcome, token in outcomes if outcome == "ordered"}
    assert ("no answer", None) not in outcomes
    after = _orders_of(cluster, pid)
    stored = after.tokens - before.tokens
    sold = after.sold - before.sold
    assert told == stored  # every buyer told "ordered" has the order; no order nobody knows of
    assert after.stock >= 0 and sold + after.stock == STOCK  # nothing oversold, nothing lost
    assert sold == STOCK  # more buyers than stock: all of it sold


@dataclass
class Orders:
    tokens: set[str]
    sold: int
    stock: int


def _orders_of(cluster, pid: int) -> Orders:
    with cluster.engine.connect() as conn:
        tokens = conn.scalars(
            sa.text(
                "SELECT DISTINCT o.access_token FROM order_ o "
                "JOIN order_part p ON p.order_id = o.id "
                "JOIN order_line l ON l.part_id = p.id WHERE l.product_id = :p"
            ),
            {"p": pid},
        )
        sold = conn.scalar(
            sa.text("SELECT COALESCE(SUM(quantity), 0) FROM order_line WHERE product_id = :p"),
            {"p": pid},
        )
        stock = conn.scalar(sa.text("SELECT stock FROM product WHERE id = :p"), {"p": pid})
        return Orders(set(tokens), sold, stock)
