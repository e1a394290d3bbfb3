"""One app server or two, behind the deploy's nginx: what the proxy and a second server cost.

    .venv/bin/python bench/servers.py [--postgres URL] [--duration 10] [--connections 16]

On the PostgreSQL database of ``bench/mix.py`` (run it first: 100,000 products), with
Redis for the page cache and limits, the day's mix of distinct URLs (cache on) is loaded
with wrk in three set-ups, each beside a bare Flask app measured in the same run:

- one app server (gunicorn, 2 sync workers), wrk straight at it;
- nginx (``deploy/nginx``, rendered by ``deploy/local_nginx.py``) in front of that server;
- nginx in front of two app servers of 2 workers each.

On a machine of 2 cores the second server adds no CPU, so this measures what the proxy and
the balancing cost, not how far two machines scale (each server is then a machine of its
own). Results go to bench/results/servers.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mix import REDIS_URL, SEED, _flush_redis, build_urls, load
from run import HOST, RESULTS, ROOT, START_TIMEOUT, flask, free_port, gunicorn, shop_env

from deploy import local_nginx


@contextlib.contextmanager
def nginx_in_front(app_ports: list[int], port: int) -> Iterator[str]:
    """nginx on ``port`` before ``app_ports``; yields its base URL."""
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as folder:
        main = local_nginx.config(Path(folder), port, app_ports)
        log = open(Path(folder) / "nginx.log", "w")  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            local_nginx.command(Path(folder), main), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait(base + "/healthz", process)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=15)
            log.close()


def _wait(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited at start")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT} s")


def _cold(url: str) -> None:
    """Redis emptied, then the spelling words prepared as a deployment's worker would."""
    _flush_redis()
    flask(url, "prepare-search-words", env={"REDIS_URL": REDIS_URL})


def _shop_behind(url: str, public: str) -> dict[str, str]:
    return shop_env(url) | {
        "REDIS_URL": REDIS_URL,
        "PAGE_CACHE_SECONDS": "60",
        "PUBLIC_BASE_URL": public,
        "PROXY_COUNT": "1",
        "WEB_CONCURRENCY": "2",
    }


def measure(url: str, args: argparse.Namespace) -> list[tuple[str, object]]:
    lists = build_urls(url, random.Random(SEED))
    RESULTS.mkdir(parents=True, exist_ok=True)
    paths, bare_paths = RESULTS / "urls-servers-mix.txt", RESULTS / "urls-bare.txt"
    paths.write_text("\n".join(lists["mix"]) + "\n")
    bare_paths.write_text("/\n")
    distinct = len(set(lists["mix"]))
    rows: list[tuple[str, object]] = []
    with gunicorn("bare:app", "servers-bare") as base:
        rows.append(("Bare Flask app, 2 workers", load(base, bare_paths, 1, args)))
    _cold(url)
    env = shop_env(url) | {"REDIS_URL": REDIS_URL, "PAGE_CACHE_SECONDS": "60"}
    with gunicorn("wsgi:app", "servers-direct", env) as base:
        rows.append(("One app server (2 workers), no proxy", load(base, paths, distinct, args)))
    for count in (1, 2):
        _cold(url)
        ports = [free_port() for _ in range(count)]
        front_port = free_port()
        public = f"http://{HOST}:{front_port}"
        with contextlib.ExitStack() as stack:
            for n, port in enumerate(ports):
                stack.enter_context(_server_on(port, f"servers-{count}-{n}", url, public))
            front = stack.enter_context(nginx_in_front(ports, front_port))
            label = f"nginx, {count} app server{'s' if count > 1 else ''} (2 workers each)"
            rows.append((label, load(front, paths, distinct, args)))
    return rows


def _server_on(port: int, name: str, url: str, public: str):
    """An app server on ``port`` (nginx is configured with it), answering for ``public``."""
    return gunicorn("wsgi:app", name, _shop_behind(url, public), port=port)


def report(rows: list[tuple[str, object]], args: argparse.Namespace) -> str:
    bare = rows[0][1]
    lines = [
        "# One app server or two, behind nginx",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · PostgreSQL at the products of bench/mix.py ·"
        f" the day's mix ({rows[1][1].distinct:,} distinct URLs), page cache on, Redis ·"
        f" `wrk -t{args.threads} -c{args.connections} -d{args.duration}s` after"
        f" {args.warmup} s · {os.cpu_count()} CPUs.",
        "",
        "| Set-up | req/s | % of bare | p95 ms | Errors |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, figure in rows:
        share = 100 * figure.rps / bare.rps
        lines.append(
            f"| {label} | {figure.rps:,.0f} | {share:.1f} % | {figure.p95_ms:,.0f}"
            f" | {figure.errors} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    markdown = report(measure(args.postgres, args), args)
    (RESULTS / "servers.md").write_text(markdown)
    print(markdown + f"\nWritten to {(RESULTS / 'servers.md').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
