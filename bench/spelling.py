"""What a search that finds nothing costs, and a corrected one, in one process.

    DATABASE_URL=sqlite:////tmp/big.db .venv/bin/python bench/spelling.py

Point it at a database made by ``flask db upgrade`` and ``flask seed-demo --synthetic
100000``. With the page and fragment caches on (in-process), it times: building the words
corrections are chosen from, a correction alone, and whole requests for searches that find
nothing (never page-cached, each is counted) and for misspelt ones that are put right.
Each request uses new words, so no page cache answers it.
"""

from __future__ import annotations

import statistics
import time

from wsgi import app


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    app.config.update(PAGE_CACHE_SECONDS=60, FRAGMENT_CACHE_SECONDS=300)
    with app.app_context():
        from shop.extensions import db
        from shop.models import Product
        from shop.services import search

        products = db.session.query(Product).count()
        build_ms, words = timed(search.known_words)
        fix_ms, fixed = timed(lambda: search.corrected_query("tieu denn lang sonn", words))
    print(f"{products:,} products; {len(words):,} known words built in {build_ms:.0f} ms")
    print(f"one correction ('tieu denn lang sonn' -> '{fixed}'): {fix_ms:.2f} ms")

    client = app.test_client()
    first_ms, _ = timed(lambda: client.get("/products?q=sau+rieng+zz0"))
    print(f"first search that finds nothing (builds the words): {first_ms:.0f} ms")

    def search_for(text: str):
        return lambda: client.get("/products", query_string={"q": text})

    for label, query in (("finds nothing", "sau rieng zz{}"), ("put right", "tieu denn son{}")):
        times = [timed(search_for(query.format(i)))[0] for i in range(1, 21)]
        print(
            f"search that {label}: median {statistics.median(times):.0f} ms, "
            f"max {max(times):.0f} ms (20 requests)"
        )


if __name__ == "__main__":
    main()
