"""Screenshots of the shop's main pages on a phone (390 x 844) and a desktop (1280 x 800).

    python tools/screenshots.py http://127.0.0.1:5077   # against a shop already running
    python tools/screenshots.py --serve                  # a scratch shop with the demo data

The pages are those of docs/ui.md: what a buyer sees (home, a group, a search, a product,
the cart, the checkout, the order placed cash on delivery, a lot's trace page, the policies),
what a demo cooperative sees (overview, products, orders) and what the OCOP office sees
(overview, cooperatives, ratings). Each is a JPEG in docs/ui/: the first screen on a desktop,
the whole page on a phone up to a sensible height. ``--serve`` migrates and seeds a database
in a temporary folder, serves it with ``flask run`` and stops it afterwards.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # the browser tests' own Chromium

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "ui"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}
PHONE_MAX_HEIGHT = 2400  # a phone shot shows the page down to here
MAX_BYTES = 150 * 1024
QUALITIES = (70, 60, 50, 40)

PASSWORD = "ocop-demo-2026"  # shop/services/demo.py: DEMO_PASSWORD
COOPERATIVE = "htx-chuoi-viba@ocop.example.vn"
OFFICE = "admin@ocop.example.vn"
GROUP = "food"
QUERY = "chuoi"
PRODUCT = "chuoi-say-deo-viba"
SECOND_PRODUCT = "che-xanh-my-tan"  # another cooperative; its lot has serialised units

UNSTICK_BOTTOM_BARS = """() => {
    for (const el of document.querySelectorAll("body *")) {
        const style = getComputedStyle(el);
        if (["sticky", "fixed"].includes(style.position) && style.bottom !== "auto") {
            el.style.position = "static";
        }
    }
}"""


def shoot(page: Page, name: str, form: str, out: Path) -> Path:
    """Save the page as ``{name}-{form}.jpg``, smaller than MAX_BYTES where quality allows.

    A phone shot is the whole page down to PHONE_MAX_HEIGHT; a bar that sticks to the bottom
    of the screen is drawn where it rests in the page, not across the fields 844 px down."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => window.scrollTo(0, 0)")
    options: dict = {"type": "jpeg"}
    if form == "phone":
        page.evaluate(UNSTICK_BOTTOM_BARS)
        height = page.evaluate("() => document.documentElement.scrollHeight")
        width = VIEWPORTS[form]["width"]
        clip = {"x": 0, "y": 0, "width": width, "height": min(height, PHONE_MAX_HEIGHT)}
        options.update(full_page=True, clip=clip)
    for quality in QUALITIES:
        data = page.screenshot(quality=quality, **options)
        if len(data) <= MAX_BYTES:
            break
    path = out / f"{name}-{form}.jpg"
    path.write_bytes(data)
    print(f"  {path.name}: {len(data) // 1024} KB")
    return path


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    if page.url.rstrip("/").endswith("/account/login"):
        raise SystemExit(f"could not sign in as {email}")


def add_to_cart(page: Page, base: str, slug: str, quantity: int) -> None:
    page.goto(f"{base}/products/{slug}")
    form = page.locator("form.add-to-cart")
    form.locator("input[name=quantity]").fill(str(quantity))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def phone_or_desktop(browser: Browser, form: str):
    """A fresh browser context for ``form`` ("phone" or "desktop"), in Vietnam."""
    return browser.new_context(
        viewport=VIEWPORTS[form],
        device_scale_factor=1,
        is_mobile=form == "phone",
        has_touch=form == "phone",
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )


def buyer_pages(browser: Browser, base: str, form: str, out: Path) -> None:
    context = phone_or_desktop(browser, form)
    page = context.new_page()
    page.goto(f"{base}/")
    shoot(page, "home", form, out)
    page.goto(f"{base}/products?group={GROUP}")
    shoot(page, "listing", form, out)
    page.goto(f"{base}/products?q={QUERY}")
    shoot(page, "search", form, out)
    page.goto(f"{base}/products/{PRODUCT}")
    shoot(page, "product", form, out)

    # The trace page a shopper reaches from a package: the product's trace link, then a lot.
    page.goto(f"{base}/products/{SECOND_PRODUCT}")
    page.locator("a[href^='/01/']").first.click()
    page.wait_for_load_state()
    lot = page.locator("a[href*='/10/']").first.get_attribute("href")
    page.goto(f"{base}{lot}")
    shoot(page, "trace", form, out)

    add_to_cart(page, base, PRODUCT, 2)
    add_to_cart(page, base, SECOND_PRODUCT, 1)
    page.goto(f"{base}/cart")
    shoot(page, "cart", form, out)

    page.goto(f"{base}/checkout")
    page.locator("#full_name").fill("Nguyễn Thị Lan")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#email").fill("lan@example.vn")
    page.locator("#province").select_option(value="ho_chi_minh")
    page.locator("#ward").fill("Bến Thành")
    page.locator("#street").fill("12 Lê Lợi")
    page.locator("#agree").check()
    page.locator("input[name=payment_method][value=cod]").check()
    shoot(page, "checkout", form, out)
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()
    if "/orders/" not in page.url:
        raise SystemExit(f"the order was not placed: still on {page.url}")
    shoot(page, "order", form, out)

    page.goto(f"{base}/policies/")
    shoot(page, "policies", form, out)
    context.close()


def staff_pages(browser: Browser, base: str, form: str, out: Path) -> None:
    for email, pages in (
        (
            COOPERATIVE,
            (
                ("coop-overview", "/coop/"),
                ("coop-products", "/coop/products"),
                ("coop-orders", "/coop/orders"),
            ),
        ),
        (
            OFFICE,
            (
                ("office-overview", "/admin/"),
                ("office-cooperatives", "/admin/cooperatives"),
                ("office-ratings", "/admin/ratings"),
            ),
        ),
    ):
        context = phone_or_desktop(browser, form)
        page = context.new_page()
        sign_in(page, base, email)
        for name, path in pages:
            page.goto(f"{base}{path}")
            shoot(page, name, form, out)
        context.close()


def take_all(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for form in VIEWPORTS:
                print(f"{form}:")
                buyer_pages(browser, base, form, out)
                staff_pages(browser, base, form, out)
        finally:
            browser.close()


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@contextmanager
def scratch_shop(port: int):
    """The demo shop on a fresh SQLite database in a temporary folder, served on ``port``."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken; choose another with --port")
    flask = [str(Path(sys.executable).parent / "flask")]
    with tempfile.TemporaryDirectory(prefix="ocop-ui-") as tmp:
        env = {
            **os.environ,
            "FLASK_APP": "wsgi",
            "DATABASE_URL": f"sqlite:///{tmp}/shop.db",
            "UPLOAD_DIR": f"{tmp}/uploads",
            "DOCUMENT_DIR": f"{tmp}/documents",
            "LABEL_DIR": f"{tmp}/labels",
            "COMPLAINT_PHOTO_DIR": f"{tmp}/complaints",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        env.pop("FLASK_DEBUG", None)
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*flask, "seed-demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        server = subprocess.Popen(
            [*flask, "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            if server.poll() is not None:
                raise SystemExit("the scratch shop did not start")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", nargs="?", default="http://127.0.0.1:5077")
    parser.add_argument("--serve", action="store_true", help="serve a scratch demo shop first")
    parser.add_argument("--port", type=int, default=5077, help="the scratch shop's port")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JPEGs go")
    args = parser.parse_args()
    if args.serve:
        with scratch_shop(args.port) as base:
            take_all(base, args.out)
    else:
        take_all(args.base_url.rstrip("/"), args.out)


if __name__ == "__main__":
    main()
