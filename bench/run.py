"""Load benchmark: the shop at 100,000 products against a bare Flask app, measured with wrk.

    .venv/bin/python bench/run.py [--postgres URL] [--duration 10] [--connections 16]
                                  [--products 100000] [--reuse-db]

For each database (SQLite always, PostgreSQL with ``--postgres``) it builds a fresh
database through the real migrations and ``seed-demo --synthetic``, serves the shop
with gunicorn (2 workers, production settings), checks and then loads each page with
wrk, and prints requests/s and latency percentiles next to the bare app's. The same
tables go, as Markdown, to bench/results/latest.md. Only 127.0.0.1 is contacted, and
every server started here is stopped before the script exits, even on error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
BIN = ROOT / ".venv" / "bin"
SQLITE_URL = f"sqlite:///{ROOT / 'instance' / 'bench.db'}"
HOST = "127.0.0.1"

WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))  # gunicorn sync workers per server
START_TIMEOUT = 60  # seconds for a server to answer its first request
STOP_TIMEOUT = 15  # seconds for a graceful stop before the server is killed
SETUP_TIMEOUT = 3600  # seconds to migrate or seed (1,000,000 products: ~15 min); never hangs
WRK_TIMEOUT = 10  # seconds before wrk gives up on a response and counts it as an error

TARGET_P95_MS = 100  # listing and search pages, from the product owner
TARGET_SHARE = 25  # % of the bare endpoint's requests/s, every page


@dataclass(frozen=True)
class Page:
    """A URL to load; ``expect`` must be in its body, so that an empty page is not timed."""

    name: str
    path: str
    expect: str
    p95_target: bool = True


BARE = Page("Bare Flask app", "/", "ok", p95_target=False)
PAGES = (
    Page("Listing", "/products", 'class="card"'),
    Page("Listing, 4+ stars, by price", "/products?stars=4&sort=price_asc", 'class="card"'),
    Page("Search, common words", "/products?q=che+huu+co", "hữu cơ"),
    Page("Search, rare word", "/products?q=viba", "Viba"),
    Page("Product page", "/products/che-xanh-my-tan", "Mỹ Tân", p95_target=False),
    Page("Trace page of a product", "/01/08936010300019", "Mỹ Tân", p95_target=False),
)


@dataclass(frozen=True)
class Result:
    page: Page
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses and socket errors


@dataclass
class Section:
    """One database's results, with the bare app's run they are compared with."""

    backend: str
    seed_seconds: float | None
    bare: Result
    results: list[Result]


# -- databases --------------------------------------------------------------------------


def flask_env(url: str) -> dict[str, str]:
    # seed-demo refuses the production configuration, so setup runs as development.
    return {**os.environ, "DATABASE_URL": url, "SHOP_CONFIG": "development"}


def flask(url: str, *args: str, env: dict[str, str] | None = None) -> None:
    command = [str(BIN / "flask"), "--app", "wsgi", *args]
    environment = flask_env(url) | (env or {})
    subprocess.run(command, cwd=ROOT, env=environment, check=True, timeout=SETUP_TIMEOUT)


def migrate_and_seed(url: str, products: int) -> float:
    """Apply the real migrations, load the demo plus ``products`` synthetic products.

    Returns the seconds the seeding took.
    """
    flask(url, "db", "upgrade")
    started = time.perf_counter()
    flask(url, "seed-demo", "--synthetic", str(products))
    return time.perf_counter() - started


def fresh_sqlite(url: str) -> None:
    """Delete the SQLite file (and any journal) so that the migrations start from nothing."""
    path = Path(sa.make_url(url).database)
    path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def fresh_postgres(url: str) -> None:
    """Create the database if missing and empty it; only a database named for benchmarks."""
    parts = sa.make_url(url)
    if "bench" not in (parts.database or ""):
        raise SystemExit(f"Refusing to empty {parts.database!r}: its name must contain 'bench'.")
    if not _postgres_exists(parts):
        subprocess.run(
            ["createdb", *_pg_client_args(parts), parts.database], check=True, timeout=60
        )
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _pg_client_args(parts: sa.URL) -> list[str]:
    return ["-h", parts.host or HOST, "-p", str(parts.port or 5432), "-U", parts.username or ""]


def _postgres_exists(parts: sa.URL) -> bool:
    query = f"SELECT 1 FROM pg_database WHERE datname = '{parts.database}'"
    command = ["psql", *_pg_client_args(parts), "-d", "postgres", "-tAc", query]
    out = subprocess.run(command, check=True, timeout=60, capture_output=True, text=True)
    return out.stdout.strip() == "1"


def analyze_postgres(url: str) -> None:
    """Give the planner statistics now; autovacuum would, but only some time after the load."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


# -- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    app: str, name: str, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """Serve ``app`` with gunicorn on a free local port; yield its base URL, stop it after.

    The server's output goes to bench/results/<name>.log; PUBLIC_BASE_URL is its address
    unless ``env`` names another (a proxy in front of it).
    """
    port = port or free_port()
    base = f"http://{HOST}:{port}"
    command = [
        str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"{HOST}:{port}",
        "--pythonpath", str(BENCH), "--graceful-timeout", "5", app,
    ]  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / f"{name}.log"
    with open(log_path, "w") as log:
        # A session of its own, so that the master and its workers can be killed together.
        server = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "PUBLIC_BASE_URL": base, **(env or {})},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_until_up(server, base, log_path)
            yield base
        finally:
            _stop(server)


def _wait_until_up(server: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}:\n{log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(base + "/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (a server behind a proxy refuses its own address)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s; see {log_path}")


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM for a graceful stop; SIGKILL to the server's own process group if it hangs."""
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=STOP_TIMEOUT)


def shop_env(url: str) -> dict[str, str]:
    """Production settings (DEBUG off, as deployed) on the benchmark database."""
    return {
        "SHOP_CONFIG": "production",
        "SECRET_KEY": "bench-only-not-secret",
        "DATABASE_URL": url,
    }


# -- measuring --------------------------------------------------------------------------


def check_page(base: str, page: Page) -> None:
    """Fail early unless the page answers 200 with the expected content."""
    try:
        with urllib.request.urlopen(base + page.path, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, ""
    if status != 200 or page.expect not in body:
        raise RuntimeError(f"{page.path} answered {status}, expected 200 with {page.expect!r}")


def wrk(url: str, args: argparse.Namespace, seconds: float) -> dict:
    # A long timeout, so that a slow page is measured instead of counted as failing.
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}s", "-s", str(BENCH / "latency.lua"), url,
    ]  # fmt: skip
    out = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + WRK_TIMEOUT + 30
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    return json.loads(line.removeprefix("BENCH "))


def measure(base: str, page: Page, args: argparse.Namespace) -> Result:
    """Check the page, warm the workers up, then load it for ``args.duration`` seconds."""
    check_page(base, page)
    if args.warmup:
        wrk(base + page.path, args, args.warmup)
    stats = wrk(base + page.path, args, args.duration)
    result = Result(
        page=page,
        rps=stats["rps"],
        p50_ms=stats["p50_us"] / 1000,
        p95_ms=stats["p95_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        errors=stats["non_2xx"] + stats["socket_errors"],
    )
    print(f"  {page.name:<28} {result.rps:8.0f} req/s  p95 {result.p95_ms:6.1f} ms", flush=True)
    if result.errors:
        failures = f"{stats['non_2xx']} non-2xx responses, {stats['socket_errors']} socket errors"
        print(f"  WARNING: {failures}", flush=True)
    return result


def measure_bare(args: argparse.Namespace) -> Result:
    with gunicorn("bare:app", "bare") as base:
        return measure(base, BARE, args)


def measure_shop(backend: str, url: str, args: argparse.Namespace) -> Section:
    """Build the database (unless reused), then measure the bare app and every shop page."""
    seed_seconds = None
    if not args.reuse_db:
        print(f"{backend}: migrating and seeding {args.products:,} products…", flush=True)
        seed_seconds = migrate_and_seed(url, args.products)
        print(f"{backend}: seeded in {seed_seconds:.1f} s", flush=True)
        if url.startswith("postgresql"):
            analyze_postgres(url)
    # The bare app is measured again for every backend, in the same conditions.
    bare = measure_bare(args)
    with gunicorn("wsgi:app", backend.lower(), shop_env(url)) as base:
        results = [measure(base, page, args) for page in PAGES]
    return Section(backend, seed_seconds, bare, results)


# -- reporting --------------------------------------------------------------------------

HEADER = ("Page", "URL", "Requests/s", "p50 ms", "p95 ms", "p99 ms", "% of bare", "Errors")
LEFT = 2  # the first two columns are text, aligned left; the others numbers, aligned right


def table(section: Section) -> list[str]:
    """The section as Markdown table lines, padded so that they also read well in a terminal."""
    rows = [HEADER, *(_row(r, section.bare) for r in (section.bare, *section.results))]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    rule = ["-" * w if i < LEFT else "-" * (w - 1) + ":" for i, w in enumerate(widths)]
    lines = []
    for row in rows:
        cells = [
            c.ljust(w) if i < LEFT else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.insert(1, "| " + " | ".join(rule) + " |")
    return lines


def _row(result: Result, bare: Result) -> tuple[str, ...]:
    return (
        result.page.name,
        f"`{result.page.path}`",
        f"{result.rps:,.0f}",
        f"{result.p50_ms:.1f}",
        f"{result.p95_ms:.1f}",
        f"{result.p99_ms:.1f}",
        f"{100 * result.rps / bare.rps:.0f}%",
        str(result.errors),
    )


def missed_targets(section: Section) -> list[str]:
    """The product owner's targets this section misses, one sentence each."""
    missed = []
    for result in section.results:
        share = 100 * result.rps / section.bare.rps
        if result.page.p95_target and result.p95_ms >= TARGET_P95_MS:
            missed.append(f"{result.page.name}: p95 {result.p95_ms:.0f} ms ≥ {TARGET_P95_MS} ms")
        if share < TARGET_SHARE:
            missed.append(f"{result.page.name}: {share:.0f}% of bare < {TARGET_SHARE}%")
        if result.errors:
            missed.append(f"{result.page.name}: {result.errors} failed requests")
    return missed


def report(sections: list[Section], args: argparse.Namespace) -> str:
    """The whole run as Markdown: conditions, then a table and verdict per database."""
    lines = [
        "# Load benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {args.products:,} synthetic products"
        f" · gunicorn {WORKERS} sync workers · production config"
        f" · `wrk -t{args.threads} -c{args.connections} -d{args.duration}s`"
        f" · {os.cpu_count()} CPUs, load average {args.load:.1f} at the start"
        f" · Python {platform.python_version()}.",
        "",
        f"wrk keeps {args.connections} requests in flight and each worker serves one at a"
        " time, so the latency is mostly waiting: about connections ÷ requests/s.",
    ]
    for section in sections:
        seeded = f"{section.seed_seconds:.1f} s" if section.seed_seconds is not None else "reused"
        missed = missed_targets(section)
        verdict = "all met" if not missed else "missed: " + "; ".join(missed)
        lines += ["", f"## {section.backend}", "", f"Seeding: {seeded}.", ""]
        lines += table(section)
        lines += [
            "",
            f"Targets (listing and search p95 < {TARGET_P95_MS} ms, every page"
            f" ≥ {TARGET_SHARE}% of the bare app's requests/s): {verdict}.",
        ]
    return "\n".join(lines) + "\n"


# -- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also this PostgreSQL database, emptied first"
        " (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench)",
    )
    parser.add_argument("--products", type=int, default=100_000, help="synthetic products")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each")
    parser.add_argument("--connections", type=int, default=16, help="wrk open connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="use the databases as they are: no migrating, no seeding",
    )
    return parser.parse_args(argv)


def _exit_on_sigterm(signum, frame) -> None:
    # SystemExit unwinds through the `finally` blocks that stop the servers.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Other work on the machine slows every page alike; the report says how busy it was.
    args.load = os.getloadavg()[0]
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    backends = [("SQLite", SQLITE_URL, fresh_sqlite)]
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres, fresh_postgres))
    sections = []
    for backend, url, empty in backends:
        if not args.reuse_db:
            empty(url)
        sections.append(measure_shop(backend, url, args))
    markdown = report(sections, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(markdown)
    print("\n" + markdown + f"\nWritten to {(RESULTS / 'latest.md').relative_to(ROOT)}")
    return 1 if any(r.errors for s in sections for r in s.results) else 0


if __name__ == "__main__":
    sys.exit(main())
