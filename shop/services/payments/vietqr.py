"""VietQR bank transfers: an EMVCo QR with the exact amount and the order number as purpose."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from shop.extensions import db
from shop.models import Order, Payment, Provider, Refund
from shop.services import orders
from shop.services.errors import InvalidInput, NotFound
from shop.services.payments.base import EventResult, Urls
from shop.services.text import fold

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
MAX_PURPOSE = 25


@dataclass(frozen=True)
class BankAccount:
    bin: str  # the bank's 6-digit NAPAS BIN, e.g. 970436 (Vietcombank)
    number: str
    name: str


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise InvalidInput("EMVCo field too long.")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo QR codes use."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def purpose_of(order: Order) -> str:
    """The transfer message: ASCII, at most 25 characters, naming the order."""
    return fold(order.number or "").upper().replace(" ", "")[:MAX_PURPOSE] or "OCOP"


def payload(account: BankAccount, amount: int, purpose: str) -> str:
    """The EMVCo merchant-presented QR payload any Vietnamese banking app can pay."""
    if not (purpose.isascii() and len(purpose) <= MAX_PURPOSE):
        raise InvalidInput("The transfer purpose must be ASCII, 25 characters at most.")
    beneficiary = _tlv("00", account.bin) + _tlv("01", account.number)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (
        _tlv("00", "01")
        + _tlv("01", "12")  # dynamic: this QR is for one amount
        + _tlv("38", merchant)
        + _tlv("53", "704")
        + _tlv("54", str(amount))
        + _tlv("58", "VN")
        + _tlv("62", _tlv("08", purpose))
        + "6304"
    )
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


class VietQrTransfer:
    def __init__(self, account: BankAccount):
        self.account = account

    def start(self, order: Order, urls: Urls) -> Payment:
        """The transfer the order waits for; each transfer received is a payment of its own."""
        reference = f"vietqr-{order.number}"
        existing = next((p for p in order.payments if p.reference == reference), None)
        if existing is not None:
            return existing
        payment = Payment(
            order=order,
            provider=Provider.VIETQR,
            amount=order.total,
            reference=reference,
        )
        db.session.add(payment)
        db.session.flush()
        return payment

    def qr_payload(self, order: Order) -> str:
        """The QR for what is still missing (all of it, or the rest after a part transfer)."""
        return payload(self.account, order.amount_missing or order.total, purpose_of(order))

    def handle_event(self, payload: bytes, signature: str | None) -> EventResult:
        raise NotFound(_l("Bank transfers are recorded by the office."))

    def send_refund(self, refund: Refund) -> None:
        """Transfers go back by hand: the refund stays owed until the office records it."""

    def cancel(self, payment: Payment) -> None:
        return None


def mark_transfer_received(order: Order, amount: int) -> None:
    """The office saw a transfer for the order on the bank statement (it may be one of several);
    ``orders.receive_transfer`` refuses an order paid otherwise."""
    orders.receive_transfer(order, amount)
