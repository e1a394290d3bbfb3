"""Certificates a cooperative holds (VietGAP, organic, HACCP...): added by the cooperative
with its document, verified by the OCOP office, shown to buyers only while verified and valid."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import NameObject

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Certification, CertificationKind, Cooperative, Product, Role, User
from shop.services import images
from shop.services.errors import Conflict, InvalidInput, NotFound

MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 20
# What a PDF may carry that runs or opens something by itself; none of it is kept.
ACTIVE_KEYS = ("/OpenAction", "/AA", "/JavaScript", "/EmbeddedFiles", "/AcroForm", "/URI")


@dataclass(frozen=True)
class CertificateData:
    kind: CertificationKind
    number: str
    issuer: str
    valid_from: date
    valid_to: date | None
    product_id: int | None = None


def _clean_pdf(data: bytes) -> bytes:
    """Open the PDF, refuse what is not a plain document, and write its pages out again
    without scripts, automatic actions, attachments or forms."""
    if len(data) > MAX_PDF_BYTES:
        raise InvalidInput(_l("The document is larger than 5 MB."))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InvalidInput(_l("Send a PDF without a password."))
        if not 1 <= len(reader.pages) <= MAX_PDF_PAGES:
            raise InvalidInput(_l("A certificate has 1 to 20 pages."))
        writer = PdfWriter()
        for page in reader.pages:
            for key in ("/AA", "/Annots"):
                if key in page:
                    del page[NameObject(key)]
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise InvalidInput(_l("This file is not a PDF we can read.")) from error
    return out.getvalue()


def save_document(data: bytes, document_dir: Path) -> str:
    """A PDF (rewritten clean) or a photo (re-encoded); the stored file's name."""
    if data[:5] == b"%PDF-":
        clean = _clean_pdf(data)
        document_dir.mkdir(parents=True, exist_ok=True)
        name = f"d-{secrets.token_hex(8)}.pdf"
        (document_dir / name).write_bytes(clean)
        return name
    return images.save_document_image(data, document_dir).path


def _check(coop: Cooperative, data: CertificateData) -> Product | None:
    if not data.number.strip() or not data.issuer.strip():
        raise InvalidInput(_l("Give the certificate's number and issuer."))
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise InvalidInput(_l("The certificate ends before it starts."))
    if data.product_id is None:
        return None
    product = db.session.get(Product, data.product_id)
    if product is None or product.cooperative_id != coop.id:
        raise NotFound(_l("No such product."))
    return product


def add(
    coop: Cooperative, data: CertificateData, document: bytes, document_dir: Path
) -> Certification:
    """A new certificate (or a renewal: a new one for the same kind), waiting for the office."""
    product = _check(coop, data)
    if not document:
        raise InvalidInput(_l("Attach the certificate (PDF or photo)."))
    certificate = Certification(
        kind=data.kind,
        number=data.number.strip()[:80],
        issuer=data.issuer.strip()[:200],
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        cooperative=None if product else coop,
        product=product,
        document_path=save_document(document, document_dir),
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def of_cooperative(coop: Cooperative) -> list[Certification]:
    """Every certificate of the cooperative and of its products, newest first."""
    return list(
        db.session.scalars(
            sa.select(Certification)
            .outerjoin(Certification.product)
            .where(
                sa.or_(Certification.cooperative_id == coop.id, Product.cooperative_id == coop.id)
            )
            .order_by(Certification.created_at.desc(), Certification.id.desc())
        )
    )


def owned(coop: Cooperative, certificate_id: int) -> Certification:
    certificate = db.session.get(Certification, certificate_id)
    if certificate is None or holder(certificate) != coop.id:
        raise NotFound(_l("No such certificate."))
    return certificate


def holder(certificate: Certification) -> int:
    """The id of the cooperative holding the certificate, itself or through a product."""
    if certificate.cooperative_id is not None:
        return certificate.cooperative_id
    return certificate.product.cooperative_id


def withdraw(coop: Cooperative, certificate_id: int) -> None:
    """The cooperative takes back a certificate the office has not verified yet."""
    certificate = owned(coop, certificate_id)
    if certificate.verified_at is not None:
        raise Conflict(_l("A verified certificate stays on record; add its renewal instead."))
    db.session.delete(certificate)


def pending() -> list[Certification]:
    """Certificates waiting for the office, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Certification)
            .where(Certification.verified_at.is_(None), Certification.rejected_reason == "")
            .order_by(Certification.created_at, Certification.id)
        )
    )


def _waiting(certificate_id: int) -> Certification:
    certificate = db.session.get(Certification, certificate_id)
    if certificate is None:
        raise NotFound(_l("No such certificate."))
    if not certificate.is_pending:
        raise Conflict(_l("This certificate has already been decided."))
    return certificate


def verify(certificate_id: int, by: User) -> Certification:
    """The office checked the document against the issuer: buyers now see the certificate."""
    certificate = _waiting(certificate_id)
    certificate.verified_at, certificate.verified_by_id = utcnow(), by.id
    return certificate


def reject(certificate_id: int, reason: str) -> Certification:
    certificate = _waiting(certificate_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason; the cooperative will read it."))
    certificate.rejected_reason = reason[:300]
    return certificate


def document_for(certificate_id: int, user) -> Certification:
    """The certificate whose document ``user`` may open: anyone once verified, before that
    only the cooperative holding it and the office."""
    certificate = db.session.get(Certification, certificate_id)
    if certificate is None or not certificate.document_path:
        raise NotFound(_l("No such document."))
    if certificate.verified_at is not None:
        return certificate
    role = getattr(user, "role", None)
    if role is Role.ADMIN:
        return certificate
    if role is Role.MEMBER and user.cooperative_id == holder(certificate):
        return certificate
    raise NotFound(_l("No such document."))
