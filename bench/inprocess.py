"""Time each URL of the benchmark's lists inside one process, with the SQL it runs.

    .venv/bin/python bench/inprocess.py DATABASE_URL KIND [--count 400] [--top 8]

KIND is one of bench/mix.py's traffic kinds (product, listing, search, trace, scan, mix);
the URL list is the one mix.py builds from the same database with the same seed. Production
settings, page cache off, fragments in Redis (BENCH_REDIS_URL, emptied first), the worker's
spelling words prepared as its beat would. Prints the median, mean and p95 of each request's
time, the mean time spent in SQL and the number of statements, then the slowest URLs: where
the time of a page the cache does not answer goes, before any load is put on it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("kind")
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    os.environ.update(
        SHOP_CONFIG="production",
        SECRET_KEY="bench-only-not-secret",
        DATABASE_URL=args.database_url,
        REDIS_URL=redis_url,
        PAGE_CACHE_SECONDS="0",
    )
    import mix
    import redis
    import sqlalchemy as sa

    paths = mix.build_urls(args.database_url, random.Random(mix.SEED))[args.kind][: args.count]
    from shop import fragments
    from shop.extensions import db
    from wsgi import app

    redis.Redis.from_url(redis_url).flushdb()
    with app.app_context():
        fragments.prepare_search_words()
        engine = db.engine
    sql = {"seconds": 0.0, "statements": 0}

    def before(conn, *args) -> None:
        conn.info["started"] = time.perf_counter()

    def after(conn, *args) -> None:
        sql["seconds"] += time.perf_counter() - conn.info["started"]
        sql["statements"] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    client = app.test_client()
    rows = []
    for path in paths:
        sql.update(seconds=0.0, statements=0)
        started = time.perf_counter()
        status = client.get(path, headers={"Host": "127.0.0.1"}).status_code
        took = time.perf_counter() - started
        rows.append((took * 1000, sql["seconds"] * 1000, sql["statements"], status, path))
    times = sorted(row[0] for row in rows)
    print(
        f"{args.kind}: {len(rows)} URLs, median {statistics.median(times):.1f} ms,"
        f" mean {statistics.mean(times):.1f}, p95 {times[int(0.95 * len(times))]:.1f};"
        f" SQL mean {statistics.mean(row[1] for row in rows):.1f} ms in"
        f" {statistics.mean(row[2] for row in rows):.1f} statements"
    )
    for took, in_sql, statements, status, path in sorted(rows, reverse=True)[: args.top]:
        print(f"  {took:7.1f} ms  SQL {in_sql:6.1f} ms  {statements:3d} statements", status, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
