"""A cooperative's certificates: what it may file (a clean PDF or a photo, a number, an
issuer, dates that follow each other, one of its own products), what it may take back, how
the office decides them, and who may open a document before the office has verified it."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import gettext
from flask_login import AnonymousUserMixin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)

from shop.clock import utcnow
from shop.extensions import db
from shop.models import Certification, CertificationKind
from shop.services import certificates
from shop.services.certificates import MAX_PDF_BYTES, CertificateData
from shop.services.errors import Conflict, InvalidInput, NotFound
from tests import factories
from tests.services.test_refusals import refused
from tests.web.test_coop import png

START = date(2026, 1, 10)


def pdf(pages: int = 1, padding: int = 0) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if padding:
        stream = DecodedStreamObject()
        stream.set_data(b" " * padding)
        writer._root_object[NameObject("/Padding")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_of_exactly(size: int) -> bytes:
    padding = size - (len(pdf(padding=1000)) - 1000)
    data = pdf(padding=padding)
    data = pdf(padding=padding + size - len(data))
    assert len(data) == size
    return data


def pdf_with_page_actions() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([]),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def details(**fields) -> CertificateData:
    values = {
        "kind": CertificationKind.ORGANIC,
        "number": "HC-2026-77",
        "issuer": "QUACERT",
        "valid_from": START,
        "valid_to": START + timedelta(days=700),
    } | fields
    return CertificateData(**values)


def filed(coop, tmp_path, **fields) -> Certification:
    certificate = certificates.add(coop, details(**fields), pdf(), tmp_path)
    db.session.commit()
    return certificate


def stored(certificate: Certification) -> tuple:
    return (
        certificate.kind,
        certificate.number,
        certificate.issuer,
        certificate.valid_from,
        certificate.valid_to,
        certificate.cooperative_id,
        certificate.product_id,
        certificate.verified_at,
        certificate.verified_by_id,
        certificate.rejected_reason,
    )


def certificate_count() -> int:
    return db.session.query(Certification).count()


# --- The document --------------------------------------------------------------------------


def test_a_pdf_is_kept_under_a_fresh_name_in_a_folder_made_for_it(tmp_path):
    folder = tmp_path / "private" / "documents"
    name = certificates.save_document(pdf(), folder)
    assert re.fullmatch(r"d-[0-9a-f]{16}\.pdf", name)
    assert len(PdfReader(folder / name).pages) == 1
    assert certificates.save_document(pdf(), folder) != name


def test_a_photo_of_the_certificate_is_kept_re_encoded(tmp_path):
    name = certificates.save_document(png(), tmp_path / "documents")
    assert re.fullmatch(r"d-[0-9a-f]{16}\.webp", name)


def test_a_pdf_of_five_megabytes_is_taken_one_byte_more_is_not(tmp_path):
    assert certificates.save_document(pdf_of_exactly(MAX_PDF_BYTES), tmp_path)
    refused(
        InvalidInput,
        lambda: certificates.save_document(pdf_of_exactly(MAX_PDF_BYTES + 1), tmp_path),
        "The document is larger than 5 MB.",
    )


def test_a_certificate_of_twenty_pages_is_taken(tmp_path):
    name = certificates.save_document(pdf(pages=20), tmp_path)
    assert len(PdfReader(tmp_path / name).pages) == 20


@pytest.mark.parametrize("pages", [0, 21])
def test_a_pdf_without_pages_or_with_more_than_twenty_is_refused(tmp_path, pages):
    refused(
        InvalidInput,
        lambda: certificates.save_document(pdf(pages=pages), tmp_path),
        "A certificate has 1 to 20 pages.",
    )
    assert not list(tmp_path.iterdir())


def test_a_pdf_behind_a_password_is_refused(tmp_path):
    refused(
        InvalidInput,
        lambda: certificates.save_document(encrypted_pdf(), tmp_path),
        "Send a PDF without a password.",
    )


def test_a_pdf_we_cannot_read_is_refused(tmp_path):
    refused(
        InvalidInput,
        lambda: certificates.save_document(b"%PDF-1.7 nothing after", tmp_path),
        "This file is not a PDF we can read.",
    )


def test_a_page_loses_its_automatic_actions_and_its_annotations(tmp_path):
    name = certificates.save_document(pdf_with_page_actions(), tmp_path)
    [page] = PdfReader(tmp_path / name).pages
    assert "/AA" not in page and "/Annots" not in page
    assert b"app.alert" not in (tmp_path / name).read_bytes()


# --- Filing a certificate ------------------------------------------------------------------


def test_a_certificate_of_the_cooperative_waits_for_the_office(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path, number="  HC-1 ", issuer=" QUACERT  ")
    assert stored(certificate) == (
        CertificationKind.ORGANIC,
        "HC-1",
        "QUACERT",
        START,
        START + timedelta(days=700),
        catalog.viba.id,
        None,
        None,
        None,
        "",
    )
    assert certificate.is_pending and (tmp_path / certificate.document_path).is_file()


def test_a_certificate_of_one_product_is_held_by_the_product(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path, product_id=catalog.banana.id, valid_to=None)
    assert (certificate.cooperative_id, certificate.product_id, certificate.valid_to) == (
        None,
        catalog.banana.id,
        None,
    )
    assert certificates.holder(certificate) == catalog.viba.id


def test_the_number_and_the_issuer_are_cut_to_what_the_record_holds(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path, number="N" * 79 + "XY", issuer="I" * 199 + "XY")
    assert (certificate.number, certificate.issuer) == ("N" * 79 + "X", "I" * 199 + "X")


def test_a_certificate_valid_for_one_day_is_taken(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path, valid_to=START)
    assert (certificate.valid_from, certificate.valid_to) == (START, START)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "  "}, "Give the certificate's number and issuer."),
        ({"issuer": "\t"}, "Give the certificate's number and issuer."),
        ({"valid_to": START - timedelta(days=1)}, "The certificate ends before it starts."),
    ],
)
def test_a_certificate_missing_its_details_is_refused(catalog, tmp_path, fields, message):
    refused(
        InvalidInput,
        lambda: certificates.add(catalog.viba, details(**fields), pdf(), tmp_path),
        message,
    )
    assert certificate_count() == 1 and not list(tmp_path.iterdir())


def test_a_certificate_for_a_product_of_another_cooperative_is_refused(catalog, tmp_path):
    for product_id in (catalog.tea.id, 999_999):
        refused(
            NotFound,
            lambda p=product_id: certificates.add(
                catalog.viba, details(product_id=p), pdf(), tmp_path
            ),
            "No such product.",
        )
    assert certificate_count() == 1


def test_a_certificate_without_its_document_is_refused(catalog, tmp_path):
    refused(
        InvalidInput,
        lambda: certificates.add(catalog.viba, details(), b"", tmp_path),
        "Attach the certificate (PDF or photo).",
    )
    assert certificate_count() == 1


# --- The cooperative's list, and taking one back -------------------------------------------


def test_a_cooperative_sees_its_own_and_its_products_certificates_newest_first(catalog, tmp_path):
    viba = catalog.viba
    [demo] = viba.certifications
    own = filed(viba, tmp_path, number="OWN")
    of_banana = filed(viba, tmp_path, number="BANANA", product_id=catalog.banana.id)
    same_moment = filed(viba, tmp_path, number="SAME")
    older = filed(viba, tmp_path, number="OLDER")
    filed(catalog.thai_son, tmp_path, number="TEA", product_id=catalog.tea.id)
    filed(catalog.thai_son, tmp_path, number="THAI-SON")
    moment = datetime(2026, 3, 1, 8, tzinfo=UTC)
    demo.created_at = moment - timedelta(days=30)
    older.created_at = moment - timedelta(days=1)
    own.created_at = of_banana.created_at = same_moment.created_at = moment
    db.session.commit()
    listed = certificates.of_cooperative(viba)
    assert [c.number for c in listed] == ["SAME", "BANANA", "OWN", "OLDER", "VG-1"]


def test_a_certificate_not_yet_verified_is_taken_back(catalog, tmp_path):
    waiting = filed(catalog.viba, tmp_path, product_id=catalog.banana.id)
    kept = filed(catalog.viba, tmp_path, number="KEPT")
    certificates.withdraw(catalog.viba, waiting.id)
    db.session.commit()
    assert [c.number for c in certificates.of_cooperative(catalog.viba)] == ["KEPT", "VG-1"]
    assert db.session.get(Certification, kept.id) is kept


def test_a_refused_certificate_is_taken_back_too(catalog, tmp_path):
    bad = filed(catalog.viba, tmp_path)
    certificates.reject(bad.id, "Số không khớp")
    certificates.withdraw(catalog.viba, bad.id)
    db.session.commit()
    assert db.session.get(Certification, bad.id) is None


def test_a_verified_certificate_stays_on_record(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path)
    certificates.verify(certificate.id, factories.user("admin"))
    refused(
        Conflict,
        lambda: certificates.withdraw(catalog.viba, certificate.id),
        "A verified certificate stays on record; add its renewal instead.",
    )
    db.session.commit()
    assert db.session.get(Certification, certificate.id) is certificate


def test_another_cooperative_s_certificate_is_out_of_reach(catalog, tmp_path):
    theirs = filed(catalog.thai_son, tmp_path, number="THAI-SON")
    of_their_product = filed(catalog.thai_son, tmp_path, product_id=catalog.tea.id)
    for certificate_id in (theirs.id, of_their_product.id, 999_999):
        refused(
            NotFound,
            lambda i=certificate_id: certificates.owned(catalog.viba, i),
            "No such certificate.",
        )
        refused(
            NotFound,
            lambda i=certificate_id: certificates.withdraw(catalog.viba, i),
            "No such certificate.",
        )
    assert certificates.owned(catalog.thai_son, of_their_product.id) is of_their_product
    assert certificate_count() == 3


# --- The office's decision -----------------------------------------------------------------


def test_the_office_sees_the_waiting_certificates_oldest_first(catalog, tmp_path):
    first = filed(catalog.viba, tmp_path, number="FIRST")
    second = filed(catalog.thai_son, tmp_path, number="SECOND", product_id=catalog.tea.id)
    same_moment = filed(catalog.viba, tmp_path, number="SAME")
    verified = filed(catalog.viba, tmp_path, number="VERIFIED")
    rejected = filed(catalog.viba, tmp_path, number="REJECTED")
    filed_last = filed(catalog.thai_son, tmp_path, number="FILED LAST, DATED FIRST")
    moment = datetime(2026, 3, 1, 8, tzinfo=UTC)
    filed_last.created_at = moment
    first.created_at = moment + timedelta(hours=1)
    second.created_at = same_moment.created_at = moment + timedelta(hours=2)
    verified.created_at = rejected.created_at = moment
    certificates.verify(verified.id, factories.user("admin"))
    certificates.reject(rejected.id, "Hết hạn")
    db.session.commit()
    assert [c.number for c in certificates.pending()] == [
        "FILED LAST, DATED FIRST",
        "FIRST",
        "SECOND",
        "SAME",
    ]


def test_the_office_verifies_a_certificate_by_name_and_moment(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path)
    office = factories.user("admin")
    before = utcnow()
    assert certificates.verify(certificate.id, office) is certificate
    assert certificate.verified_by_id == office.id
    assert before <= certificate.verified_at <= utcnow()
    assert certificate.rejected_reason == "" and not certificate.is_pending


def test_the_office_refuses_a_certificate_with_its_reason(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path)
    for reason in ("", "  \n", None):
        refused(
            InvalidInput,
            lambda r=reason: certificates.reject(certificate.id, r),
            "Give the reason; the cooperative will read it.",
        )
    assert certificate.is_pending
    assert certificates.reject(certificate.id, "  Số không khớp  ") is certificate
    assert (certificate.rejected_reason, certificate.verified_at) == ("Số không khớp", None)


def test_a_refusal_s_reason_is_kept_to_300_characters(catalog, tmp_path):
    certificate = filed(catalog.viba, tmp_path)
    certificates.reject(certificate.id, "x" * 299 + "yz")
    assert certificate.rejected_reason == "x" * 299 + "y"


def test_a_decided_or_unknown_certificate_is_not_decided_again(catalog, tmp_path):
    office = factories.user("admin")
    verified = filed(catalog.viba, tmp_path, number="VERIFIED")
    rejected = filed(catalog.viba, tmp_path, number="REJECTED")
    certificates.verify(verified.id, office)
    certificates.reject(rejected.id, "Hết hạn")
    db.session.commit()
    before = stored(verified), stored(rejected)
    for certificate_id in (verified.id, rejected.id):
        message = "This certificate has already been decided."
        refused(Conflict, lambda i=certificate_id: certificates.verify(i, office), message)
        refused(Conflict, lambda i=certificate_id: certificates.reject(i, "x"), message)
    refused(NotFound, lambda: certificates.verify(999_999, office), "No such certificate.")
    refused(NotFound, lambda: certificates.reject(999_999, "x"), "No such certificate.")
    assert (stored(verified), stored(rejected)) == before


# --- Who opens a document ------------------------------------------------------------------


def readers(catalog) -> dict:
    return {
        "anonymous": AnonymousUserMixin(),
        "nobody": None,
        "buyer": factories.user(),
        "office": factories.user("admin"),
        "viba": factories.user("member", cooperative=catalog.viba),
        "thai_son": factories.user("member", cooperative=catalog.thai_son),
    }


def who_may_open(certificate: Certification, people: dict) -> list[str]:
    allowed = []
    for name, person in people.items():
        try:
            assert certificates.document_for(certificate.id, person) is certificate
        except NotFound as error:
            assert str(error) == gettext("No such document.")
        else:
            allowed.append(name)
    return allowed


def test_before_verification_only_the_holder_and_the_office_open_the_document(catalog, tmp_path):
    people = readers(catalog)
    own = filed(catalog.viba, tmp_path)
    of_banana = filed(catalog.viba, tmp_path, product_id=catalog.banana.id)
    assert who_may_open(own, people) == ["office", "viba"]
    assert who_may_open(of_banana, people) == ["office", "viba"]


def test_once_verified_anyone_opens_the_document(catalog, tmp_path):
    people = readers(catalog)
    certificate = filed(catalog.viba, tmp_path, product_id=catalog.banana.id)
    certificates.verify(certificate.id, people["office"])
    assert who_may_open(certificate, people) == list(people)


def test_a_refused_certificate_s_document_stays_with_its_holder_and_the_office(catalog, tmp_path):
    people = readers(catalog)
    certificate = filed(catalog.thai_son, tmp_path)
    certificates.reject(certificate.id, "Hết hạn")
    assert who_may_open(certificate, people) == ["office", "thai_son"]


def test_a_certificate_without_a_document_has_none_to_open(catalog):
    people = readers(catalog)
    [demo] = catalog.viba.certifications
    assert demo.document_path == "" and who_may_open(demo, people) == []
    refused(
        NotFound,
        lambda: certificates.document_for(999_999, people["office"]),
        "No such document.",
    )
