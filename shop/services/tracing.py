"""Lots, trace events, serialized units and scans: the rules behind a package's QR code."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop.extensions import db
from shop.models import BizStep, Lot, Product, Scan, TraceEvent, Unit
from shop.services import gs1
from shop.services.errors import Conflict, InvalidInput, NotFound

# No 0/O, 1/I/L: a shopper reading the serial aloud or typing it cannot confuse them.
SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SERIAL_LENGTH = 10
MAX_UNITS_PER_CALL = 10_000
# Link-preview robots fetch a URL when it is pasted in a chat; they are not shoppers.
BOT_MARKERS = (
    "bot",
    "crawler",
    "spider",
    "facebookexternalhit",
    "facebot",
    "whatsapp",
    "preview",
    "embedly",
    "slurp",
    "python-requests",
    "curl/",
    "wget/",
)


# --- Finding what a code points at -------------------------------------------------------


def product_by_gtin(gtin: str) -> Product:
    """The product with this GTIN (any length; check digit verified), or NotFound."""
    if not gs1.is_valid_gtin(gtin):
        raise NotFound(_l("This code is not a valid GTIN: its check digit does not match."))
    # With its producer, whom every answer names; what only the page's story shows (photos,
    # ratings, certificates) is loaded when the story is rendered, not when it is cached.
    product = db.session.scalar(
        sa.select(Product)
        .where(Product.gtin == gtin.zfill(14))
        .options(joinedload(Product.cooperative))
    )
    if product is None:
        raise NotFound(_l("No product in this shop carries this GTIN."))
    return product


def lot_of(product: Product, code: str) -> Lot:
    if not gs1.is_valid_attribute(code):
        raise NotFound(_l("This lot code is not valid."))
    lot = db.session.scalar(sa.select(Lot).where(Lot.product_id == product.id, Lot.code == code))
    if lot is None:
        raise NotFound(_l("This product has no lot with this code."))
    return lot


def unit_of(lot: Lot, serial: str) -> Unit:
    if not gs1.is_valid_attribute(serial):
        raise NotFound(_l("This serial number is not valid."))
    unit = db.session.scalar(
        sa.select(Unit).where(
            Unit.product_id == lot.product_id, Unit.lot_id == lot.id, Unit.serial == serial
        )
    )
    if unit is None:
        raise NotFound(_l("No package of this lot has this serial number."))
    return unit


def lots_of(product: Product, limit: int = 10) -> list[Lot]:
    query = (
        sa.select(Lot)
        .where(Lot.product_id == product.id)
        .order_by(Lot.produced_on.desc().nulls_last(), Lot.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- Recording lots, events and units ---------------------------------------------------


def create_lot(product: Product, code: str, **fields) -> Lot:
    """A new lot of ``product``; the code is unique per product and GS1-encodable."""
    code = code.strip()
    # "/" and "?" are GS1-legal but would need escaping in every printed URI: refuse them.
    if not gs1.is_valid_attribute(code) or any(ch in code for ch in "/?"):
        raise InvalidInput(
            _l(
                "A lot code has 1 to 20 characters: letters without accents, digits and"
                " punctuation such as - . _ (no spaces)."
            )
        )
    exists = sa.select(Lot.id).where(Lot.product_id == product.id, Lot.code == code)
    if db.session.scalar(exists) is not None:
        raise Conflict(_l("This product already has a lot with this code."))
    _check_lot_dates(fields.get("produced_on"), fields.get("packed_on"), fields.get("best_before"))
    lot = Lot(product=product, code=code, **fields)
    db.session.add(lot)
    db.session.flush()
    return lot


def _check_lot_dates(produced: date | None, packed: date | None, best_before: date | None):
    if produced and packed and packed < produced:
        raise InvalidInput(_l("The packing date cannot be before the production date."))
    if best_before and (packed or produced) and best_before < (packed or produced):
        raise InvalidInput(_l("The best-before date cannot be before packing."))


def add_event(lot: Lot, biz_step: BizStep, occurred_at: datetime, **fields) -> TraceEvent:
    """Record one step of the lot's journey; the time must carry its time zone."""
    if occurred_at.tzinfo is None:
        raise InvalidInput(_l("An event time needs its time zone."))
    offset = occurred_at.strftime("%z")
    event = TraceEvent(
        lot=lot,
        biz_step=biz_step,
        occurred_at=occurred_at,
        utc_offset=f"{offset[:3]}:{offset[3:]}",
        **fields,
    )
    db.session.add(event)
    db.session.flush()
    return event


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def generate_units(lot: Lot, count: int) -> list[Unit]:
    """Make ``count`` unguessable serials for a lot, unique for the product's GTIN.

    Only an approved cooperative speaks for its packages: before the office approves it,
    no serial (and so no label) can be made."""
    if not lot.product.cooperative.approved:
        raise Conflict(
            _l("Labels can be printed once the OCOP office has approved your cooperative.")
        )
    if not 1 <= count <= MAX_UNITS_PER_CALL:
        raise InvalidInput(
            _l("Generate between 1 and %(n)s serials at a time.", n=MAX_UNITS_PER_CALL)
        )
    taken = set(db.session.scalars(sa.select(Unit.serial).where(Unit.product_id == lot.product_id)))
    serials: list[str] = []
    while len(serials) < count:
        serial = new_serial()
        if serial not in taken:  # 31^10 codes: a clash is rare, but it must not pass
            taken.add(serial)
            serials.append(serial)
    units = [Unit(product_id=lot.product_id, lot_id=lot.id, serial=s) for s in serials]
    db.session.add_all(units)
    db.session.flush()
    return units


# --- Scans -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanSummary:
    count: int  # scans by distinct phones (a reload is not a scan)
    first_scanned_at: datetime | None
    devices: int = 0
    networks: int = 0
    last_scanned_at: datetime | None = None
    last_network: str = ""  # coarsened for the public page: see ``public_network``

    def suspicious(self, threshold: int) -> bool:
        """Many phones on more than one network: the sign of a copied label, never reloads."""
        return self.devices > threshold and self.networks > 1


def is_robot(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def network_of(address: str | None) -> str:
    """The visitor's network (IPv4 /24, IPv6 /48), never the address itself."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def device_of(cookie: str) -> str:
    """What is kept of the phone's cookie: a hash, so the cookie itself is never stored."""
    return hashlib.sha256(cookie.encode()).hexdigest()[:32] if cookie else ""


def record_scan(unit: Unit, *, address: str | None, language: str = "", device: str = "") -> bool:
    """Count a scan by a phone once: a reload by the same phone is not a new scan.
    No raw IP address is kept, only its network. True when this scan was counted."""
    if device and db.session.scalar(
        sa.select(Scan.id).where(Scan.unit_id == unit.id, Scan.device == device).limit(1)
    ):
        return False
    db.session.add(
        Scan(
            unit_id=unit.id,
            lot_id=unit.lot_id,
            network=network_of(address),
            language=language[:10],
            device=device,
        )
    )
    db.session.flush()
    return True


def scan_summary(unit: Unit) -> ScanSummary:
    """Scans, distinct phones and networks of one code (older scans without a phone count
    as a phone each)."""
    count, first, networks = db.session.execute(
        sa.select(
            sa.func.count(Scan.id),
            sa.func.min(Scan.scanned_at),
            sa.func.count(sa.distinct(Scan.network)),
        ).where(Scan.unit_id == unit.id)
    ).one()
    last = db.session.execute(
        sa.select(Scan.scanned_at, Scan.network)
        .where(Scan.unit_id == unit.id)
        .order_by(Scan.scanned_at.desc(), Scan.id.desc())
        .limit(1)
    ).first()
    return ScanSummary(
        count,
        first,
        devices=count,
        networks=networks,
        last_scanned_at=last[0] if last else None,
        last_network=public_network(last[1]) if last else "",
    )


def public_network(network: str) -> str:
    """Where a scan came from, as the public page may say it: the provider's block (IPv4
    /16, IPv6 /32), never the /24 that is kept, let alone an address."""
    try:
        block = ipaddress.ip_network(network, strict=False)
    except ValueError:
        return ""
    wider = block.supernet(new_prefix=16 if block.version == 4 else 32)
    if block.version == 4:
        first, second = str(wider.network_address).split(".")[:2]
        return f"{first}.{second}.x.x"
    return str(wider)


@dataclass(frozen=True)
class UnitScans:
    serial: str
    scans: int
    networks: list[str]


def lot_scan_report(lot: Lot, threshold: int) -> tuple[int, int, list[UnitScans]]:
    """(scans by distinct phones, units scanned, units scanned by more than ``threshold``
    phones on more than one network, with those networks)."""
    per_unit = db.session.execute(
        sa.select(
            Unit.id, Unit.serial, sa.func.count(Scan.id), sa.func.count(sa.distinct(Scan.network))
        )
        .join(Scan, Scan.unit_id == Unit.id)
        .where(Scan.lot_id == lot.id)
        .group_by(Unit.id, Unit.serial)
    ).all()
    unusual_ids = {
        uid: serial
        for uid, serial, n, nets in per_unit
        if ScanSummary(n, None, n, nets).suspicious(threshold)
    }
    networks: dict[int, set[str]] = {uid: set() for uid in unusual_ids}
    if unusual_ids:
        rows = db.session.execute(
            sa.select(Scan.unit_id, Scan.network).where(Scan.unit_id.in_(unusual_ids)).distinct()
        )
        for uid, network in rows:
            networks[uid].add(network or "?")
    unusual = [
        UnitScans(unusual_ids[uid], n, sorted(networks[uid]))
        for uid, _, n, _ in per_unit
        if uid in unusual_ids
    ]
    total = sum(n for _, _, n, _ in per_unit)
    return total, len(per_unit), sorted(unusual, key=lambda u: -u.scans)
