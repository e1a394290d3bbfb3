"""Every main page of the shop, for each kind of visitor, checked by axe-core (no violation
of any impact), for width (nothing wider than a 360 px phone) and, on the phone, for touch
targets (44 px), in both languages, on a phone and on a desktop."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from shop.models import Lot, Product
from tests.conftest import ON_POSTGRES
from tests.e2e.conftest import DEMO_PASSWORD

# The pages' markup does not depend on the database: checked once, on the SQLite run, which
# keeps CI's PostgreSQL run about five minutes shorter.
pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="markup is checked on the SQLite run")

PHONE, DESKTOP = 360, 1280
AXE = Axe()

PUBLIC = [
    "/",
    "/products",
    "/products?q=che+xanh",
    "/products/chuoi-say-deo-viba",
    "/cooperatives/htx-chuoi-viba",
    "/cart",
    "/account/login",
    "/account/register",
    "/policies/",
    "/policies/privacy",
]
BUYER = ["/account/", "/account/orders", "/cart", "/checkout"]
COOPERATIVE = [
    "/coop/",
    "/coop/products",
    "/coop/products/new",
    "/coop/orders",
    "/coop/money",
    "/coop/profile",
    "/coop/certificates",
    "/coop/complaints",
    "/coop/team",
]
OFFICE = [
    "/admin/",
    "/admin/cooperatives",
    "/admin/papers",
    "/admin/ratings",
    "/admin/users",
    "/admin/orders",
    "/admin/complaints",
    "/admin/money",
    "/admin/payouts",
    "/admin/recalls",
    "/admin/reviews",
    "/admin/take-downs",
    "/admin/policies",
    "/admin/data-access",
    "/admin/searches",
]
ACCOUNTS = {
    "public": None,
    "buyer": "khach@ocop.example.vn",
    "cooperative": "htx-chuoi-viba@ocop.example.vn",
    "office": "admin@ocop.example.vn",
}


def trace_page(e2e_db) -> str:
    with e2e_db() as session:
        gtin, code = session.execute(
            sa.select(Product.gtin, Lot.code).join(Lot.product).order_by(Lot.id).limit(1)
        ).one()
    return f"/01/{gtin}/10/{code}"


def pages_of(who: str, e2e_db) -> list[str]:
    return {
        "public": [*PUBLIC, trace_page(e2e_db)],
        "buyer": BUYER,
        "cooperative": COOPERATIVE,
        "office": OFFICE,
    }[who]


def sign_in_as(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/account/login" not in url)


# The innermost elements reaching past the screen's right edge, to say what to fix.
WIDEST = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 3)
  .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 40)}`)"""


# Controls smaller than 44 x 44 px on screen (WCAG 2.5.5); a link inside running text is
# exempt, as is a checkbox or radio whose label is the target.
SMALL_TARGETS = """() => {
  const found = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const e of document.querySelectorAll(controls)) {
    const box = e.getBoundingClientRect();
    if (!box.width || !box.height || box.right <= 0) continue;  // not shown, or off screen
    if (e.classList.contains('visually-hidden')) continue;
    const style = getComputedStyle(e);
    if (e.tagName === 'A' && style.display === 'inline') {
      const words = [...e.parentElement.childNodes].filter(n => n.nodeType === 3)
        .map(n => n.textContent.trim()).join('');
      if (words) continue;
    }
    if (['checkbox', 'radio'].includes(e.type) && e.labels.length
        && e.labels[0].getBoundingClientRect().height >= 44) continue;
    if (box.height < 44 || box.width < 44) {
      const name = (e.textContent || e.value || e.name || '').trim().slice(0, 30);
      const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
      found.push(`${e.tagName.toLowerCase()} "${name}" ${size}`);
    }
  }
  return found.slice(0, 5);
}"""


def problems_on(page: Page, path: str, width: int) -> list[str]:
    page.goto(path)
    found = []
    wide = page.evaluate("document.documentElement.scrollWidth")
    if wide > width:
        culprits = page.evaluate(WIDEST, width)
        found.append(f"{path}: {wide} px wide on a {width} px screen, by {culprits}")
    if width == PHONE:
        small = page.evaluate(SMALL_TARGETS)
        if small:
            found.append(f"{path}: touch targets under 44 px: {small}")
    for violation in AXE.run(page).response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
        found.append(f"{path}: {violation['id']} ({violation['impact']}) at {targets}")
    return found


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("who", list(ACCOUNTS))
def test_no_accessibility_violation_and_no_sideways_scroll(new_page, e2e_db, who, width, language):
    page = new_page(
        viewport={"width": width, "height": 800},
        locale="vi-VN" if language == "vi" else "en-US",
    )
    if ACCOUNTS[who]:
        sign_in_as(page, ACCOUNTS[who])
    if who == "buyer":  # a cart, so that its page and the checkout have lines
        page.goto("/products/chuoi-say-deo-viba")
        page.locator("form.add-to-cart button").click()
    page.goto(f"/?lang={language}")
    problems = []
    for path in pages_of(who, e2e_db):
        problems += problems_on(page, path, width)
    assert problems == [], "\n".join(problems)
