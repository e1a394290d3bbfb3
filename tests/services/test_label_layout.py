"""A printed label sheet measured from the PDF itself (poppler's word boxes and a real QR
decoder): each label's QR code and text stay inside its own 70 x 37 mm label with a margin,
the grid is centred on A4, no line of text runs into the QR code's quiet zone or another."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from itertools import pairwise
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from shop.extensions import db
from shop.services import labels, qr, tracing
from shop.services.errors import InvalidInput
from tests import factories
from tests.services.test_refusals import refused

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed",
)

COLUMNS, ROWS, WIDTH, HEIGHT, QR = 3, 8, 70 * mm, 37 * mm, 30 * mm
PAD = 2 * mm  # what the label keeps clear along its edges
DPI = 150
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def cell(index: int) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of label ``index`` in points from the page's top left: the
    3 x 8 grid centred on A4, written out here rather than read from the code under test."""
    row, column = divmod(index, COLUMNS)
    left = (A4[0] - COLUMNS * WIDTH) / 2 + column * WIDTH
    top = (A4[1] - ROWS * HEIGHT) / 2 + row * HEIGHT
    return left, top, left + WIDTH, top + HEIGHT


def inside(box, index: int, margin: float = 0.0) -> bool:
    left, top, right, bottom = cell(index)
    x0, y0, x1, y1 = box
    tolerance = 0.01
    return (
        x0 >= left + margin - tolerance
        and y0 >= top + margin - tolerance
        and x1 <= right - margin + tolerance
        and y1 <= bottom - margin + tolerance
    )


@pytest.fixture
def sheet_pdf(catalog, tmp_path) -> tuple[Path, list]:
    tea = catalog.tea
    tea.name_vi = "Chè búp Tân Cương đặc biệt hái tay vụ xuân thượng hạng hộp quà tặng gỗ"
    batch = factories.lot(tea)
    units = tracing.generate_units(batch, 24)
    db.session.commit()
    assert batch.best_before and tea.current_stars()  # every fact is printed
    path = tmp_path / "labels.pdf"
    path.write_bytes(labels.render_sheet(batch, units, "https://ocop.example.vn"))
    return path, units


def words(pdf: Path) -> list[tuple[tuple[float, float, float, float], str]]:
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [
        ((float(a), float(b), float(c), float(d)), unescape(text))
        for a, b, c, d, text in WORD.findall(html)
    ]


def decoded(pdf: Path, tmp_path: Path) -> list:
    """The QR codes a real decoder reads on the sheet's one page, rendered at ``DPI``."""
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(tmp_path / "p")], check=True)
    [page] = sorted(tmp_path.glob("p-*.png"))
    return zxingcpp.read_barcodes(Image.open(page))


def symbols(pdf: Path, tmp_path: Path) -> list[tuple[tuple[float, float, float, float], str]]:
    """Each decoded QR symbol's box in points, without its quiet zone."""
    found = []
    for result in decoded(pdf, tmp_path):
        corners = [result.position.top_left, result.position.top_right]
        corners += [result.position.bottom_left, result.position.bottom_right]
        xs = [c.x * 72 / DPI for c in corners]
        ys = [c.y * 72 / DPI for c in corners]
        found.append(((min(xs), min(ys), max(xs), max(ys)), result.text))
    return found


def label_of(box) -> int:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return next(i for i in range(COLUMNS * ROWS) if inside((x, y, x, y), i))


def test_each_qr_code_sits_in_its_own_label_with_its_quiet_zone(sheet_pdf, tmp_path):
    pdf, units = sheet_pdf
    found = symbols(pdf, tmp_path)
    assert len(found) == 24
    for box, uri in found:
        index = label_of(box)
        assert uri.endswith(f"/21/{units[index].serial}")  # row by row, in the units' order
        quiet = (QR - (box[2] - box[0])) / 2  # the margin drawn around the symbol
        assert quiet >= 2.5 * mm  # four modules of about 0.7 mm
        assert inside(box, index, PAD + quiet - 1), (index, box)  # (1 pt: the raster)
        _, top, _, bottom = cell(index)
        middle = (box[1] + box[3]) / 2
        assert abs(middle - (top + bottom) / 2) < 0.5 * mm  # centred top to bottom


def test_each_labels_text_stays_inside_it_beside_the_code_line_under_line(sheet_pdf):
    pdf, units = sheet_pdf
    lines: dict[int, dict[float, list]] = {}
    for box, text in words(pdf):
        index = label_of(box)
        assert inside(box, index, PAD), (index, text, box)
        # Clear of the QR code's whole square (symbol and quiet zone).
        assert box[0] >= cell(index)[0] + PAD + QR - 0.01, (index, text, box)
        lines.setdefault(index, {}).setdefault(round(box[1], 1), []).append((box, text))
    assert sorted(lines) == list(range(24))
    for index, by_top in lines.items():
        ordered = [by_top[top] for top in sorted(by_top)]
        texts = [" ".join(t for _, t in line) for line in ordered]
        # The name on two lines (cut with an ellipsis), the facts, the serial at the bottom.
        assert texts[0].startswith("Chè búp Tân Cương") and texts[1].endswith("…"), texts
        assert texts[-1] == f"SN {units[index].serial}", texts
        assert any(t.startswith("OCOP ★★★★") for t in texts) and any("HSD/Exp" in t for t in texts)
        for upper, lower in pairwise(ordered):
            assert max(b[3] for b, _ in upper) <= min(b[1] for b, _ in lower) + 0.01, texts


def test_the_grid_is_centred_on_the_page():
    sheet = labels.Sheet()
    first, last = sheet.origin(0), sheet.origin(sheet.per_page - 1)
    left, bottom = first[0], last[1]
    right = A4[0] - (last[0] + sheet.label_width)
    top = A4[1] - (first[1] + sheet.label_height)
    assert left == pytest.approx(right) and top == pytest.approx(bottom)
    assert left == pytest.approx((A4[0] - 3 * WIDTH) / 2)
    assert bottom == pytest.approx((A4[1] - 8 * HEIGHT) / 2)


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({"columns": 4}, "The labels do not fit on an A4 page."),  # 280 mm across 210
        ({"rows": 9}, "The labels do not fit on an A4 page."),  # 333 mm down 297
        (
            {"qr_size": 23.9 * mm},
            "The QR code must be at least 24 mm with its margin and fit the label.",
        ),
        (
            {"qr_size": 38 * mm},
            "The QR code must be at least 24 mm with its margin and fit the label.",
        ),
    ],
)
def test_a_sheet_that_cannot_be_printed_is_refused(app, grid, message):
    refused(InvalidInput, lambda: labels.Sheet(**grid), message)


def test_a_sheet_filling_the_page_exactly_and_the_smallest_code_are_allowed():
    # 2 x 105 mm across and 10 x 29.7 mm down fill A4 to the point; a 24 mm code is the least.
    exact = labels.Sheet(
        columns=2, label_width=A4[0] / 2, rows=10, label_height=A4[1] / 10, qr_size=24 * mm
    )
    assert (2 * exact.label_width, 10 * exact.label_height) == A4
    assert exact.per_page == 20
    assert labels.Sheet(qr_size=24 * mm).qr_size == 24 * mm
    # A code as tall as its label fits it.
    assert labels.Sheet(label_height=30 * mm, qr_size=30 * mm).per_page == 24


def test_a_name_is_wrapped_at_its_printed_size_and_cut_on_its_second_line():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    labels._register_fonts()
    two = "Mật ong bạc hà"
    exact = stringWidth(two, labels.FONT_BOLD, 8)  # fits to the point at 8 pt, not at 9
    assert labels._wrap(two, exact, 2) == [two]
    assert labels._wrap("Mật ong bạc hà Đồng Văn", exact, 2) == [two, "Đồng Văn"]
    long = "Mật ong bạc hà Đồng Văn Hà Giang mùa hoa tháng mười một"
    first, second = labels._wrap(long, exact, 2)
    assert first == two and second.endswith("…")
    # The rest of the name, words apart as written, cut where the label ends.
    assert long.removeprefix(two + " ").startswith(second[:-1])
    assert stringWidth(second, labels.FONT_BOLD, 8) <= exact
    # A single word wider than the label is kept on its line, not lost.
    assert labels._wrap("Supercalifragilistic", 10, 2) == ["Supercalifragilistic"]


def test_a_sheet_is_a4_and_its_codes_have_the_level_asked_for(catalog, tmp_path):
    batch = factories.lot(catalog.tea)
    units = tracing.generate_units(batch, 2)
    db.session.commit()
    refused(
        InvalidInput,
        lambda: labels.render_sheet(batch, [], "https://ocop.example.vn"),
        "There are no units to print labels for.",
    )
    pdf = tmp_path / "h.pdf"
    pdf.write_bytes(labels.render_sheet(batch, units, "https://ocop.example.vn", level="Q"))
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "Page size:       595.276 x 841.89 pts (A4)" in info
    assert f"Title:           {catalog.tea.name_vi} – {batch.code}" in info
    found = decoded(pdf, tmp_path)
    assert sorted(r.text.rsplit("/", 1)[1] for r in found) == sorted(u.serial for u in units)
    assert {r.ec_level for r in found} == {"Q"}


def test_a_sheet_made_by_the_shop_forks_no_process(catalog, monkeypatch):
    """Only the command line may fork helpers for a large batch: a sheet made by the shop
    (after a request's commit when no worker runs) stays in its process, however large."""

    def no_fork(*args, **kwargs):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(qr, "ProcessPoolExecutor", no_fork)
    monkeypatch.setattr(qr.os, "cpu_count", lambda: 4)
    batch = factories.lot(catalog.tea)
    units = tracing.generate_units(batch, 200)  # the size from which the command line forks
    pdf = labels.render_sheet(batch, units, "https://ocop.example.vn")
    assert pdf.startswith(b"%PDF-")
