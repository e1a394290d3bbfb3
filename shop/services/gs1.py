"""GS1 identifiers: GTIN check digits and normalisation to GTIN-14."""

from __future__ import annotations

import calendar
import re
from datetime import date
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from shop.services.errors import InvalidInput

GTIN_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it (weights 3,1,3,... from the right)."""
    if not (body.isascii() and body.isdigit()):
        raise InvalidInput(_l("A GTIN has digits only."))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """True for an 8, 12, 13 or 14 digit GTIN whose last digit is its check digit."""
    return (
        isinstance(code, str)
        and code.isascii()
        and code.isdigit()
        and len(code) in GTIN_LENGTHS
        and check_digit(code[:-1]) == int(code[-1])
    )


def to_gtin14(code: str) -> str:
    """Pad a valid GTIN to the canonical 14 digits; raise InvalidInput otherwise."""
    code = (code or "").strip()
    if not is_valid_gtin(code):
        raise InvalidInput(_l("This is not a valid GTIN: check the digits and the check digit."))
    return code.zfill(14)


def make_gtin14(company_prefix: str, item_reference: int, indicator: str = "0") -> str:
    """Build a GTIN-14 from a GS1 company prefix (Vietnam: 893...) and an item number."""
    body_len = 12 - len(company_prefix)
    body = f"{indicator}{company_prefix}{item_reference:0{body_len}d}"
    if len(body) != 13:
        raise InvalidInput(_l("Item reference too long for this company prefix."))
    return body + str(check_digit(body))


# GS1 AI encodable character set 82, the characters allowed in a lot (AI 10) or serial (AI 21).
_CSET82 = re.compile(r"""[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}""")


def is_valid_attribute(value: str) -> bool:
    """True for a lot or serial of 1 to 20 characters of GS1's character set 82."""
    return isinstance(value, str) and _CSET82.fullmatch(value) is not None


def digital_link(
    base_url: str, gtin: str, lot: str | None = None, serial: str | None = None
) -> str:
    """The GS1 Digital Link URI of a product, a lot or one unit (qualifiers in GS1 order)."""
    if serial is not None and lot is None:
        raise InvalidInput(_l("A serial is qualified by its lot in this shop's URIs."))
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    if serial is not None:
        path += f"/21/{quote(serial, safe='')}"
    return base_url.rstrip("/") + path


def parse_expiry(value: str) -> date:
    """AI 17 (YYMMDD; DD 00 means the month's last day) as a date; InvalidInput if malformed."""
    if not (len(value) == 6 and value.isascii() and value.isdigit()):  # not "²" nor "２"
        raise InvalidInput(_l("The expiry date (17) must be six digits, YYMMDD."))
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    try:
        if day == 0:
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day)
    except ValueError as error:
        raise InvalidInput(_l("The expiry date (17) is not a real date.")) from error
