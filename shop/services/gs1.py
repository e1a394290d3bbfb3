"""GS1 identifiers: GTIN check digits and normalisation to GTIN-14."""

from __future__ import annotations

from shop.services.errors import InvalidInput

GTIN_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it (weights 3,1,3,... from the right)."""
    if not body.isdigit():
        raise InvalidInput("A GTIN has digits only.")
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
        raise InvalidInput("This is not a valid GTIN: check the digits and the check digit.")
    return code.zfill(14)


def make_gtin14(company_prefix: str, item_reference: int, indicator: str = "0") -> str:
    """Build a GTIN-14 from a GS1 company prefix (Vietnam: 893...) and an item number."""
    body_len = 12 - len(company_prefix)
    body = f"{indicator}{company_prefix}{item_reference:0{body_len}d}"
    if len(body) != 13:
        raise InvalidInput("Item reference too long for this company prefix.")
    return body + str(check_digit(body))
