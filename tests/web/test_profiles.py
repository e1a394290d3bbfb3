"""A cooperative's own profile, payout account and certificates, and the office's checks."""

import io
from datetime import timedelta

import pytest
from reportlab.pdfgen import canvas

from shop.clock import today
from shop.extensions import db
from shop.models import BankAccountState, Certification, Cooperative, Role
from tests import factories
from tests.factories import sign_in
from tests.web.test_coop import png


@pytest.fixture
def owner(client, catalog):
    account = factories.user("member", cooperative=catalog.viba)
    account.is_owner = True
    db.session.commit()
    sign_in(client, account)
    return account


@pytest.fixture
def folders(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["DOCUMENT_DIR"] = str(tmp_path / "documents")
    return tmp_path


def pdf(script: bool = False) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Giấy chứng nhận VietGAP số VG-2026-01")
    page.showPage()
    page.save()
    data = buffer.getvalue()
    if script:  # an automatic action in the document catalogue, as malicious PDFs carry
        data = data.replace(
            b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
        )
    return data


def cert_form(document: bytes, name="cert.pdf", **overrides):
    return {
        "kind": "organic",
        "number": "HC-2026-77",
        "issuer": "Trung tâm Chứng nhận Phù hợp (QUACERT)",
        "valid_from": (today() - timedelta(days=10)).isoformat(),
        "valid_to": (today() + timedelta(days=700)).isoformat(),
        "product": "",
        "document": (io.BytesIO(document), name),
    } | overrides


def office(client):
    client.post("/account/logout")
    admin = factories.user("admin")
    sign_in(client, admin)
    return admin


def profile_form(**overrides):
    return {
        "story_vi": "Chuối tiêu hồng trồng trên đất đồi Hòa Bình.",
        "story_en": "Pink bananas from the hills of Hoa Binh.",
        "address": "Xóm Bãi, xã Liên Sơn",
        "commune": "Xã Liên Sơn",
        "phone": "0912 345 678",
        "registration_number": "5400 123 456",
        "zalo_url": "https://zalo.me/0912345678",
        "facebook_url": "https://www.facebook.com/chuoiviba",
        "website_url": "https://chuoiviba.vn",
        "latitude": "20.813700",
        "longitude": "105.338300",
    } | overrides


def test_profile_is_saved_and_shown_on_the_public_page(client, owner, catalog, folders):
    response = client.post(
        "/coop/profile", data=profile_form() | {"logo": (io.BytesIO(png()), "logo.png")}
    )
    assert response.status_code == 303
    coop = db.session.get(Cooperative, catalog.viba.id)
    assert coop.registration_number == "5400123456"
    assert coop.logo_path.endswith("-logo.webp")
    assert (folders / "uploads" / coop.logo_path.removeprefix("uploads/")).exists()
    page = client.get("/cooperatives/viba").get_data(as_text=True)
    for shown in ("5400123456", "https://zalo.me/0912345678", "https://chuoiviba.vn",
                  "mlat=20.813700", "Chuối tiêu hồng trồng trên đất đồi"):  # fmt: skip
        assert shown in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("zalo_url", "https://evil.example/zalo", "zalo.me"),
        ("facebook_url", "javascript:alert(1)", "https://"),
        ("website_url", "http://chuoiviba.vn", "https://"),
        ("registration_number", "12-34", "10"),
        ("latitude", "51.5", "Vĩ độ"),
        ("longitude", "", "cả vĩ độ và kinh độ"),
    ],
)
def test_profile_refuses_bad_fields(client, owner, catalog, field, value, message):
    response = client.post("/coop/profile", data=profile_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.get(Cooperative, catalog.viba.id).registration_number != "5400123456"


def test_a_new_bank_account_waits_for_the_office(client, owner, catalog):
    form = {
        "bank_bin": "970405",
        "account_number": "3100 2050 12345",
        "account_name": "Hợp tác xã Chuối Viba",
    }
    assert client.post("/coop/profile/bank-account", data=form).status_code == 303
    coop = db.session.get(Cooperative, catalog.viba.id)
    assert coop.bank_account is None
    pending = coop.pending_bank_account
    assert (pending.account_number, pending.account_name) == (
        "3100205012345",
        "HOP TAC XA CHUOI VIBA",
    )
    assert "Đang chờ Văn phòng OCOP xác nhận" in client.get("/coop/profile").get_data(as_text=True)

    office(client)
    assert "3100205012345" in client.get("/admin/papers").get_data(as_text=True)
    assert client.post(f"/admin/bank-accounts/{pending.id}/accept").status_code == 303
    db.session.expire_all()
    assert db.session.get(Cooperative, catalog.viba.id).bank_account.id == pending.id
    # Deciding twice is refused.
    assert client.post(f"/admin/bank-accounts/{pending.id}/accept").status_code == 409


def test_confirming_a_new_account_replaces_the_old_one(client, owner, catalog):
    for number in ("111111111", "222222222"):
        client.post(
            "/coop/profile/bank-account",
            data={"bank_bin": "970436", "account_number": number, "account_name": "HTX VIBA"},
        )
        account = db.session.get(Cooperative, catalog.viba.id).pending_bank_account
        admin = factories.user("admin")
        from shop.services import profiles

        profiles.confirm_bank_account(account.id, admin)
        db.session.commit()
    states = {
        a.account_number: a.state
        for a in db.session.get(Cooperative, catalog.viba.id).bank_accounts
    }
    assert states == {
        "111111111": BankAccountState.REPLACED,
        "222222222": BankAccountState.CONFIRMED,
    }


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"bank_bin": "123456", "account_number": "123456789", "account_name": "A"}, 400),
        ({"bank_bin": "970436", "account_number": "12ab", "account_name": "A"}, 400),
        ({"bank_bin": "970436", "account_number": "123456789", "account_name": ""}, 400),
    ],
)
def test_bad_bank_accounts_are_refused(client, owner, catalog, form, status):
    assert client.post("/coop/profile/bank-account", data=form).status_code == status
    assert db.session.get(Cooperative, catalog.viba.id).bank_accounts == []


def test_only_the_owner_changes_the_bank_account(client, catalog):
    sign_in(client, factories.user("member", cooperative=catalog.viba))
    form = {"bank_bin": "970436", "account_number": "123456789", "account_name": "X"}
    assert client.post("/coop/profile/bank-account", data=form).status_code == 403


def test_a_certificate_is_shown_only_once_verified(client, owner, catalog, folders):
    response = client.post("/coop/certificates", data=cert_form(pdf()))
    assert response.status_code == 303
    certificate = db.session.query(Certification).filter_by(number="HC-2026-77").one()
    assert certificate.is_pending and certificate.document_path.endswith(".pdf")
    document_url = f"/certificates/{certificate.id}/document"
    assert client.get(document_url).status_code == 200  # its cooperative may open it

    client.post("/account/logout")
    assert "HC-2026-77" not in client.get("/products/chuoi-say").get_data(as_text=True)
    assert client.get(document_url).status_code == 404  # nobody else, before verification

    office(client)
    assert "HC-2026-77" in client.get("/admin/papers").get_data(as_text=True)
    assert client.post(f"/admin/certificates/{certificate.id}/accept").status_code == 303
    client.post("/account/logout")
    for url in ("/products/chuoi-say", "/cooperatives/viba"):
        page = client.get(url).get_data(as_text=True)
        assert "HC-2026-77" in page and document_url in page
    served = client.get(document_url)
    assert served.status_code == 200 and served.data.startswith(b"%PDF-")


def test_a_pdf_loses_its_scripts_and_an_image_is_re_encoded(client, owner, catalog, folders):
    client.post("/coop/certificates", data=cert_form(pdf(script=True), number="JS-1"))
    stored = db.session.query(Certification).filter_by(number="JS-1").one()
    data = (folders / "documents" / stored.document_path).read_bytes()
    assert b"/OpenAction" not in data and b"JavaScript" not in data and b"/Page" in data

    client.post("/coop/certificates", data=cert_form(png(), "scan.png", number="IMG-1"))
    stored = db.session.query(Certification).filter_by(number="IMG-1").one()
    assert stored.document_path.endswith(".webp")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"document": (b"%PDF-1.7 not really", "x.pdf")}, "không phải PDF"),
        ({"document": (b"MZ\x90\x00", "x.exe")}, "không phải là ảnh"),
        ({"document": (b"", "")}, "Đính kèm"),
        ({"valid_to": (today() - timedelta(days=20)).isoformat()}, "kết thúc trước"),
        ({"kind": "halal"}, "Lựa chọn không hợp lệ"),
    ],
)
def test_bad_certificates_are_refused(client, owner, catalog, folders, overrides, message):
    if "document" in overrides:  # a fresh file each run: the client closes what it sends
        content, name = overrides["document"]
        overrides = {"document": (io.BytesIO(content), name)}
    response = client.post("/coop/certificates", data=cert_form(pdf()) | overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(Certification).filter_by(number="HC-2026-77").count() == 0


def test_expired_or_refused_certificates_are_not_shown(client, owner, catalog, folders):
    client.post(
        "/coop/certificates",
        data=cert_form(
            pdf(),
            number="OLD-1",
            valid_from=(today() - timedelta(days=800)).isoformat(),
            valid_to=(today() - timedelta(days=1)).isoformat(),
        ),
    )
    client.post("/coop/certificates", data=cert_form(pdf(), number="BAD-1"))
    old = db.session.query(Certification).filter_by(number="OLD-1").one()
    bad = db.session.query(Certification).filter_by(number="BAD-1").one()
    office(client)
    client.post(f"/admin/certificates/{old.id}/accept")
    assert (
        client.post(f"/admin/certificates/{bad.id}/refuse", data={"reason": ""}).status_code == 400
    )
    client.post(
        f"/admin/certificates/{bad.id}/refuse", data={"reason": "Số không khớp với QUACERT"}
    )
    client.post("/account/logout")
    client.get("/")  # shows the office's last flash message
    page = client.get("/cooperatives/viba").get_data(as_text=True)
    assert "VG-1" in page and "OLD-1" not in page and "BAD-1" not in page
    sign_in(client, owner)
    mine = client.get("/coop/certificates").get_data(as_text=True)
    assert "Số không khớp với QUACERT" in mine and "Hết hạn" in mine


def test_certificates_of_another_cooperative_are_out_of_reach(client, owner, catalog, folders):
    theirs = Certification(
        kind="vietgap", number="TS-1", issuer="X", valid_from=today(), cooperative=catalog.thai_son
    )
    db.session.add(theirs)
    db.session.commit()
    assert client.post(f"/coop/certificates/{theirs.id}/withdraw").status_code == 404
    response = client.post("/coop/certificates", data=cert_form(pdf(), product=str(catalog.tea.id)))
    assert response.status_code == 400  # not one of this cooperative's products: not a choice
    verified = db.session.query(Certification).filter_by(number="VG-1").one()
    assert client.post(f"/coop/certificates/{verified.id}/withdraw").status_code == 409


def test_a_certificate_for_one_product_shows_on_its_page_and_trace(client, owner, catalog, folders):
    client.post(
        "/coop/certificates",
        data=cert_form(
            pdf(), number="GI-9", kind="geographical_indication", product=str(catalog.banana.id)
        ),
    )
    certificate = db.session.query(Certification).filter_by(number="GI-9").one()
    assert certificate.product_id == catalog.banana.id
    office(client)
    client.post(f"/admin/certificates/{certificate.id}/accept")
    client.post("/account/logout")
    assert "GI-9" in client.get("/products/chuoi-say").get_data(as_text=True)
    assert "GI-9" not in client.get("/products/nhan").get_data(as_text=True)


def test_an_application_asks_for_the_registration_number(client, catalog):
    applicant = factories.user()
    sign_in(client, applicant)
    form = {
        "name": "HTX Cam Cao Phong",
        "kind": "cooperative",
        "province": "Phú Thọ",
        "commune": "Xã Cao Phong",
        "address": "Xóm Lục",
        "phone": "0912000111",
        "registration_number": "",
        "zalo_url": "https://zalo.me/0912000111",
        "story": "Cam ngọt.",
    }
    assert client.post("/account/apply", data=form).status_code == 400
    response = client.post("/account/apply", data=form | {"registration_number": "5400999888"})
    assert response.status_code == 302
    coop = db.session.query(Cooperative).filter_by(name="HTX Cam Cao Phong").one()
    assert (coop.registration_number, coop.zalo_url, coop.approved) == (
        "5400999888",
        "https://zalo.me/0912000111",
        False,
    )
    db.session.expire_all()
    assert db.session.get(type(applicant), applicant.id).role is Role.MEMBER


def test_photos_of_the_place_are_shown_described_and_deleted(client, owner, catalog, folders):
    form = profile_form() | {
        "photos": [(io.BytesIO(png()), "field.png"), (io.BytesIO(png(90, 60)), "shop.png")]
    }
    assert client.post("/coop/profile", data=form).status_code == 303
    coop = db.session.get(Cooperative, catalog.viba.id)
    first, second = coop.photos
    client.post(f"/coop/profile/photos/{first.id}/describe", data={"alt": "Đồi chuối ở Liên Sơn"})
    client.post(f"/coop/profile/photos/{second.id}/delete")
    client.post("/account/logout")
    page = client.get("/cooperatives/viba").get_data(as_text=True)
    assert 'alt="Đồi chuối ở Liên Sơn"' in page and page.count('class="gallery"') == 1
    db.session.expire_all()
    assert len(db.session.get(Cooperative, catalog.viba.id).photos) == 1
    theirs = factories.cooperative()
    from shop.models import CooperativePhoto

    photo = CooperativePhoto(cooperative_id=theirs.id, path="uploads/x-large.webp")
    db.session.add(photo)
    db.session.commit()
    sign_in(client, owner)
    assert client.post(f"/coop/profile/photos/{photo.id}/delete").status_code == 404
    too_many = profile_form() | {"photos": [(io.BytesIO(png()), f"{n}.png") for n in range(8)]}
    assert client.post("/coop/profile", data=too_many).status_code == 400


def test_only_verified_certificates_are_listed_as_expiring(client, owner, catalog, folders):
    from shop.services import dashboard

    soon = (today() + timedelta(days=30)).isoformat()
    for number in ("SOON-PENDING", "SOON-VERIFIED"):
        client.post("/coop/certificates", data=cert_form(pdf(), number=number, valid_to=soon))
    verified = db.session.query(Certification).filter_by(number="SOON-VERIFIED").one()
    verified.verified_at = verified.created_at
    db.session.commit()
    numbers = [item.number for item in dashboard.expiring(catalog.viba)]
    assert "SOON-VERIFIED" in numbers and "SOON-PENDING" not in numbers
