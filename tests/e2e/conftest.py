"""Browser tests: a real Chromium against the shop served on 127.0.0.1.

The server runs the app on its own SQLite file, built once per session through the
real migrations and the demo data. It never touches the unit tests' database (the
autouse ``isolated_db`` fixture of tests/conftest.py still runs, and is harmless).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from shop import create_app
from shop.extensions import db
from shop.services import demo
from tests.conftest import ON_POSTGRES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ARTIFACTS = ROOT / "test-artifacts"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 10_000  # a local page that takes longer than this is a failure


ON_SQLITE_ONLY = pytest.mark.skip(
    reason="the browser tests serve their own SQLite database: the SQLite run covers them"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an ``e2e`` test (``-m "not e2e"`` skips them). The
    served app always has its own SQLite file, so the PostgreSQL run would repeat them."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            if ON_POSTGRES:
                item.add_marker(ON_SQLITE_ONLY)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; missing fails on CI and skips elsewhere."""
    if shutil.which(CHROMIUM) is None:
        message = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory):
    """The app on its own SQLite file, migrated and loaded with the demo catalog and accounts.

    Uploaded photos go to a temporary folder, never to instance/.
    """
    path = tmp_path_factory.mktemp("e2e") / "e2e.db"
    uploads = tmp_path_factory.mktemp("e2e-uploads")
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "UPLOAD_DIR": str(uploads),
            "WTF_CSRF_ENABLED": True,  # the browser sends every form's token, as in production
        },
    )
    with app.app_context():
        upgrade()
        demo.seed_demo()
        demo.seed_accounts()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return app


@pytest.fixture
def e2e_db(e2e_app):
    """``with e2e_db() as session:`` reads or changes the served app's database.

    Each block is its own app context and session: what the browser changed since is seen.
    """

    @contextmanager
    def session():
        with e2e_app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    return session


class QuietHandler(WSGIRequestHandler):
    """Log errors only, not every request (failures stay readable)."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def base_url(e2e_app) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 by a background thread."""
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    e2e_app.config["PUBLIC_BASE_URL"] = url  # links, emails and Stripe's return pages
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with e2e_app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, base_url: str):
    """Open a page in a fresh context (own cookies, language, JS, viewport).

    ``new_page(java_script_enabled=False)``, ``new_page(viewport=...)``: any option of
    ``browser.new_context``; the locale is ``vi-VN`` unless given.
    """
    contexts = []

    def open_page(**options):
        options.setdefault("locale", "vi-VN")
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh Vietnamese context with JavaScript on."""
    return new_page()


def wait_for_all_images(page) -> None:
    """Scroll every image into view (lazy ones load then); fail if one stays broken."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
    broken = "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
    try:
        page.wait_for_function(f"() => ({broken})().length === 0", timeout=5_000)
    except PlaywrightTimeoutError:
        sources = page.evaluate(f"() => ({broken})().map(i => i.currentSrc || i.src)")
        pytest.fail(f"Images not shown on {page.url}: {sources}", pytrace=False)


@pytest.fixture(scope="session")
def screenshot():
    """Save a full-page screenshot into test-artifacts/ (git-ignored) for a human to look at.

    Every image of the page is loaded first, and a broken one fails the test.
    """
    ARTIFACTS.mkdir(exist_ok=True)

    def shoot(page, name: str) -> Path:
        wait_for_all_images(page)
        page.evaluate("() => window.scrollTo(0, 0)")
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


DEMO_PASSWORD = demo.DEMO_PASSWORD


@pytest.fixture
def sign_in():
    """``sign_in(page, email)``: sign in through the "Đăng nhập" page as a person would."""
    from playwright.sync_api import expect

    def sign(page, email: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/")
        page.get_by_role("navigation", name="Tài khoản").get_by_role(
            "link", name="Đăng nhập"
        ).click()
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Mật khẩu", exact=True).fill(password)
        page.get_by_role("main").get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    return sign
