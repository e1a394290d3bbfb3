"""Vietnamese banks by their NAPAS BIN, the code VietQR and interbank transfers use."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from shop.services.errors import InvalidInput
from shop.services.text import fold

# The banks cooperatives most often hold accounts with (State Bank of Vietnam's NAPAS list).
BANKS: dict[str, str] = {
    "970405": "Agribank",
    "970436": "Vietcombank",
    "970415": "VietinBank",
    "970418": "BIDV",
    "970407": "Techcombank",
    "970422": "MB Bank",
    "970416": "ACB",
    "970432": "VPBank",
    "970403": "Sacombank",
    "970423": "TPBank",
    "970449": "LPBank",
    "970441": "VIB",
    "970443": "SHB",
    "970437": "HDBank",
    "970448": "OCB",
    "970440": "SeABank",
    "970426": "MSB",
    "970431": "Eximbank",
    "970428": "Nam A Bank",
    "970446": "Co-opBank",
}

ACCOUNT_NUMBER = re.compile(r"\d{6,19}")


def bank_name(bin_: str) -> str:
    return BANKS.get(bin_, bin_)


def clean_account(bin_: str, number: str, name: str) -> tuple[str, str, str]:
    """A known bank, 6 to 19 digits (spaces and dots allowed), and the holder's name in
    capitals without accents, as banks print it; or InvalidInput naming what is wrong."""
    if bin_ not in BANKS:
        raise InvalidInput(_l("Choose a bank from the list."))
    digits = re.sub(r"[\s.\-]", "", number or "")
    if not ACCOUNT_NUMBER.fullmatch(digits):
        raise InvalidInput(_l("An account number has 6 to 19 digits."))
    holder = " ".join(fold(name or "").upper().split())
    if not holder:
        raise InvalidInput(_l("Give the account holder's name."))
    return bin_, digits, holder[:100]
