"""The VietQR payload, field by field: a wrong tag or length sends a buyer's money nowhere.

The expected payload is written out by hand from the EMVCo and NAPAS layout (DOMAIN.md), and
the CRC is checked against the standard's check value, so the test does not lean on the code
it checks; a real parser (vietnam-qr-pay) reads the result back too."""

from __future__ import annotations

import pytest
from vietnam_qr_pay import QRPay

from shop.models import Order
from shop.services.errors import InvalidInput
from shop.services.payments.vietqr import (
    BankAccount,
    _tlv,
    crc16_ccitt_false,
    payload,
    purpose_of,
)

VIBA = BankAccount(bin="970436", number="0011001234567", name="HTX CHUOI VIBA")


def test_the_crc_is_ccitt_false():
    assert crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogued check value
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_the_payload_field_by_field():
    expected = (
        "000201"  # 00 payload format indicator: 01
        "010212"  # 01 point of initiation: 12, dynamic (one amount)
        "3857"  # 38 merchant account, 57 characters:
        "0010A000000727"  # NAPAS
        "0127" "0006970436" "01130011001234567"  # the bank's BIN, the account
        "0208QRIBFTTA"  # transfer to an account
        "5303704"  # 53 currency: đồng
        "5406145000"  # 54 amount
        "5802VN"  # 58 country
        "6218" "0814OCOP2026000001"  # 62 additional data, 08 purpose
        "6304" "AC52"  # 63 CRC over everything before it, "6304" included
    )  # fmt: skip
    assert payload(VIBA, 145_000, "OCOP2026000001") == expected
    parsed = QRPay(expected)
    assert parsed.is_valid and parsed.consumer.bank_number == "0011001234567"


def test_any_amount_and_purpose_read_back():
    code = payload(VIBA, 99_999_999, "A" * 25)
    parsed = QRPay(code)
    assert parsed.is_valid and parsed.version == "01" and parsed.init_method == "12"
    assert parsed.consumer.bank_bin == "970436"
    assert parsed.consumer.bank_number == "0011001234567"
    assert parsed.amount == "99999999" and parsed.currency == "704" and parsed.nation == "VN"
    assert parsed.additional_data.purpose == "A" * 25


@pytest.mark.parametrize("purpose", ["A" * 26, "ĐƠN1", "Đ"])
def test_a_purpose_banks_would_garble_is_refused(purpose):
    with pytest.raises(InvalidInput) as refused:
        payload(VIBA, 1_000, purpose)
    assert str(refused.value) == "The transfer purpose must be ASCII, 25 characters at most."


def test_a_field_holds_at_most_99_characters():
    assert _tlv("08", "x" * 99) == "0899" + "x" * 99
    with pytest.raises(InvalidInput) as refused:
        _tlv("08", "x" * 100)
    assert str(refused.value) == "EMVCo field too long."


def test_the_purpose_names_the_order_in_capitals_without_spaces_or_accents():
    assert purpose_of(Order(number="OCOP-2026-000001")) == "OCOP2026000001"  # banks drop "-"
    assert purpose_of(Order(number="đơn hàng 7")) == "DONHANG7"
    assert purpose_of(Order(number="x" * 30)) == "X" * 25
    assert purpose_of(Order(number="")) == purpose_of(Order(number=None)) == "OCOP"
