"""What the edge refuses before any view runs: control characters, ids beyond the database."""

import pytest

from shop.security import parse_id


@pytest.mark.parametrize(
    "url", ["/products/a%00b", "/products?q=%00", "/products?q=a%01b", "/products?group=%1b"]
)
def test_control_characters_in_the_address_get_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "ký tự không được phép" in response.get_data(as_text=True)


def test_control_characters_in_a_form_get_400_but_newlines_pass(client, catalog):
    bad = client.post("/cart/add", data={"product_id": str(catalog.banana.id), "quantity": "1\x00"})
    assert bad.status_code == 400
    ok = client.post(
        "/cart/add", data={"product_id": str(catalog.banana.id), "quantity": "1", "x": "a\r\nb\tc"}
    )
    assert ok.status_code == 302


@pytest.mark.parametrize("value", ["2147483648", "9" * 30, "0", "-1"])
def test_ids_beyond_the_database_are_no_route(client, value):
    assert client.get(f"/admin/orders/{value}").status_code == 404


@pytest.mark.parametrize(
    ("text", "id_"), [("1", 1), ("2147483647", 2**31 - 1), ("0", None), ("2147483648", None)]
)
def test_an_id_in_a_path_is_from_1_to_the_database_s_largest(app, text, id_):
    from werkzeug.routing import ValidationError

    from shop.security import DbIdConverter

    converter = DbIdConverter(app.url_map)  # made here, as the URL map makes one per rule
    if id_ is None:
        with pytest.raises(ValidationError):
            converter.to_python(text)
    else:
        assert converter.to_python(text) == id_


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        ("0", None),
        ("-3", None),
        ("٣", None),
        ("1e3", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(text, expected):
    assert parse_id(text) == expected


def test_whitespace_around_a_filter_choice_is_ignored(client, catalog):
    assert client.get("/products?stars=%204&sort=%20price_asc").status_code == 200


@pytest.mark.parametrize(
    ("segment", "matches"),
    [("1", True), (str(2**31 - 1), True), ("0", False), (str(2**31), False), ("-1", False)],
)
def test_an_id_in_a_path_is_a_database_id_or_no_route(app, segment, matches):
    """1 to 2**31 - 1, PostgreSQL's integer: beyond it no route matches (404, never an
    overflow in the database), and the first id of every table is reachable."""
    from werkzeug.exceptions import NotFound

    adapter = app.url_map.bind("127.0.0.1")
    try:
        endpoint, values = adapter.match(f"/coop/products/{segment}", method="GET")
    except NotFound:
        assert not matches
    else:
        assert matches and (endpoint, values) == ("coop.product_edit", {"product_id": int(segment)})
