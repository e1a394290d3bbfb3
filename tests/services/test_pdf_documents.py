"""The PDFs a cooperative prints: the packing slip that goes in a parcel (sender, receiver,
the goods and their lots, the cash to collect, a QR code back to the order) and the monthly
statement of its money (opening balance, one row per entry with the running balance,
closing balance). Both are read back as text, line by line, with their fonts."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from html import unescape

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm

from shop.extensions import db
from shop.models import BankAccount, BankAccountState, EntryKind, LedgerEntry, ShippedLot
from shop.models import PaymentMethod as M
from shop.services import coop_ledger, orders, packing_slip, statement_pdf
from tests import factories
from tests.services.test_orders import HANOI, HOLDS, RULE

BOLD, REGULAR = "DejaVuSans-Bold", "DejaVuSans"
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
PART_URL = "https://ocop.example.vn/coop/orders#part-7"
POPPLER = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed",
)


def runs(pdf: bytes) -> list[list[tuple[str, str, float]]]:
    """Each page's drawn strings in drawing order: (text, font, size)."""
    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[tuple[str, str, float]] = []

        def seen(text, cm, tm, font, size, found=found):
            if text.strip():
                found.append((text.strip(), font["/BaseFont"].split("+")[-1], size))

        page.extract_text(visitor_text=seen)
        pages.append(found)
    return pages


def word_boxes(pdf: bytes, tmp_path) -> list[tuple[int, float, float, float, float, str]]:
    """Every word's page and box (left, top, right, bottom) in points from the page's top
    left corner, read by pdftotext -bbox."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        (page, float(a), float(b), float(c), float(d), unescape(text))
        for page, chunk in enumerate(html.split("<page ")[1:], start=1)
        for a, b, c, d, text in WORD.findall(chunk)
    ]


# The packing slip ----------------------------------------------------------------------


@pytest.fixture
def parcel(catalog):
    """Viba's part of a cash-on-delivery order of two bags of banana chips, placed at
    01:05 on 1 December in Hà Nội (18:05 the day before in UTC)."""
    order = orders.place_order({catalog.banana.id: 2}, HANOI, M.COD, RULE, HOLDS)
    order.placed_at = datetime(2026, 11, 30, 18, 5, tzinfo=UTC)
    catalog.viba.phone = "0210 3855 123"
    db.session.commit()
    return order.parts[0]


def slip(part) -> list[list[tuple[str, str, float]]]:
    return runs(packing_slip.render(part, PART_URL))


def test_a_cash_parcel_s_slip_says_who_sends_who_receives_what_and_the_cash_to_collect(
    catalog, parcel
):
    order = parcel.order
    order.note = "Gọi trước khi giao"
    for code in ("A1", "B2"):  # two lots of the same product in the box
        lot = factories.lot(catalog.banana, code=code)
        parcel.lines[0].shipped_lots.append(ShippedLot(lot_id=lot.id))
    parcel.weight_grams = 1006
    parcel.carrier, parcel.tracking_number = "Viettel Post", "VTP123456"
    db.session.commit()
    db.session.expire_all()
    assert slip(parcel) == [
        [
            ("Phiếu đóng gói", BOLD, 14),
            (order.number, BOLD, 13),
            ("Đặt lúc 01/12/2026 01:05", REGULAR, 10),  # Vietnam time
            ("Người gửi", BOLD, 10),
            ("Hợp tác xã Chuối Viba · 0210 3855 123", REGULAR, 10),
            ("Xóm 1, Xã Liên Sơn, Phú Thọ", REGULAR, 10),
            ("Người nhận", BOLD, 10),
            ("Trần Thị B · 0912345678", REGULAR, 10),
            ("1 Hùng Vương, Phường Ba Đình, Hà Nội", REGULAR, 10),
            ("Ghi chú: Gọi trước khi giao", REGULAR, 10),
            ("Hàng trong kiện", BOLD, 10),
            ("2 × Chuối sấy dẻo Viba (gói 500 g) · lô A1, B2", REGULAR, 10),
            ("Khối lượng ước tính: 1,01 kg", REGULAR, 10),
            ("Thu hộ (COD): 195.000 ₫", BOLD, 12),
            ("Vận chuyển: Viettel Post · VTP123456", REGULAR, 10),
        ]
    ]


def test_a_paid_parcel_s_slip_collects_nothing_and_leaves_out_what_it_lacks(catalog):
    order = orders.place_order({catalog.banana.id: 1}, HANOI, M.VIETQR, RULE, HOLDS)
    orders.receive_transfer(order, order.total)
    order.placed_at = datetime(2026, 7, 4, 2, 30, tzinfo=UTC)
    catalog.viba.phone = "0210 3855 123"
    catalog.viba.commune = ""  # a sender's address without its commune
    db.session.commit()
    [[*head, _, address, _, _, _, _, goods, paid]] = slip(order.parts[0])
    assert head[2] == ("Đặt lúc 04/07/2026 09:30", REGULAR, 10)
    assert address == ("Xóm 1, Phú Thọ", REGULAR, 10)
    assert goods == ("1 × Chuối sấy dẻo Viba (gói 500 g)", REGULAR, 10)  # no lot, no note
    assert paid[0].startswith("Đã thanh toán trước: không thu tiền") and paid[1:] == (BOLD, 10)


@POPPLER
def test_every_word_of_a_slip_is_inside_its_margins_and_clear_of_the_qr_code(
    catalog, parcel, tmp_path
):
    catalog.viba.name = "Hợp tác xã Nông nghiệp và Dịch vụ Chuối tiêu hồng Viba Phú Thọ"
    parcel.order.street = "Số 18 ngõ 42 phố Trần Quang Diệu, tổ dân phố số 7, gần chợ Ô Chợ Dừa"
    db.session.commit()
    boxes = word_boxes(packing_slip.render(parcel, PART_URL), tmp_path)
    assert {page for page, *_ in boxes} == {1}
    for _, left, top, right, bottom, word in boxes:
        assert left >= 12 * mm - 1 and right <= A5[0] - 12 * mm + 1, word
        assert top >= 8 * mm and bottom <= A5[1] - 8 * mm, word
        if top < 42 * mm:  # a line beside the QR code
            assert right <= A5[0] - 38 * mm, word
    lines = sorted({(round(top), round(bottom)) for _, _, top, _, bottom, _ in boxes})
    for (_, above), (below, _) in itertools.pairwise(lines):
        assert below >= above - 1  # no line printed over another
    assert len(lines) >= 12


def test_a_slip_is_one_a5_page_titled_with_its_order(parcel):
    reader = PdfReader(io.BytesIO(packing_slip.render(parcel, PART_URL)))
    assert reader.metadata.title == f"Phiếu đóng gói {parcel.order.number}"
    [page] = reader.pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A5)


@POPPLER
def test_the_slip_s_qr_code_reads_back_as_the_part_s_link_in_the_top_right_corner(parcel, tmp_path):
    (tmp_path / "slip.pdf").write_bytes(packing_slip.render(parcel, PART_URL))
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", str(tmp_path / "slip.pdf"), str(tmp_path / "p")],
        check=True,
    )
    [png] = tmp_path.glob("p*.png")
    image = Image.open(png)
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == PART_URL
    dots = 100 / 25.4  # pixels per millimetre
    corners = [code.position.top_left, code.position.top_right]
    corners += [code.position.bottom_left, code.position.bottom_right]
    xs, ys = [p.x / dots for p in corners], [p.y / dots for p in corners]
    # beside the text, whose lines stop 30 mm short of the right margin, and on the page
    assert min(xs) >= 12 + 94 and max(xs) <= A5[0] / mm - 12
    assert min(ys) >= 10 and max(ys) <= 42


# The monthly statement ----------------------------------------------------------------


def entry(coop, kind, amount, at, part=None, **fields) -> LedgerEntry:
    item = LedgerEntry(
        cooperative_id=coop.id, kind=kind, amount=amount, created_at=at, part=part, **fields
    )
    db.session.add(item)
    return item


@pytest.fixture
def november(catalog):
    """Viba's entries: one sale in October, then a sale, its fee, a refund and a payout in
    November (Vietnam time, seven hours ahead of UTC), and one sale in December."""
    coop = catalog.viba
    order = orders.place_order({catalog.banana.id: 2}, HANOI, M.COD, RULE, HOLDS)
    part = order.parts[0]
    coop.registration_number = "2600123456"
    db.session.add(
        BankAccount(
            cooperative=coop,
            bank_bin="970405",
            account_number="3100205012345",
            account_name="HTX CHUOI VIBA",
            state=BankAccountState.CONFIRMED,
        )
    )
    entry(coop, EntryKind.SALE, 300_000, datetime(2026, 10, 15, 3, tzinfo=UTC), part)
    entry(coop, EntryKind.SALE, 195_000, datetime(2026, 10, 31, 17, 30, tzinfo=UTC), part)
    entry(coop, EntryKind.FEE, -8_500, datetime(2026, 11, 2, 1, tzinfo=UTC), part)
    entry(coop, EntryKind.REFUND, -85_000, datetime(2026, 11, 9, 8, tzinfo=UTC), part)
    payout = {"paid_on": date(2026, 11, 20), "reference": "FT26324"}
    entry(coop, EntryKind.PAYOUT, -250_000, datetime(2026, 11, 30, 16, 30, tzinfo=UTC), **payout)
    entry(coop, EntryKind.SALE, 70_000, datetime(2026, 11, 30, 17, 30, tzinfo=UTC), part)
    db.session.commit()
    return coop_ledger.statement(coop, date(2026, 11, 1)), order.number


def test_a_statement_runs_from_the_opening_balance_entry_by_entry_to_the_closing(november):
    sheet, number = november

    def row(*cells, font=REGULAR):
        return [(cell, font, 9) for cell in cells if cell]

    assert runs(statement_pdf.render(sheet)) == [
        [
            ("Sao kê tháng 11/2026", BOLD, 14),
            ("Hợp tác xã Chuối Viba · MST/ĐKKD 2600123456", REGULAR, 10),
            ("Tài khoản nhận: Agribank •••• 2345", REGULAR, 10),
            *row("Ngày", "Loại", "Đơn hàng / tham chiếu", "Số tiền", "Số dư", font=BOLD),
            *row("01/11/2026", "Đầu kỳ", "300.000 ₫"),
            *row("01/11/2026", "Bán hàng", number, "195.000 ₫", "495.000 ₫"),
            *row("02/11/2026", "Phí sàn", number, "-8.500 ₫", "486.500 ₫"),
            *row("09/11/2026", "Hoàn tiền", number, "-85.000 ₫", "401.500 ₫"),
            *row("30/11/2026", "Đã chuyển", "FT26324 (2026-11-20)", "-250.000 ₫", "151.500 ₫"),
            *row("Cuối kỳ", "151.500 ₫", font=BOLD),
        ]
    ]


def test_a_statement_is_titled_with_its_cooperative_and_month_on_a4(november):
    sheet, _ = november
    reader = PdfReader(io.BytesIO(statement_pdf.render(sheet)))
    assert reader.metadata.title == "Sao kê Hợp tác xã Chuối Viba 11/2026"
    [page] = reader.pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)


def test_a_cooperative_without_a_bank_account_or_tax_number_has_neither_line(catalog):
    catalog.thai_son.registration_number = ""
    sheet = coop_ledger.statement(catalog.thai_son, date(2026, 11, 1))
    assert runs(statement_pdf.render(sheet))[0][:3] == [
        ("Sao kê tháng 11/2026", BOLD, 14),
        (f"{catalog.thai_son.name} · MST/ĐKKD —", REGULAR, 10),
        ("Ngày", BOLD, 9),
    ]


@POPPLER
def test_a_long_statement_goes_on_over_pages_every_row_on_paper(catalog, november, tmp_path):
    """Ninety payouts: no row is lost or drawn past the page's edge."""
    sheet, _ = november
    coop = catalog.viba
    for n in range(90):
        at = datetime(2026, 11, 25, 2, n % 60, tzinfo=UTC)
        entry(coop, EntryKind.PAYOUT, -1_000, at, paid_on=date(2026, 11, 25), reference=f"FT{n}")
    db.session.commit()
    sheet = coop_ledger.statement(coop, date(2026, 11, 1))
    pdf = statement_pdf.render(sheet)
    pages = runs(pdf)
    assert len(pages) == 3
    texts = [text for page in pages for text, _, _ in page]
    references = [t.split()[0] for t in texts if t.startswith("FT")]
    assert references.pop() == "FT26324"  # paid on the 30th, after the ninety
    assert references == [f"FT{n}" for n in sorted(range(90), key=lambda n: (n % 60, n))]
    assert texts[-2:] == ["Cuối kỳ", "61.500 ₫"]
    assert pages[2][-2:] == [("Cuối kỳ", BOLD, 9), ("61.500 ₫", BOLD, 9)]
    boxes = word_boxes(pdf, tmp_path)
    assert len(boxes) > 450
    for _, left, top, right, bottom, word in boxes:  # inside the margins
        assert 15 * mm < top and bottom < A4[1] - 15 * mm, word
        assert 18 * mm - 1 <= left and right <= A4[0] - 18 * mm + 1, word
    assert max(right for _, _, _, right, _, _ in boxes) > A4[0] - 18 * mm - 1  # amounts flush
    assert {"FT0", "FT89", "Bán", "Cuối"} <= {word for *_, word in boxes}  # all on paper
    rows: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for page, left, top, right, bottom, _ in boxes:
        rows.setdefault((page, round(top)), []).append((left, right, bottom))
    for (page, top), words in rows.items():
        words.sort()
        for (_, before, _), (after, _, _) in itertools.pairwise(words):
            assert after >= before, (page, top)  # no column printed over another
        below = [other for (p, other) in rows if p == page and other > top]
        assert not below or min(below) >= max(bottom for *_, bottom in words) - 1, (page, top)


def test_in_english_the_slip_and_statement_still_print_in_vietnamese(parcel, november):
    """The people who pack and keep the books read Vietnamese whatever the screen's language."""
    from flask_babel import force_locale

    sheet, _ = november
    with force_locale("en"):
        [slip_lines] = slip(parcel)
        [statement_lines] = runs(statement_pdf.render(sheet))
    assert slip_lines[-1] == ("Thu hộ (COD): 195.000 ₫", BOLD, 12)
    assert statement_lines[-1] == ("151.500 ₫", BOLD, 9)
    for amount in ("300.000 ₫", "495.000 ₫", "-250.000 ₫"):  # opening, running, entry
        assert (amount, REGULAR, 9) in statement_lines
