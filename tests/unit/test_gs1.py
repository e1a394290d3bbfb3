import pytest

from shop.services import gs1
from shop.services.errors import InvalidInput


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
    with pytest.raises(InvalidInput):
        gs1.to_gtin14("4006381333932")


def test_make_gtin14_uses_vietnamese_prefix_and_valid_check_digit():
    code = gs1.make_gtin14("89360101", 7)
    assert len(code) == 14 and code[1:4] == "893"
    assert gs1.is_valid_gtin(code)
