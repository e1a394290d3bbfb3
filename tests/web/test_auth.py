"""Accounts: registration, signing in, resets, rate limits, CSRF, no account enumeration."""

import re

import pytest

from shop import create_app
from shop.extensions import db, limiter
from shop.services import accounts
from tests import factories
from tests.factories import PASSWORD, sign_in


def register(client, email, name="An"):
    return client.post("/account/register", data={"name": name, "email": email})


def test_registration_proves_the_address_and_refuses_short_passwords(client, outbox):
    assert register(client, "not-an-email").status_code == 400
    response = register(client, "An@Example.vn")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    [mail] = outbox
    assert mail.to == ["an@example.vn"]
    link = re.search(r"http://127.0.0.1:5000(/account/register/\S+)", mail.body).group(1)
    assert client.get("/account/").status_code == 302  # nothing exists until the link is used
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "ngan", "confirm": "ngan"})
    assert short.status_code == 400 and "12" in short.get_data(as_text=True)
    done = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "agree": "y"})
    assert done.status_code == 302
    assert client.get("/account/").status_code == 200
    again = client.application.test_client().post(
        link, data={"password": PASSWORD, "confirm": PASSWORD, "agree": "y"}
    )
    assert again.status_code == 400  # the link made one account; a second use is refused


def test_registration_answers_the_same_for_a_known_email(client, app, outbox):
    account = factories.user(email="co@example.vn")
    new = register(app.test_client(), "moi@example.vn")
    known = register(client, "co@example.vn")
    assert (known.status_code, known.headers["Location"]) == (
        new.status_code,
        new.headers["Location"],
    )
    flashes = [
        client.get("/account/login").get_data(as_text=True),
        app.test_client().get("/account/login").get_data(as_text=True),
    ]
    assert "co@example.vn" in flashes[0]
    owner_mail = next(m for m in outbox if m.to == [account.email])
    assert "/account/register/" not in owner_mail.body and "/account/reset" in owner_mail.body


def test_registration_links_expire_after_a_day(client, outbox, monkeypatch):
    import time

    register(client, "tre@example.vn")
    link = re.search(r"(/account/register/\S+)", outbox[0].body).group(1)
    later = time.time() + 24 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get(link).status_code == 400


def test_password_is_hashed_with_scrypt(app):
    account = factories.user()
    assert account.password_hash.startswith("scrypt:")
    assert PASSWORD not in account.password_hash


def test_every_environment_but_the_tests_hashes_at_the_full_work_factor(app_with):
    from config import Config, DevelopmentConfig, ProductionConfig

    for config in (Config, DevelopmentConfig, ProductionConfig):
        assert config.PASSWORD_HASH_METHOD == "scrypt:32768:8:1"
    production = app_with(PASSWORD_HASH_METHOD=ProductionConfig.PASSWORD_HASH_METHOD)
    with production.app_context():
        account = factories.user()
        assert account.password_hash.startswith("scrypt:32768:8:1$")
        assert account.check_password(PASSWORD)


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    account = factories.user()
    wrong = sign_in(client, account, password="sai-mat-khau-roi")
    unknown = client.post(
        "/account/login", data={"email": "nobody@example.vn", "password": "sai-mat-khau-roi"}
    )
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)


def test_remember_me_sets_a_lasting_cookie(client):
    account = factories.user()
    response = sign_in(client, account, remember="y")
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))


def test_sign_out_is_a_post(client):
    sign_in(client, factories.user())
    assert client.get("/account/logout").status_code == 405
    client.post("/account/logout")
    assert client.get("/account/").status_code == 302


def test_next_only_goes_to_local_paths(client):
    account = factories.user()
    for evil in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        response = client.post(
            f"/account/login?next={evil}", data={"email": account.email, "password": PASSWORD}
        )
        assert response.headers["Location"] in ("/", "http://localhost/"), evil
        client.post("/account/logout")
    good = client.post(
        "/account/login?next=/account/orders", data={"email": account.email, "password": PASSWORD}
    )
    assert good.headers["Location"] == "/account/orders"


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    response = client.get("/account/orders")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/login?next=/account/orders")


def test_reset_flow_is_single_use(client, outbox, app):
    account = factories.user()
    assert client.post("/account/reset", data={"email": account.email}).status_code == 302
    [mail] = outbox
    link = re.search(r"http://127.0.0.1:5000(/account/reset/\S+)", mail.body).group(1)
    assert client.get(link).status_code == 200
    new = "mat-khau-moi-that-dai"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    client.post("/account/logout")
    again = client.post(link, data={"password": "lan-nua-thi-sao", "confirm": "lan-nua-thi-sao"})
    assert again.status_code == 400 and "đã được dùng" in again.get_data(as_text=True)
    assert sign_in(client, account, password=new).status_code == 302


def test_reset_links_expire_after_an_hour(client, outbox, monkeypatch):
    account = factories.user()
    client.post("/account/reset", data={"email": account.email})
    link = re.search(r"http://127.0.0.1:5000(/account/reset/\S+)", outbox[0].body).group(1)
    monkeypatch.setattr(accounts, "RESET_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 400 and "hết hạn" in response.get_data(as_text=True)


def test_reset_request_does_not_reveal_accounts(client, outbox):
    account = factories.user()
    known = client.post("/account/reset", data={"email": account.email}, follow_redirects=True)
    unknown = client.post(
        "/account/reset", data={"email": "ai-do@example.vn"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert len(outbox) == 1


def test_password_change_signs_out_other_sessions(app, client):
    account = factories.user()
    other = app.test_client()
    sign_in(client, account)
    sign_in(other, account)
    new = "mat-khau-moi-that-dai"
    response = client.post(
        "/account/", data={"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # this session goes on
    assert other.get("/account/").status_code == 302  # the other one was signed out


def test_change_email_needs_the_password(client):
    account = factories.user()
    sign_in(client, account)
    wrong = client.post(
        "/account/", data={"em-current": "khong-dung-dau", "em-email": "moi@example.vn"}
    )
    assert wrong.status_code == 400
    ok = client.post("/account/", data={"em-current": PASSWORD, "em-email": "moi@example.vn"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert account.email == "moi@example.vn"


def test_guest_cart_joins_the_account_cart_on_sign_in(client, catalog):
    account = factories.user()
    client.post("/cart/add", data={"product_id": catalog.tea.id, "quantity": "2"})
    sign_in(client, account)
    page = client.get("/cart").get_data(as_text=True)
    assert "Chè xanh Mỹ Tân" in page and 'value="2"' in page


def test_a_product_in_both_carts_adds_up_capped_at_stock(client, catalog):
    from shop.services import cart

    account = factories.user()
    sign_in(client, account)
    client.post("/cart/add", data={"product_id": catalog.tea.id, "quantity": "3"})
    client.post("/cart/add", data={"product_id": catalog.banana.id, "quantity": "1"})
    client.post("/account/logout")
    client.post("/cart/add", data={"product_id": catalog.tea.id, "quantity": "2"})
    client.post("/cart/add", data={"product_id": catalog.longan.id, "quantity": "1"})
    sign_in(client, account)
    assert cart.load_user_cart(account.id) == {
        catalog.tea.id: 5,
        catalog.banana.id: 1,
        catalog.longan.id: 1,
    }
    assert cart.merge({catalog.tea.id: 9}, {catalog.tea.id: 5}) == {catalog.tea.id: 10}


def test_merging_carts_drops_what_is_sold_out_or_gone(catalog):
    from shop.services import cart, inventory

    inventory.adjust(catalog.banana, -catalog.banana.stock, "sold elsewhere")
    inventory.adjust(catalog.longan, 1 - catalog.longan.stock, "one left")
    db.session.commit()
    guest = {catalog.banana.id: 1, catalog.longan.id: 3, 999_999: 1}
    assert cart.merge(guest, {catalog.tea.id: 1}) == {catalog.longan.id: 1, catalog.tea.id: 1}


@pytest.fixture
def strict_app(database_url):
    """The app as in production: CSRF checked and rate limits on."""
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": True,
        },
    )
    yield app
    # The limiter is one object for every app: switch it off again for the other tests.
    limiter.reset()
    limiter.enabled = False


def test_forms_without_a_csrf_token_are_refused(strict_app):
    client = strict_app.test_client()
    refused = client.post("/cart/add", data={"product_id": "1", "quantity": "1"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    passed = client.post(
        "/cart/add", data={"product_id": "1", "quantity": "1", "csrf_token": token}
    )
    assert passed.status_code == 404  # past the CSRF check, to a product that does not exist


def test_sign_in_is_rate_limited(strict_app):
    client = strict_app.test_client()
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    attempts = [
        {"email": f"x{n}@example.vn", "password": "sai-mat-khau-roi", "csrf_token": token}
        for n in range(12)
    ]
    statuses = [client.post("/account/login", data=a).status_code for a in attempts]
    assert statuses == [400] * 10 + [429, 429]  # ten tries per address, whatever the account
    last = client.post("/account/login", data=attempts[0]).get_data(as_text=True)
    assert "Quá nhiều yêu cầu" in last


def test_sign_in_to_one_account_is_limited_from_any_address(strict_app):
    client = strict_app.test_client()
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    attempt = {"email": "an@example.vn", "password": "sai-mat-khau-roi", "csrf_token": token}
    statuses = [
        client.post(
            "/account/login", data=attempt, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        ).status_code
        for n in range(7)
    ]
    assert statuses == [400] * 5 + [429, 429]  # five a minute per account


def test_registration_is_limited(strict_app):
    client = strict_app.test_client()
    page = client.get("/account/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    statuses = [
        client.post("/account/register", data={"csrf_token": token, "email": "bad"}).status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]
