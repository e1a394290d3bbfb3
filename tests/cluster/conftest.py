"""A small cluster on this machine: nginx, two app servers, a Celery worker.

PostgreSQL (database ``cluster_test``, emptied, migrated and seeded with the demo) and
Redis (databases 11 and 12) are shared, as they would be across machines. nginx runs
the deploy template (``deploy/nginx/ocop-shop.conf.template``) with local ports. Run
with ``make cluster-test``; ``make test`` leaves it out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from deploy import local_nginx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DATABASE_URL = os.environ.get(
    "CLUSTER_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cluster_test"
)
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/12")
BROKER_URL = os.environ.get("CLUSTER_BROKER_URL", "redis://127.0.0.1:6379/11")
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    name: str
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def kill(self) -> None:
        """SIGKILL the master and its workers together, as a crashed machine would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class Cluster:
    url: str  # nginx, the only address buyers know
    servers: list[AppServer]
    redis: redis.Redis
    engine: sa.Engine
    logs: Path


def _empty_database() -> None:
    url = sa.make_url(DATABASE_URL)
    if "cluster" not in (url.database or ""):
        raise RuntimeError(f"Refusing to empty {url.database!r}: not a cluster test database.")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _env(public_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SHOP_CONFIG": "production",
        "SECRET_KEY": "cluster-test-secret-the-same-on-every-server",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "PUBLIC_BASE_URL": public_url,
        "PROXY_COUNT": "1",
        "WEB_CONCURRENCY": "2",
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP on this machine
        "HSTS_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }


def _setup_database(env: dict[str, str], logs: Path) -> None:
    setup = {**env, "SHOP_CONFIG": "development"}  # seed-demo refuses production
    with open(logs / "setup.log", "w") as log:
        for args in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run(
                [str(BIN / "flask"), "--app", "wsgi", *args],
                cwd=ROOT, env=setup, stdout=log, stderr=subprocess.STDOUT, check=True,
                timeout=300,
            )  # fmt: skip


def _start(command: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    with open(log_path, "w") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _wait_for_http(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as error:
            last = error
        time.sleep(0.3)
    raise RuntimeError(
        f"{url} did not answer within {START_TIMEOUT} s ({last!r}):\n{log.read_text()[-3000:]}"
    )


def _nginx(folder: Path, port: int, servers: list[AppServer]) -> list[str]:
    try:
        main = local_nginx.config(folder, port, [s.port for s in servers])
        return local_nginx.command(folder, main)
    except FileNotFoundError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("cluster")
    nginx_port = free_port()
    public = f"http://{HOST}:{nginx_port}"
    env = _env(public)
    for url in (REDIS_URL, BROKER_URL):
        redis.Redis.from_url(url).flushdb()
    _empty_database()
    _setup_database(env, logs)

    servers = [AppServer("a", free_port()), AppServer("b", free_port())]
    processes: list[subprocess.Popen] = []
    try:
        for server in servers:
            command = [
                str(BIN / "gunicorn"), "-w", "2", "-b", f"{HOST}:{server.port}",
                "--graceful-timeout", "5", "wsgi:app",
            ]  # fmt: skip
            server.process = _start(command, env, logs / f"app-{server.name}.log")
            processes.append(server.process)
        worker = [
            str(BIN / "celery"), "-A", "shop.worker", "worker", "--pool", "solo",
            "--without-gossip", "--without-mingle", "--loglevel", "info",
        ]  # fmt: skip
        processes.append(_start(worker, env, logs / "worker.log"))
        for server in servers:
            _wait_for_http(server.url + "/healthz", server.process, logs / f"app-{server.name}.log")
        processes.append(_start(_nginx(logs, nginx_port, servers), env, logs / "nginx.log"))
        _wait_for_http(public + "/healthz", processes[-1], logs / "nginx.log")

        engine = sa.create_engine(DATABASE_URL)
        yield Cluster(public, servers, redis.Redis.from_url(REDIS_URL), engine, logs)
        engine.dispose()
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
