"""Lighthouse accessibility (mobile) of every main page, as each kind of visitor sees it.

    npm install --prefix /tmp/lh lighthouse
    make run    # elsewhere: the demo shop on http://127.0.0.1:5000
    .venv/bin/python tools/lighthouse.py http://127.0.0.1:5000 [--desktop] [--lang vi|en]
                                         [--lighthouse PATH]

Signs in as the demo buyer (with one product in the cart), a demo cooperative and the office,
passes each session's cookie to Lighthouse, and prints each page's accessibility score and
the audits it failed. The pages are those `tests/e2e/test_accessibility.py` checks with axe.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.test_accessibility import BUYER, COOPERATIVE, OFFICE, PUBLIC

PASSWORD = "ocop-demo-2026"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VISITORS = {
    "public": None,
    "buyer": "khach@ocop.example.vn",
    "cooperative": "htx-chuoi-viba@ocop.example.vn",
    "office": "admin@ocop.example.vn",
}


def session_cookie(base: str, email: str, with_cart: bool) -> str:
    http = requests.Session()
    token = TOKEN.search(http.get(f"{base}/account/login").text).group(1)
    http.post(
        f"{base}/account/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    if with_cart:
        page = http.get(f"{base}/products/chuoi-say-deo-viba").text
        product = re.search(r'name="product_id" value="(\d+)"', page).group(1)
        data = {"product_id": product, "quantity": "1", "csrf_token": TOKEN.search(page).group(1)}
        http.post(f"{base}/cart/add", data=data)
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def trace_page(base: str) -> str:
    """A lot's trace page, found from the demo product's page."""
    page = requests.get(f"{base}/products/chuoi-say-deo-viba").text
    gtin = re.search(r"GTIN (\d{14})", page).group(1)
    lots = requests.get(f"{base}/01/{gtin}").text
    return re.search(rf'href="(/01/{gtin}/10/[^"]+)"', lots).group(1)


def audit(lighthouse: str, url: str, headers: dict, desktop: bool) -> tuple[int, list[str]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [
            lighthouse,
            url,
            "--only-categories=accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            "--output=json",
            f"--output-path={out.name}",
            "--quiet",
        ]
        if headers:
            command.append(f"--extra-headers={json.dumps(headers)}")
        if desktop:
            command.append("--preset=desktop")
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(command, env=env, check=True)
        report = json.loads(Path(out.name).read_text())
    failed = [
        name
        for name, result in report["audits"].items()
        if result.get("scoreDisplayMode") == "binary" and result.get("score") == 0
    ]
    return round(report["categories"]["accessibility"]["score"] * 100), failed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", help="the shop's address, e.g. http://127.0.0.1:5000")
    parser.add_argument("--lighthouse", default="/tmp/lh/node_modules/.bin/lighthouse")
    parser.add_argument("--desktop", action="store_true", help="Lighthouse's desktop preset")
    parser.add_argument("--lang", choices=("vi", "en"), help="ask each page in this language")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    pages = {
        "public": [*PUBLIC, trace_page(base)],
        "buyer": BUYER,
        "cooperative": COOPERATIVE,
        "office": OFFICE,
    }
    scores = []
    for who, email in VISITORS.items():
        headers = {"Cookie": session_cookie(base, email, who == "buyer")} if email else {}
        for path in pages[who]:
            url = base + path
            if args.lang:
                url += ("&" if "?" in url else "?") + f"lang={args.lang}"
            score, failed = audit(args.lighthouse, url, headers, args.desktop)
            scores.append(score)
            print(f"{who:12} {path:45} {score:4d} {' '.join(failed)}", flush=True)
    print(f"{len(scores)} pages; lowest accessibility score {min(scores)}")


if __name__ == "__main__":
    main()
