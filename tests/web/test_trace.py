"""The GS1 Digital Link resolver, as a shopper's phone and a machine use it."""

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import sqlalchemy as sa
import zxingcpp
from biip import parse as gs1_parse
from PIL import Image

from shop.extensions import db
from shop.models import CounterfeitReport, Lot, Scan
from shop.services import gs1, recalls, tracing
from shop.services.errors import Conflict
from tests import factories
from tests.conftest import ON_POSTGRES

STANDARDS = Path(__file__).resolve().parents[1] / "standards"
PHONE = {"User-Agent": "Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36"}


@pytest.fixture
def traced(catalog):
    """The tea with one lot and three serialized packages."""
    batch = factories.lot(catalog.tea)
    units = tracing.generate_units(batch, 3)
    db.session.commit()
    return catalog.tea, batch, units


def path_of(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def decode_png(data: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


@pytest.mark.parametrize("level", ["product", "lot", "unit"])
def test_qr_png_decodes_to_the_uri_of_the_right_page(client, traced, level):
    tea, batch, units = traced
    parts = {
        "product": f"/01/{tea.gtin}",
        "lot": f"/01/{tea.gtin}/10/{batch.code}",
        "unit": f"/01/{tea.gtin}/10/{batch.code}/21/{units[0].serial}",
    }[level]
    image = client.get(f"/qr/png{parts}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    [decoded] = decode_png(image.data)
    assert decoded == f"http://127.0.0.1:5000{parts}"
    page = client.get(path_of(decoded), headers=PHONE).get_data(as_text=True)
    assert "Chè xanh Mỹ Tân" in page
    if level != "product":
        assert f"Lô {batch.code}" in page
    if level == "unit":
        assert units[0].serial in page and "Hàng chính hãng" in page


def test_printed_uris_parse_with_an_independent_gs1_parser(traced):
    tea, batch, units = traced
    uri = gs1.digital_link("https://ocop.example.vn", tea.gtin, batch.code, units[0].serial)
    parsed = gs1_parse(uri + "?17=271231").gs1_digital_link_uri
    values = {e.ai.ai: e.value for e in parsed.element_strings}
    assert values == {"01": tea.gtin, "10": batch.code, "21": units[0].serial, "17": "271231"}
    assert gs1_parse(gs1.digital_link("https://x.vn", tea.gtin)).gs1_digital_link_uri


def test_serials_are_unique_unguessable_and_unambiguous(traced):
    _, batch, _ = traced
    units = tracing.generate_units(batch, 500)
    serials = [u.serial for u in units]
    assert len(set(serials)) == 500
    assert all(len(s) == 10 and not set(s) & set("01ILO") for s in serials)


def test_short_gtins_redirect_to_the_canonical_uri(client, traced):
    tea, batch, _ = traced
    ean13 = tea.gtin[1:]
    response = client.get(f"/01/{ean13}/10/{batch.code}?17=271231")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/01/{tea.gtin}/10/{batch.code}?17=271231")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/01/08936010300018", 404),  # wrong check digit
        ("/01/12345", 404),  # malformed
        ("/01/abcdefghijklmn", 404),
        ("/01/{gtin}/10/NOPE", 404),
        ("/01/{gtin}/10/" + "X" * 21, 404),  # over-long lot
        ("/01/{gtin}/10/{lot}/21/ZZZZZZZZZZ", 404),
        ("/01/{gtin}/10/{lot}?17=991399", 400),
        ("/01/{gtin}/10/{lot}?17=12ab", 400),
        ("/qr/png/01/08936010300018", 400),
        ("/qr/png/01/{gtin}?ec=H", 400),
        ("/qr/gif/01/{gtin}", 404),
    ],
)
def test_bad_codes_get_a_clear_answer_never_a_500(client, traced, path, status):
    tea, batch, _ = traced
    response = client.get(path.format(gtin=tea.gtin, lot=batch.code))
    assert response.status_code == status
    assert "<h1>" in response.get_data(as_text=True)


def test_unit_scans_are_counted_once_per_phone_and_not_for_head_or_robots(app, client, traced):
    tea, batch, units = traced
    uri = f"/01/{tea.gtin}/10/{batch.code}/21/{units[0].serial}"
    first = client.get(uri, headers=PHONE).get_data(as_text=True)
    assert "Lần quét đầu tiên" in first
    for _ in range(7):  # the buyer reloads: still one phone, still genuine
        page = client.get(uri, headers=PHONE).get_data(as_text=True)
    assert "Lần quét đầu tiên" in page and "Hàng chính hãng" in page
    client.head(uri, headers=PHONE)
    client.get(uri, headers={"User-Agent": "facebookexternalhit/1.1"})
    client.get(uri, headers={"User-Agent": "Zalo-Link-Preview bot"})
    second_phone = app.test_client()
    page = second_phone.get(uri, headers=PHONE).get_data(as_text=True)
    assert "đã được quét trên 2 điện thoại" in page
    scans = db.session.scalars(db.select(Scan)).all()
    assert len(scans) == 2 and len({s.device for s in scans}) == 2
    assert all(s.network == "127.0.0.0/24" for s in scans)  # never the address itself
    cookie = client.get_cookie("ocop_phone").value
    assert cookie not in {s.device for s in scans}  # only a hash of the cookie is kept


def test_warning_when_many_phones_in_several_places_scan_one_code(app, traced):
    tea, batch, units = traced
    uri = f"/01/{tea.gtin}/10/{batch.code}/21/{units[1].serial}"
    threshold = app.config["SCAN_WARNING_THRESHOLD"]

    def scan_from(address: str) -> str:
        phone = app.test_client()
        return phone.get(uri, headers=PHONE, environ_base={"REMOTE_ADDR": address}).get_data(
            as_text=True
        )

    for n in range(threshold + 2):  # a family's phones on one home network: no warning
        page = scan_from(f"203.0.113.{n + 1}")
    assert "Hàng chính hãng" in page and "Cảnh báo" not in page
    # Where it was scanned last: the provider's block, never the address or even its /24.
    assert "Lần quét gần nhất" in page and "từ mạng 203.0.x.x" in page
    assert "203.0.113" not in page
    page = scan_from("198.51.100.7")  # then a phone far away
    assert "Cảnh báo: mã này đã được quét rất nhiều lần" in page
    total, scanned, unusual = tracing.lot_scan_report(batch, threshold)
    assert (total, scanned) == (threshold + 3, 1)
    assert [(u.serial, u.scans, u.networks) for u in unusual] == [
        (units[1].serial, threshold + 3, ["198.51.100.0/24", "203.0.113.0/24"])
    ]


def test_lot_page_shows_dates_area_timeline_certificates_and_buy_link(client, traced):
    tea, batch, _ = traced
    page = client.get(f"/01/{tea.gtin}/10/{batch.code}?lang=en").get_data(as_text=True)
    for text in (
        "Lot L2611-A",
        "Best before",
        "Đồi chè Mỹ Tân",
        "Harvest",
        "Processing",
        "From Chè búp tươi",
        "Packing",
        'id="certifications"',
        "Buy this product",
        "Certificate OCOP-T-",
    ):
        assert text in page, text
    assert page.index("Harvest") < page.index("Processing") < page.index("Packing")


def test_recall_and_expiry_are_prominent(client, traced):
    tea, batch, _ = traced
    recalls.start(batch, "Nắp hũ bị hở.", "Không dùng; mang về nơi mua.", "0912 000 000", None)
    batch.best_before = batch.packed_on
    db.session.commit()
    page = client.get(f"/01/{tea.gtin}/10/{batch.code}").get_data(as_text=True)
    assert 'class="recall" role="alert"' in page and "Nắp hũ bị hở." in page
    assert "Đã quá hạn sử dụng" in page


def test_expired_rating_on_the_trace_page(client, catalog):
    page = client.get(f"/01/{catalog.expired.gtin}").get_data(as_text=True)
    assert "Hạng OCOP đã hết hạn" in page and "★" not in page


def test_trace_page_html_and_css_fit_in_30_kb(client, traced):
    tea, batch, units = traced
    page = client.get(f"/01/{tea.gtin}/10/{batch.code}/21/{units[0].serial}", headers=PHONE)
    html = page.get_data(as_text=True)
    css = sum(
        len(client.get(href).data) for href in re.findall(r'href="(/static/[^"]+\.css)"', html)
    )
    assert len(page.data) + css <= 30 * 1024
    assert all(
        'loading="lazy"' in img or "eager" in img or 'width="' in img
        for img in re.findall(r"<img [^>]+>", html)
    )


def test_linkset_has_the_gs1_link_types(client, traced):
    tea, batch, _ = traced
    for headers, query in (({}, "?linkType=all"), ({"Accept": "application/linkset+json"}, "")):
        response = client.get(f"/01/{tea.gtin}/10/{batch.code}{query}", headers=headers)
        assert response.mimetype == "application/linkset+json"
        [entry] = response.json["linkset"]
        assert entry["anchor"] == f"http://127.0.0.1:5000/01/{tea.gtin}/10/{batch.code}"
        voc = "https://gs1.org/voc/"
        assert {
            voc + t for t in ("pip", "traceability", "certificationInfo", "epcis", "defaultLink")
        } <= set(entry)
        assert entry[voc + "pip"][0]["href"].endswith("/products/che-my-tan")
        assert entry[voc + "defaultLink"] == entry[voc + "traceability"]  # the trace page
        assert entry[voc + "defaultLink"][0]["href"] == entry["anchor"]


def test_link_type_redirects_to_that_link(client, traced):
    tea, *_ = traced
    response = client.get(f"/01/{tea.gtin}?linkType=gs1:pip")
    assert response.status_code == 307 and response.headers["Location"].endswith(
        "/products/che-my-tan"
    )


def test_resolver_describes_itself(client):
    data = client.get("/.well-known/gs1resolver").json
    assert data["supportedPrimaryKeys"] == ["01"] and data["resolverRoot"]


def epcis_schema():
    return json.loads((STANDARDS / "EPCIS-JSON-Schema.json").read_text())


def test_epcis_document_of_a_lot_validates_against_the_gs1_schema(client, traced):
    tea, batch, _ = traced
    response = client.get(
        f"/01/{tea.gtin}/10/{batch.code}", headers={"Accept": "application/ld+json"}
    )
    assert response.mimetype == "application/ld+json"
    document = response.json
    validator = jsonschema.Draft7Validator(
        epcis_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    errors = [e.message for e in validator.iter_errors(document)]
    assert errors == []
    events = document["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == ["ObjectEvent", "TransformationEvent", "ObjectEvent"]
    assert events[0]["action"] == "ADD" and events[2]["bizStep"] == "packing"
    assert events[0]["eventTimeZoneOffset"] == "+07:00"
    assert events[1]["outputQuantityList"][0]["epcClass"].endswith(f"/10/{batch.code}")


def test_schema_check_is_not_a_rubber_stamp(client, traced):
    tea, batch, _ = traced
    document = client.get(f"/01/{tea.gtin}/10/{batch.code}?linkType=gs1:epcis").json
    del document["epcisBody"]["eventList"][0]["eventTimeZoneOffset"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, epcis_schema())


def test_qr_images_are_cacheable_and_conditional(client, traced):
    tea, *_ = traced
    first = client.get(f"/qr/svg/01/{tea.gtin}")
    assert first.mimetype == "image/svg+xml"
    assert "max-age=31536000" in first.headers["Cache-Control"] and first.headers["ETag"]
    again = client.get(f"/qr/svg/01/{tea.gtin}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    sturdier = client.get(f"/qr/png/01/{tea.gtin}?ec=Q")
    assert decode_png(sturdier.data) == [f"http://127.0.0.1:5000/01/{tea.gtin}"]


def test_product_page_shows_its_qr_with_alt_text(client, traced):
    page = client.get("/products/che-my-tan").get_data(as_text=True)
    img = re.search(r'<img src="/qr/svg/01/(\d{14})"[^>]*alt="([^"]+)"', page)
    assert img and img.group(1) == traced[0].gtin and "Mã QR" in img.group(2)


@pytest.mark.skipif(
    not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is not installed"
)
def test_label_sheet_from_the_cli_decodes_to_its_units(app, runner, client, traced, tmp_path):
    tea, batch, _ = traced
    out = tmp_path / "labels.pdf"
    result = runner.invoke(
        args=["labels", tea.gtin, batch.code, "--count", "30", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2  # 24 labels on a 3 x 8 sheet, then 6
    decoded = [r.text for p in pages for r in zxingcpp.read_barcodes(Image.open(p))]
    assert len(decoded) == 30 and len(set(decoded)) == 30
    for uri in decoded[:3]:
        page = client.get(path_of(uri), headers=PHONE).get_data(as_text=True)
        assert "Hàng chính hãng" in page and uri.rsplit("/", 1)[1] in page
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    serial = decoded[0].rsplit("/", 1)[1]
    for shown in (tea.name_vi, tea.cooperative.name, f"Lot {batch.code}", "HSD/Exp", serial):
        assert shown.split()[0] in text, shown  # every field is printed on the label
    assert "OCOP ★★★★" in text  # the tea's 4 stars, drawn as text


def test_label_cli_refuses_bad_input_without_creating_serials(runner, traced, tmp_path):
    tea, batch, _ = traced
    out = str(tmp_path / "x.pdf")
    assert (
        "GTIN"
        in runner.invoke(args=["labels", "123", batch.code, "--count", "1", "--out", out]).output
    )
    bad_grid = runner.invoke(
        args=["labels", tea.gtin, batch.code, "--count", "2", "--out", out, "--grid", "9x9"]
    )
    assert bad_grid.exit_code != 0
    assert tracing.lot_scan_report(batch, 5) == (0, 0, [])
    assert (
        len(
            db.session.scalars(db.select(tracing.Unit).where(tracing.Unit.lot_id == batch.id)).all()
        )
        == 3
    )


def test_lot_rules(traced):
    tea, batch, _ = traced
    from shop.services.errors import Conflict, InvalidInput

    with pytest.raises(Conflict):
        tracing.create_lot(tea, batch.code)
    for bad in ("", "lô có dấu", "A/B", "X" * 21, "has space"):
        with pytest.raises(InvalidInput):
            tracing.create_lot(tea, bad)
    with pytest.raises(InvalidInput):
        tracing.create_lot(tea, "L-DATES", produced_on=batch.packed_on, packed_on=batch.produced_on)


def test_an_unapproved_cooperative_cannot_vouch_for_its_packages(client, traced, app):
    tea, batch, units = traced
    tea.cooperative.approved = False
    db.session.commit()
    with pytest.raises(Conflict):
        tracing.generate_units(batch, 1)
    page = client.get(f"/01/{tea.gtin}/10/{batch.code}/21/{units[0].serial}", headers=PHONE)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Hàng chính hãng" not in text and "Chưa được văn phòng OCOP xác minh" in text
    member = app.test_client()
    factories.sign_in(member, factories.user("member", cooperative=tea.cooperative))
    refused = member.post(f"/coop/lots/{batch.id}/labels", data={"count": "1"})
    assert refused.status_code == 409 and "phê duyệt" in refused.get_data(as_text=True)


def test_a_forged_serial_says_counterfeit_and_can_be_reported(app, client, traced, tmp_path):
    tea, batch, _ = traced
    page = client.get(f"/01/{tea.gtin}/10/{batch.code}/21/FAKE123456", headers=PHONE)
    text = page.get_data(as_text=True)
    assert page.status_code == 404
    assert f"Mã này không do {tea.cooperative.name} phát hành" in text
    assert "hàng giả" in text and "Hàng chính hãng" not in text
    refused = client.post(
        f"/01/{tea.gtin}/report?lot={batch.code}&serial=FAKE123456", data={"place": ""}
    )
    assert refused.status_code == 400
    app.config["UPLOAD_DIR"] = str(tmp_path)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buffer, "JPEG")
    sent = client.post(
        f"/01/{tea.gtin}/report?lot={batch.code}&serial=FAKE123456",
        data={
            "place": "Chợ Đồng Xuân, Hà Nội",
            "contact": "0912345678",
            "photo": (io.BytesIO(buffer.getvalue()), "hop.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    [report] = db.session.scalars(db.select(CounterfeitReport)).all()
    assert (
        report.photo_path.endswith(".webp")
        and (tmp_path / report.photo_path.split("/")[-1]).is_file()
    )
    assert (report.serial, report.place, report.network) == (
        "FAKE123456",
        "Chợ Đồng Xuân, Hà Nội",
        "127.0.0.0/24",
    )
    member = app.test_client()
    factories.sign_in(member, factories.user("member", cooperative=tea.cooperative))
    overview = member.get("/coop/").get_data(as_text=True)
    assert "Chợ Đồng Xuân, Hà Nội" in overview and "1 báo cáo" in overview
    assert report.photo_path.split("/")[-1] in overview  # the photo is linked
    other = app.test_client()
    factories.sign_in(other, factories.user("member", cooperative=factories.cooperative()))
    assert "Chợ Đồng Xuân" not in other.get("/coop/").get_data(as_text=True)
    office = app.test_client()
    factories.sign_in(office, factories.user("admin"))
    assert "Chợ Đồng Xuân, Hà Nội" in office.get("/admin/money").get_data(as_text=True)


def test_a_lot_never_made_is_not_issued_either_and_machines_get_a_plain_404(client, traced):
    tea, _, _ = traced
    page = client.get(f"/01/{tea.gtin}/10/NOLOT", headers=PHONE)
    assert page.status_code == 404 and "phát hành" in page.get_data(as_text=True)
    machine = client.get(f"/01/{tea.gtin}/10/NOLOT?linkType=all")
    assert machine.status_code == 404 and "phát hành" not in machine.get_data(as_text=True)
    unknown = client.get("/01/08936010399995", headers=PHONE).get_data(as_text=True)
    assert "Không có sản phẩm nào" in unknown or "GTIN" in unknown


@pytest.mark.skipif(
    ON_POSTGRES, reason="a second app cannot see the test's rolled-back PostgreSQL transaction"
)
def test_counterfeit_reports_are_rate_limited(database_url, traced):
    from shop import create_app
    from shop.extensions import limiter

    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True}
    )
    try:
        client = app.test_client()
        tea = traced[0]
        statuses = [
            client.post(f"/01/{tea.gtin}/report", data={"place": "Chợ"}).status_code
            for _ in range(6)
        ]
        assert statuses == [303] * 5 + [429]
    finally:  # the limiter is one object for every app: switch it off again for the others
        limiter.reset()
        limiter.enabled = False


def test_a_box_is_shared_by_its_lots_link_never_its_serial(client, traced):
    tea, batch, units = traced
    page = client.get(f"/01/{tea.gtin}/10/{batch.code}/21/{units[0].serial}", headers=PHONE)
    html = page.get_data(as_text=True)
    (shared,) = re.findall(r'id="share-url" type="url" value="([^"]+)"', html)
    assert urlsplit(shared).path == f"/01/{tea.gtin}/10/{batch.code}"
    facebook = re.search(r'href="https://www\.facebook\.com/sharer/sharer\.php\?u=([^"]+)"', html)
    assert facebook and units[0].serial not in facebook.group(1)
    scripts = re.findall(r"<script src=\"([^\"]+)\"", html)
    assert all(src.startswith("/static/") for src in scripts)  # no third party runs here
    assert f'data-share-url="{shared}"' in html  # the phone's share sheet gets the lot too


def test_lot_pages_are_cached_for_visitors_and_a_new_event_or_recall_shows_at_once(
    app_with, traced
):
    from datetime import UTC, datetime

    from shop.models import BizStep

    tea, batch, units = traced
    cached = app_with(PAGE_CACHE_SECONDS=60)
    lot_path = f"/01/{tea.gtin}/10/{batch.code}"
    client = cached.test_client()
    first = client.get(lot_path)
    assert first.cache_control.public and first.headers["Link"].endswith(
        'type="application/linkset+json"'
    )
    with cached.app_context():
        db.session.execute(sa.update(Lot).values(area_name="Đồi chè đổi tên"))  # behind the ORM
        db.session.commit()
    assert "Đồi chè đổi tên" not in client.get(lot_path).get_data(as_text=True)  # kept
    with cached.app_context():
        lot = db.session.get(Lot, batch.id)
        tracing.add_event(lot, BizStep.SHIPPING, datetime(2026, 11, 2, 8, tzinfo=UTC))
        db.session.commit()
    assert "Đồi chè đổi tên" in client.get(lot_path).get_data(as_text=True)
    with cached.app_context():
        lot = db.session.get(Lot, batch.id)
        recalls.start(lot, "Nắp hũ bị hở.", "Mang về nơi mua.", "0912 000 000", None)
        db.session.commit()
    assert 'class="recall" role="alert"' in client.get(lot_path).get_data(as_text=True)
    unit = client.get(f"{lot_path}/21/{units[0].serial}", headers=PHONE)
    assert unit.cache_control.no_store and not unit.cache_control.public  # each scan counts
    linkset = "application/linkset+json"
    machine = client.get(lot_path, headers={"Accept": linkset})
    assert machine.mimetype == linkset  # the cached page is for people only


def test_a_visit_the_cache_answers_reads_no_database(app_with, traced, count_queries):
    tea, batch, _ = traced
    client = app_with(PAGE_CACHE_SECONDS=60).test_client()
    for path in (f"/01/{tea.gtin}/10/{batch.code}", f"/01/{tea.gtin}"):
        with count_queries() as first:
            assert client.get(path).status_code == 200
        with count_queries() as again:
            repeat = client.get(path)
        assert first and not again, path
        assert {"Accept", "Accept-Language", "Cookie"} <= set(repeat.headers["Vary"].split(", "))
        assert repeat.headers["Link"].endswith('rel="linkset"; type="application/linkset+json"')
    never_made = client.get(f"/01/{tea.gtin}/10/NEVER-MADE")
    assert never_made.status_code == 404 and never_made.cache_control.no_store
    assert client.get(f"/01/{tea.gtin}/10/NEVER-MADE").status_code == 404  # never kept


def test_the_expiry_printed_in_a_code_is_the_one_its_page_goes_by(client, traced):
    tea, batch, _ = traced
    lot_path = f"/01/{tea.gtin}/10/{batch.code}"
    past = client.get(f"{lot_path}?17=250200").get_data(as_text=True)
    assert 'class="expiry" role="alert"' in past and "28/02/2025" in past  # DD 00: month's end
    assert 'class="expiry"' not in client.get(f"{lot_path}?17=991200").get_data(as_text=True)
