"""No input gets a 500: every route of the URL map, for each kind of visitor, with a
fixed set of hostile values in the path, the query string and every form field.

Routes and form fields are read from the app, so a new route or field is walked the
day it is added. On PostgreSQL this also catches values beyond the database's ranges.
"""

from __future__ import annotations

import contextlib
import inspect

import pytest
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

from tests.factories import sign_in
from tests.web.test_authorization import world  # noqa: F401  (the fixture)

HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\x1b[31m",
    " ",
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "9" * 40,
    "1e400",
    "NaN",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "ｆｕｌｌｗｉｄｔｈ",
    "a" * 6000,
]
HOSTILE_IDS = ["0", "2147483648", "9223372036854775808", "99999999999999999999"]
HOSTILE_SEGMENTS = ["%00", "a%00b", "%0d%0a", "..%2F..%2Fetc", "a" * 400, "%C0%AF", "%ff"]
SKIP_PREFIXES = ("/static/", "/media/")


def form_field_names() -> set[str]:
    """Every field name of every form of the shop."""
    import shop.admin.forms
    import shop.auth.forms
    import shop.catalog.forms
    import shop.checkout.forms
    import shop.coop.forms

    names: set[str] = set()
    for module in (
        shop.admin.forms,
        shop.auth.forms,
        shop.catalog.forms,
        shop.checkout.forms,
        shop.coop.forms,
    ):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls is not FlaskForm:
                for name, value in vars(cls).items():
                    if isinstance(value, UnboundField):
                        names.add(name)
    return names | {"next", "method", "reference", "action", "change", "product_id", "quantity"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIP_PREFIXES) or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def path_variants(app, rule, values: dict) -> list[str]:
    """The rule's URL with known values, then with each argument made hostile in turn."""
    adapter = app.url_map.bind("localhost")
    known = {name: values.get(name, "x") for name in rule.arguments}
    urls = []
    with contextlib.suppress(Exception):  # a converter may refuse the stand-in "x"
        urls.append(adapter.build(rule.endpoint, known))
    for name in sorted(rule.arguments):
        is_int = isinstance(rule._converters[name], IntegerConverter)
        marker = 987654 if is_int else "zzmarkerzz"
        try:
            url = adapter.build(rule.endpoint, known | {name: marker})
        except Exception:
            continue
        for bad in HOSTILE_IDS if is_int else HOSTILE_SEGMENTS:
            urls.append(url.replace(str(marker), bad, 1))
    return urls


QUERIES = [
    "page=99999999999999999999",
    "page=-5",
    "page=%00",
    "q=%00",
    "q=" + "x" * 3000,
    "sort=%20price",
    "sort=%00",
    "stars=%20",
    "stars=9",
    "group=%00",
    "province=%00",
    "lang=%00",
    "show=%20all",
    "next=%0d%0aX:1",
    "paid=%00",
    "ec=%00",
    "linkType=%00",
    "17=%00",
    "17=999999",
]


@pytest.mark.parametrize("visitor", ["anonymous", "customer", "member_a", "admin"])
def test_no_route_answers_500_to_hostile_input(app, client, world, visitor):  # noqa: F811
    accounts, values = world
    if visitor != "anonymous":
        assert sign_in(client, accounts[visitor]).status_code == 302
    fields = sorted(form_field_names())
    failures: list[str] = []
    walked = 0
    for rule, method in routes(app):
        if rule.endpoint in ("auth.logout",):
            continue
        for url in path_variants(app, rule, values | {"action": "prepare", "token": "t"}):
            if method == "GET":
                requests = [
                    (url + ("&" if "?" in url else "?") + query, None)
                    for query in QUERIES[: 3 if "<" in rule.rule else len(QUERIES)]
                ]
                requests.append((url, None))
            else:
                requests = [(url, {name: bad for name in fields}) for bad in HOSTILE_TEXT]
            for target, data in requests:
                try:
                    status = client.open(target, method=method, data=data).status_code
                except Exception as error:  # testing propagates what would be a 500
                    status = f"{type(error).__name__}: {str(error)[:80]}"
                walked += 1
                if not isinstance(status, int) or status >= 500:
                    failures.append(f"{method} {target[:100]!r} {repr(data)[:50]}: {status}")
    assert walked > 500
    assert failures == [], "\n".join(failures)


def test_the_walker_knows_the_forms():
    names = form_field_names()
    assert {"checkout_key", "full_name", "amount", "change", "stock_change"} <= names
