"""A day's traffic: thousands of distinct URLs, beside a bare Flask app, cache on and off.

    .venv/bin/python bench/mix.py [--postgres URL] [--sqlite URL] [--products 100000] [--lots 2000]
                                  [--duration 10] [--connections 16] [--reuse-db]

Unlike ``bench/run.py`` (one URL per page type, which the page cache answers), each
request here is drawn at random from a list of distinct URLs built from the database:

- product pages: products ranked by a Zipf law (s = 1.1) over the whole catalog;
- listings: a random group or sub-group, star filter, sort order and page 1–20;
- searches: one or two words of real product names, half with accents, half without;
- trace pages of lots (read only) and unit scans (each one a write);
- a day's mix: 50 % product, 20 % listing, 20 % search, 10 % trace.

For each database the shop runs under gunicorn (2 sync workers, production settings,
Redis for the page cache and limits) twice: page cache on (60 s) and off (what a
signed-in visitor costs). Redis is emptied before each kind of traffic, so every figure
starts from cold caches and its 3 s of warm-up, whatever ran before it. The bare app is
measured in the same run. Results go to bench/results/mix.md.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    BENCH,
    RESULTS,
    ROOT,
    SQLITE_URL,
    WORKERS,
    WRK_TIMEOUT,
    analyze_postgres,
    flask,
    fresh_postgres,
    fresh_sqlite,
    gunicorn,
    shop_env,
)

URLS_PER_LIST = 5000
ZIPF_S = 1.1
SEED = 20261201
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
MIX = {"product": 50, "listing": 20, "search": 20, "trace": 10}
TRAFFIC = ("product", "listing", "search", "trace", "scan", "mix")
LABELS = {
    "product": "Product pages (Zipf)",
    "listing": "Listings, random filters, pages 1–20",
    "search": "Searches, with and without accents",
    "trace": "Trace pages of lots",
    "scan": "Unit scans (each a write)",
    "mix": "A day's mix (50/20/20/10)",
}
TARGETS = {"mix": 25, "trace": 30, "scan": 15}  # % of bare with the cache on
TARGETS_OFF = {"mix": 10}
P95_TARGET_MS = 100  # listings and searches


# -- URL lists --------------------------------------------------------------------------


def build_urls(url: str, rng: random.Random) -> dict[str, list[str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        slugs = list(conn.scalars(sa.text("SELECT slug FROM product WHERE active ORDER BY id")))
        names = list(conn.scalars(sa.text("SELECT name_vi FROM product ORDER BY id LIMIT 20000")))
        groups = list(conn.scalars(sa.text("SELECT slug FROM category ORDER BY id")))
        lots = conn.execute(
            sa.text("SELECT p.gtin, l.code FROM lot l JOIN product p ON p.id = l.product_id")
        ).all()
        units = conn.execute(
            sa.text(
                "SELECT p.gtin, l.code, u.serial FROM unit u JOIN lot l ON l.id = u.lot_id"
                " JOIN product p ON p.id = l.product_id"
            )
        ).all()
    engine.dispose()
    lists = {
        "product": _zipf_products(slugs, rng),
        "listing": [_listing(groups, rng) for _ in range(URLS_PER_LIST)],
        "search": [_search(names, rng) for _ in range(URLS_PER_LIST)],
        "trace": [f"/01/{gtin}/10/{code}" for gtin, code in rng.sample(lots, len(lots))],
        "scan": [f"/01/{g}/10/{c}/21/{s}" for g, c, s in rng.sample(units, len(units))],
    }
    lists["mix"] = [
        rng.choice(lists[kind])
        for kind in rng.choices(list(MIX), weights=list(MIX.values()), k=URLS_PER_LIST * 2)
    ]
    return lists


def _zipf_products(slugs: list[str], rng: random.Random) -> list[str]:
    """Popularity unrelated to age: ranks are a shuffle of the catalog."""
    ranked = rng.sample(slugs, len(slugs))
    cumulative = list(itertools.accumulate(1 / (r**ZIPF_S) for r in range(1, len(ranked) + 1)))
    total = cumulative[-1]
    return [
        "/products/" + ranked[bisect.bisect_left(cumulative, rng.random() * total)]
        for _ in range(URLS_PER_LIST)
    ]


def _listing(groups: list[str], rng: random.Random) -> str:
    params = [f"group={rng.choice(groups)}"]
    if stars := rng.choice(["", "3", "4", "5"]):
        params.append(f"stars={stars}")
    params.append(f"sort={rng.choice(['relevance', 'price_asc', 'price_desc', 'newest', 'stars'])}")
    params.append(f"page={rng.randint(1, 20)}")
    return "/products?" + "&".join(params)


def _search(names: list[str], rng: random.Random) -> str:
    from urllib.parse import quote_plus

    from shop.services.text import fold

    words = [w for w in rng.choice(names).split() if not w.isdigit()]
    query = " ".join(rng.sample(words, min(len(words), rng.choice([1, 2]))))
    if rng.random() < 0.5:
        query = fold(query)  # typed without accents
    return "/products?q=" + quote_plus(query)


# -- measuring --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    rps: float
    p95_ms: float
    errors: int
    distinct: int


def load(base: str, paths_file: Path, distinct: int, args: argparse.Namespace) -> Figure:
    def run(seconds: int) -> dict:
        command = [
            "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
            f"--timeout={WRK_TIMEOUT}s", "-s", str(BENCH / "mix.lua"), base, "--",
            str(paths_file),
        ]  # fmt: skip
        out = subprocess.run(
            command, capture_output=True, text=True, check=True,
            timeout=seconds + WRK_TIMEOUT + 30,
        )  # fmt: skip
        line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH "))
        return json.loads(line.removeprefix("BENCH "))

    if args.warmup:
        run(args.warmup)
    stats = run(args.duration)
    return Figure(
        stats["rps"], stats["p95_us"] / 1000, stats["non_2xx"] + stats["socket_errors"], distinct
    )


def measure_backend(name: str, url: str, args: argparse.Namespace) -> dict:
    if not args.reuse_db:
        (fresh_postgres if url.startswith("postgresql") else fresh_sqlite)(url)
        flask(url, "db", "upgrade")
        flask(url, "seed-demo", "--synthetic", str(args.products), "--synthetic-lots",
              str(args.lots))  # fmt: skip
        if url.startswith("postgresql"):
            analyze_postgres(url)
    lists = build_urls(url, random.Random(SEED))
    files = {}
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind, paths in lists.items():
        files[kind] = RESULTS / f"urls-{name.lower()}-{kind}.txt"
        files[kind].write_text("\n".join(paths) + "\n")
    bare_list = RESULTS / "urls-bare.txt"
    bare_list.write_text("/\n")
    with gunicorn("bare:app", "bare") as base:
        bare = load(base, bare_list, 1, args)
    print(f"{name}: bare {bare.rps:.0f} req/s", flush=True)
    figures: dict[str, dict[str, Figure]] = {}
    for cache, seconds in (("on", "60"), ("off", "0")):
        env = shop_env(url) | {"PAGE_CACHE_SECONDS": seconds, "REDIS_URL": REDIS_URL}
        with gunicorn("wsgi:app", f"{name.lower()}-cache-{cache}", env) as base:
            for kind in args.traffic:
                _flush_redis()  # each kind starts as cold as the others, whatever ran before
                # ...but for what the worker keeps ready in a deployment, as its beat would.
                flask(url, "prepare-search-words", env={"REDIS_URL": REDIS_URL})
                distinct = len(set(lists[kind]))
                figure = load(base, files[kind], distinct, args)
                figures.setdefault(kind, {})[cache] = figure
                print(
                    f"  {name} cache {cache:<3} {kind:<8} {figure.rps:7.0f} req/s"
                    f" {100 * figure.rps / bare.rps:5.1f} % of bare  p95 {figure.p95_ms:7.1f} ms"
                    f"  errors {figure.errors}",
                    flush=True,
                )
    return {"bare": bare, "figures": figures}


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


# -- reporting --------------------------------------------------------------------------


def report(results: dict[str, dict], args: argparse.Namespace) -> str:
    lines = [
        "# A day's traffic",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {args.products:,} synthetic products,"
        f" {args.lots:,} of them with a lot and 3 serials · gunicorn {WORKERS} sync workers,"
        f" production config, Redis for cache and limits · `wrk -t{args.threads}"
        f" -c{args.connections} -d{args.duration}s` after {args.warmup} s of warm-up ·"
        f" {os.cpu_count()} CPUs, load average {args.load:.1f} at the start.",
        "",
        "Each request is drawn from a list of distinct URLs (count in the table).",
        "Cache on: anonymous visitors, page cache 60 s. Cache off: what every request of a",
        "signed-in visitor costs.",
    ]
    for name, result in results.items():
        bare = result["bare"]
        lines += [
            "",
            f"## {name} (bare Flask app: {bare.rps:,.0f} req/s)",
            "",
            "| Traffic | Distinct URLs | Cache on: req/s | % of bare | p95 ms |"
            " Cache off: req/s | % of bare | p95 ms | Errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, by_cache in result["figures"].items():
            on, off = by_cache.get("on"), by_cache.get("off")
            cells = [LABELS[kind], f"{(on or off).distinct:,}"]
            for figure in (on, off):
                cells += (
                    [f"{figure.rps:,.0f}", f"{100 * figure.rps / bare.rps:.1f} %",
                     f"{figure.p95_ms:,.0f}"]
                    if figure else ["–", "–", "–"]
                )  # fmt: skip
            cells.append(str(sum(f.errors for f in by_cache.values())))
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Targets: " + "; ".join(verdicts(result)) + "."]
    return "\n".join(lines) + "\n"


def verdicts(result: dict) -> list[str]:
    bare, figures, out = result["bare"], result["figures"], []
    for kind, target in TARGETS.items():
        if "on" in figures.get(kind, {}):
            share = 100 * figures[kind]["on"].rps / bare.rps
            out.append(f"{kind} {share:.1f} % (target {target} %) {_mark(share >= target)}")
    for kind, target in TARGETS_OFF.items():
        if "off" in figures.get(kind, {}):
            share = 100 * figures[kind]["off"].rps / bare.rps
            out.append(
                f"{kind}, cache off {share:.1f} % (target {target} %) {_mark(share >= target)}"
            )
    for kind in ("listing", "search"):
        for cache, figure in figures.get(kind, {}).items():
            out.append(
                f"{kind} p95 cache {cache} {figure.p95_ms:.0f} ms (target < {P95_TARGET_MS})"
                f" {_mark(figure.p95_ms < P95_TARGET_MS)}"
            )
    return out


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="also this PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--sqlite", metavar="URL", default=SQLITE_URL, help="the SQLite database")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--lots", type=int, default=2_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--traffic", nargs="+", choices=TRAFFIC, default=list(TRAFFIC))
    parser.add_argument("--reuse-db", action="store_true", help="no migrating, no seeding")
    parser.add_argument("--out", default="mix.md", help="file name under bench/results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.load = os.getloadavg()[0]
    backends = [] if args.no_sqlite else [("SQLite", args.sqlite)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    results = {name: measure_backend(name, url, args) for name, url in backends}
    markdown = report(results, args)
    (RESULTS / args.out).write_text(markdown)
    print("\n" + markdown + f"\nWritten to {(RESULTS / args.out).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
