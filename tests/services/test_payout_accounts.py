"""Where a cooperative's payouts go: an account it asks for, which the office confirms or
refuses; and the photos and logo its profile shows."""

import pytest

from shop.clock import utcnow
from shop.extensions import db
from shop.models import BankAccountState, Cooperative
from shop.services import banks, profiles
from shop.services.errors import Conflict, InvalidInput
from tests import factories
from tests.services.test_refusals import refused
from tests.web.test_coop import png

S = BankAccountState


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("123456", "123456"),  # the shortest
        ("1234567890123456789", "1234567890123456789"),  # the longest
        ("3100 2050.12-345", "3100205012345"),  # as printed on a card
        ("\t0011 0042\n", "00110042"),
    ],
)
def test_an_account_number_is_kept_as_its_digits(number, digits):
    assert banks.clean_account("970436", number, "HTX VIBA") == ("970436", digits, "HTX VIBA")


def test_the_holder_is_written_as_banks_print_it():
    cleaned = banks.clean_account("970405", "123456789", "  Hợp tác xã   Chuối\tViba ")
    assert cleaned[2] == "HOP TAC XA CHUOI VIBA"
    assert banks.clean_account("970405", "123456789", "Đ" * 150)[2] == "D" * 100


@pytest.mark.parametrize(
    ("bin_", "number", "name", "message"),
    [
        ("123456", "123456789", "HTX", "Choose a bank from the list."),
        ("", "123456789", "HTX", "Choose a bank from the list."),
        ("970436", "12345", "HTX", "An account number has 6 to 19 digits."),
        ("970436", "12345678901234567890", "HTX", "An account number has 6 to 19 digits."),
        ("970436", "12ab5678", "HTX", "An account number has 6 to 19 digits."),
        ("970436", None, "HTX", "An account number has 6 to 19 digits."),
        ("970436", "123456789", " \t", "Give the account holder's name."),
        ("970436", "123456789", None, "Give the account holder's name."),
    ],
)
def test_a_bad_account_is_refused_saying_what_is_wrong(bin_, number, name, message):
    refused(InvalidInput, lambda: banks.clean_account(bin_, number, name), message)


@pytest.fixture
def owner(catalog):
    account = factories.user("member", cooperative=catalog.viba)
    account.is_owner = True
    db.session.commit()
    return account


def confirmed(coop: Cooperative, owner, number: str):
    account = profiles.request_bank_account(coop, owner, "970436", number, "HTX VIBA")
    profiles.confirm_bank_account(account.id, factories.user("admin"))
    db.session.commit()
    return account


def test_a_newer_request_replaces_the_one_still_waiting(catalog, owner):
    coop = catalog.viba
    first = profiles.request_bank_account(coop, owner, "970436", "111111111", "HTX VIBA")
    before = utcnow()
    second = profiles.request_bank_account(coop, owner, "970405", "2222 2222 22", "htx viba")
    assert (first.state, first.decided_by_id, first.reason) == (
        S.REPLACED,
        owner.id,
        "replaced by a newer request",
    )
    assert before <= first.decided_at <= utcnow()
    assert (second.state, second.bank_bin, second.account_number, second.account_name) == (
        S.PENDING,
        "970405",
        "2222222222",
        "HTX VIBA",
    )
    assert second.requested_by_id == owner.id and second.cooperative_id == coop.id
    assert coop.pending_bank_account is second and coop.bank_account is None  # read afresh
    assert {a.id for a in coop.bank_accounts} == {first.id, second.id}


def test_asking_for_the_account_payouts_already_go_to_is_refused(catalog, owner):
    coop = catalog.viba
    current = confirmed(coop, owner, "111111111")
    refused(
        Conflict,
        lambda: profiles.request_bank_account(coop, owner, "970436", "111 111 111", "X"),
        "Payouts already go to this account.",
    )
    other_bank = profiles.request_bank_account(coop, owner, "970405", "111111111", "HTX VIBA")
    assert other_bank.state is S.PENDING and coop.bank_account is current


def test_the_office_refuses_a_new_account_with_its_reason(catalog, owner):
    coop = catalog.viba
    current = confirmed(coop, owner, "111111111")
    asked = profiles.request_bank_account(coop, owner, "970436", "999999999", "HTX VIBA")
    office = factories.user("admin")
    for reason in ("", "   ", None):
        refused(
            InvalidInput,
            lambda reason=reason: profiles.reject_bank_account(asked.id, office, reason),
            "Give the reason; the cooperative will read it.",
        )
    assert asked.state is S.PENDING and asked.decided_at is None
    before = utcnow()
    profiles.reject_bank_account(asked.id, office, "  Chủ tài khoản không phải HTX.  ")
    assert (asked.state, asked.decided_by_id, asked.reason) == (
        S.REJECTED,
        office.id,
        "Chủ tài khoản không phải HTX.",
    )
    assert before <= asked.decided_at <= utcnow()
    assert coop.bank_account is current and current.state is S.CONFIRMED  # payouts unchanged


def test_a_reason_is_kept_to_300_characters(catalog, owner):
    asked = profiles.request_bank_account(catalog.viba, owner, "970436", "999999999", "HTX")
    profiles.reject_bank_account(asked.id, factories.user("admin"), "x" * 299 + "yz")
    assert asked.reason == "x" * 299 + "y"


def test_only_an_account_waiting_for_the_office_is_decided(catalog, owner):
    current = confirmed(catalog.viba, owner, "111111111")
    office = factories.user("admin")
    message = "This bank account is not waiting for confirmation."
    for account_id in (current.id, 999_999):
        refused(Conflict, lambda i=account_id: profiles.confirm_bank_account(i, office), message)
        refused(
            Conflict, lambda i=account_id: profiles.reject_bank_account(i, office, "x"), message
        )
    assert current.state is S.CONFIRMED


def test_the_office_refusing_on_its_page(client, catalog, owner):
    asked = profiles.request_bank_account(catalog.viba, owner, "970436", "999999999", "HTX")
    db.session.commit()
    factories.sign_in(client, factories.user("admin"))
    path = f"/admin/bank-accounts/{asked.id}/refuse"
    assert client.post(path, data={"reason": ""}).status_code == 400
    answer = client.post(path, data={"reason": "Sai chủ tài khoản"}, follow_redirects=True)
    assert "Đã từ chối tài khoản mới của Hợp tác xã Chuối Viba." in answer.get_data(as_text=True)
    db.session.expire_all()
    assert (asked.state, asked.reason) == (S.REJECTED, "Sai chủ tài khoản")


def test_a_cooperative_shows_up_to_eight_photos_in_order(catalog, tmp_path):
    coop = catalog.viba
    profiles.add_photos(coop, [png()] * 3, tmp_path)
    profiles.add_photos(coop, [png()] * 5, tmp_path)
    assert [p.position for p in coop.photos] == list(range(8))
    assert all(p.path.startswith(f"uploads/c{coop.id}-") for p in coop.photos)
    refused(
        InvalidInput,
        lambda: profiles.add_photos(coop, [png()], tmp_path),
        "A cooperative shows at most 8 photos.",
    )
    assert len(coop.photos) == 8


def test_nine_photos_at_once_are_refused_and_none_kept(catalog, tmp_path):
    refused(
        InvalidInput,
        lambda: profiles.add_photos(catalog.viba, [png()] * 9, tmp_path),
        "A cooperative shows at most 8 photos.",
    )
    assert catalog.viba.photos == [] and not list(tmp_path.iterdir())


def test_a_logo_is_filed_under_its_cooperative(catalog, tmp_path):
    profiles.set_logo(catalog.viba, png(400, 300), tmp_path)
    path = catalog.viba.logo_path
    assert path.startswith(f"uploads/c{catalog.viba.id}-") and path.endswith("-logo.webp")
    assert (tmp_path / path.removeprefix("uploads/")).is_file()


def test_a_bank_is_named_by_its_code_and_an_unknown_code_shown_as_it_is():
    assert banks.bank_name("970436") == "Vietcombank"
    assert banks.bank_name("970405") == "Agribank"
    assert banks.bank_name("999999") == "999999"
