from datetime import date

import pytest

from shop.services import gs1
from shop.services.errors import InvalidInput
from tests.services.test_refusals import refused


@pytest.mark.parametrize(
    "code",
    [
        "08936000100013"[:-1] + str(gs1.check_digit("0893600010001")),
        "4006381333931",
        "96385074",
        "036000291452",
    ],
)
def test_valid_gtins_pass(code):
    assert gs1.is_valid_gtin(code)


def test_known_check_digits():
    # Published GS1 examples: EAN-13 4006381333931, UPC-A 036000291452, EAN-8 96385074.
    assert gs1.check_digit("400638133393") == 1
    assert gs1.check_digit("03600029145") == 2
    assert gs1.check_digit("9638507") == 4


@pytest.mark.parametrize(
    "code", ["4006381333932", "1234", "abcdefghijklm", "", "４００６３８１３３３９３１"]
)
def test_invalid_gtins_fail(code):
    assert not gs1.is_valid_gtin(code)


def test_to_gtin14_pads_and_rejects():
    assert gs1.to_gtin14("4006381333931") == "04006381333931"
    assert gs1.to_gtin14(" 96385074\t") == "00000096385074"  # as pasted from a sheet
    message = "This is not a valid GTIN: check the digits and the check digit."
    for code in ("4006381333932", "", None, "   "):
        refused(InvalidInput, lambda code=code: gs1.to_gtin14(code), message)


def test_make_gtin14_uses_vietnamese_prefix_and_valid_check_digit():
    code = gs1.make_gtin14("89360101", 7)
    assert len(code) == 14 and code[1:4] == "893"
    assert gs1.is_valid_gtin(code)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("271231", date(2027, 12, 31)),
        ("270101", date(2027, 1, 1)),
        ("000229", date(2000, 2, 29)),
        ("270200", date(2027, 2, 28)),  # DD 00: the month's last day
        ("280200", date(2028, 2, 29)),  # in a leap year too
        ("271100", date(2027, 11, 30)),
        ("991200", date(2099, 12, 31)),
    ],
)
def test_an_expiry_is_read_as_gs1_writes_it(value, expected):
    assert gs1.parse_expiry(value) == expected


SIX_DIGITS = "The expiry date (17) must be six digits, YYMMDD."
NOT_A_DATE = "The expiry date (17) is not a real date."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("27123", SIX_DIGITS),
        ("2712310", SIX_DIGITS),
        ("", SIX_DIGITS),
        ("12ab31", SIX_DIGITS),
        ("27123²", SIX_DIGITS),  # a digit to str.isdigit, not to int()
        ("２７１２３１", SIX_DIGITS),  # full-width digits
        ("271301", NOT_A_DATE),
        ("270001", NOT_A_DATE),
        ("270230", NOT_A_DATE),
        ("271232", NOT_A_DATE),
        ("271300", NOT_A_DATE),
    ],
)
def test_an_expiry_that_is_not_one_is_refused_with_its_reason(value, message):
    refused(InvalidInput, lambda: gs1.parse_expiry(value), message)


def test_a_check_digit_is_only_for_digits():
    for body in ("40063813339a", "", "４００"):
        refused(InvalidInput, lambda body=body: gs1.check_digit(body), "A GTIN has digits only.")


def test_an_item_number_too_long_for_its_company_prefix_is_refused():
    assert gs1.make_gtin14("89360101", 9999).startswith("089360101")
    refused(
        InvalidInput,
        lambda: gs1.make_gtin14("89360101", 10_000),
        "Item reference too long for this company prefix.",
    )


def test_a_digital_link_escapes_every_reserved_character_of_its_keys():
    base = "https://ocop.example/"
    assert gs1.digital_link(base, "08936000100013") == "https://ocop.example/01/08936000100013"
    assert (
        gs1.digital_link(base, "08936000100013", "L/26+A", "S?1/2")
        == "https://ocop.example/01/08936000100013/10/L%2F26%2BA/21/S%3F1%2F2"
    )
    refused(
        InvalidInput,
        lambda: gs1.digital_link(base, "08936000100013", None, "S1"),
        "A serial is qualified by its lot in this shop's URIs.",
    )
