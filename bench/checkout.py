"""Checkout throughput on PostgreSQL: 50 concurrent buyers, and a proof that nothing oversells.

    .venv/bin/python bench/checkout.py [--postgres URL] [--buyers 50] [--duration 20]

A fresh PostgreSQL database gets the real migrations and the demo data; the shop runs
under gunicorn (2 workers, production settings, CSRF on). Each simulated buyer is a real
HTTP client with its own cookies: product page, "add to cart", checkout page, "place
order" (cash on delivery), again and again. Then all buyers race for the last 10 units of
one product. Only 127.0.0.1 is contacted; the server is always stopped.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
from bench.run import gunicorn, shop_env  # noqa: E402

ADDRESS = {
    "full_name": "Người Mua Thử",
    "phone": "0912345678",
    "email": "mua@example.vn",
    "province": "ha_noi",
    "ward": "Ba Đình",
    "street": "1 Hoàng Diệu",
    "payment_method": "cod",
    "agree": "y",  # the terms and the privacy policy, as every buyer accepts them
}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="checkout_key"[^>]*value="([^"]+)"')
RACE_UNITS = 10


class Buyer:
    """One shopper: a cookie jar, no redirects followed, every request timed by the caller."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            response = self.opener.open(self.base + path, body, timeout=60)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        return response.status, response.read().decode()

    def buy(self, product: tuple[int, str], quantity: int = 1) -> tuple[int, float]:
        """The whole journey; returns the status of "place order" and its latency in ms."""
        product_id, slug = product
        _, page = self.request(f"/products/{slug}")
        token = TOKEN.search(page).group(1)
        self.request(
            "/cart/add", {"product_id": product_id, "quantity": quantity, "csrf_token": token}
        )
        _, form = self.request("/checkout")
        match = TOKEN.search(form)
        if match is None:  # the cart was refused (sold out): nothing to check out
            return 409, 0.0
        started = time.perf_counter()
        status, _ = self.request(
            "/checkout",
            ADDRESS | {"csrf_token": match.group(1), "checkout_key": KEY.search(form).group(1)},
        )
        return status, (time.perf_counter() - started) * 1000


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def prepare(url: str) -> None:
    engine = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = sa.make_url(url).database
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    env = {"DATABASE_URL": url, "PATH": f"{BIN}:/usr/bin:/bin"}
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )


def stocks(engine) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT id, stock FROM product")).all())


def sold(engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT l.product_id, sum(l.quantity) FROM order_line l"
                " JOIN order_part p ON p.id = l.part_id"
                " WHERE p.status <> 'cancelled' GROUP BY l.product_id"
            )
        ).all()
    return dict(rows)


def load(base: str, products: list, buyers: int, duration: float) -> list[tuple[int, float]]:
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def shopper(seed: int) -> None:
        rng = random.Random(seed)
        buyer = Buyer(base)
        while time.monotonic() < deadline:
            outcome = buyer.buy(rng.choice(products))
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=shopper, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    return results


def race(base: str, product: tuple[int, str], buyers: int) -> list[int]:
    statuses: list[int] = []
    start = threading.Barrier(buyers)

    def shopper() -> None:
        buyer = Buyer(base)
        _, page = buyer.request(f"/products/{product[1]}")
        token = TOKEN.search(page).group(1)
        buyer.request("/cart/add", {"product_id": product[0], "quantity": 1, "csrf_token": token})
        _, form = buyer.request("/checkout")
        start.wait()
        statuses.append(
            buyer.request(
                "/checkout",
                ADDRESS
                | {
                    "csrf_token": TOKEN.search(form).group(1),
                    "checkout_key": KEY.search(form).group(1),
                },
            )[0]
        )

    threads = [threading.Thread(target=shopper) for _ in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_checkout"
    )
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20)
    args = parser.parse_args()
    prepare(args.postgres)
    engine = sa.create_engine(args.postgres)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE product SET stock = 100000"))
        rows = conn.execute(sa.text("SELECT id, slug FROM product ORDER BY id")).all()
    products = [tuple(r) for r in rows]
    racer, products = products[0], products[1:]
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE product SET stock = :n WHERE id = :id"),
            {"n": RACE_UNITS, "id": racer[0]},
        )
    before = stocks(engine)
    env = shop_env(args.postgres) | {"SESSION_COOKIE_SECURE": "false"}  # plain HTTP here
    with gunicorn("wsgi:app", "checkout", env) as base:
        started = time.perf_counter()
        results = load(base, products, args.buyers, args.duration)
        elapsed = time.perf_counter() - started
        race_statuses = race(base, racer, args.buyers)
    after, bought = stocks(engine), sold(engine)
    oversold = [
        pid for pid in before if before[pid] - after[pid] != bought.get(pid, 0) or after[pid] < 0
    ]
    placed = [ms for status, ms in results if status == 303]
    quantiles = statistics.quantiles(placed, n=100) if len(placed) > 1 else [0] * 99
    print("| Buyers | Orders placed | Orders/s | p50 (ms) | p95 (ms) | Failed |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {args.buyers} | {len(placed)} | {len(placed) / elapsed:.1f} | {quantiles[49]:.0f} "
        f"| {quantiles[94]:.0f} | {len(results) - len(placed)} |"
    )
    won = race_statuses.count(303)
    print(
        f"\nRace: {args.buyers} buyers for the last {RACE_UNITS} units: {won} orders, "
        f"{race_statuses.count(409)} told 'sold out', stock left {after[racer[0]]}."
    )
    print(
        f"Stock check on {len(before)} products: "
        f"{'no product oversold' if not oversold else f'MISMATCH on {oversold}'}."
    )
    ok = not oversold and won == RACE_UNITS and after[racer[0]] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
