"""What a cooperative prints is printed whole: a long address, note, product name or list of
lots on a packing slip goes on over further lines (below the QR code, over the page's
width), a parcel of fifty products over further pages; a bank's long reference on a
statement goes on in its column, its transfer date kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm

from shop.extensions import db
from shop.models import EntryKind, ShippedLot
from shop.models import PaymentMethod as M
from shop.services import coop_ledger, orders, packing_slip, statement_pdf
from tests import factories
from tests.services.test_orders import HOLDS, RULE
from tests.services.test_pdf_documents import BOLD, PART_URL, POPPLER, entry, runs, word_boxes

STREET = (
    "Số 18 ngõ 42 phố Trần Quang Diệu, tổ dân phố số 7, gần chợ Ô Chợ Dừa, "
    "đối diện cổng trường tiểu học, tầng 3 nhà số 2"
)
NOTE = (
    "Giao giờ hành chính, gọi trước 15 phút; nếu không có ai ở nhà thì gửi bảo vệ tòa nhà "
    "và nhắn tin cho người nhận, không để hàng ngoài cửa."
)
LONG_NAME = "Chuối sấy dẻo Viba loại đặc biệt không đường, hái từ vườn chuối tiêu hồng ven sông"


def printed(pages) -> str:
    return " ".join(text for page in pages for text, _, _ in page)


def delivery(**fields) -> orders.Delivery:
    values = {
        "full_name": "Nguyễn Thị Phương Thảo",
        "phone": "0912345678",
        "email": "thao@example.vn",
        "province": "Hà Nội",
        "ward": "Phường Văn Miếu - Quốc Tử Giám",
        "street": STREET,
        "note": NOTE,
    } | fields
    return orders.Delivery(**values)


@POPPLER
def test_a_long_address_note_name_and_lots_are_printed_whole_within_the_page(catalog, tmp_path):
    catalog.banana.name_vi = LONG_NAME
    db.session.flush()
    order = orders.place_order({catalog.banana.id: 2}, delivery(), M.VIETQR, RULE, HOLDS)
    orders.receive_transfer(order, order.total)
    part = order.parts[0]
    for code in ("L2611-A", "L2611-B", "L2612-C"):
        lot = factories.lot(catalog.banana, code=code)
        part.lines[0].shipped_lots.append(ShippedLot(lot_id=lot.id))
    db.session.commit()
    db.session.expire_all()
    pdf = packing_slip.render(part, PART_URL)
    text = printed(runs(pdf))
    for whole in (
        f"{STREET}, Phường Văn Miếu - Quốc Tử Giám, Hà Nội",
        f"Ghi chú: {NOTE}",
        f"2 × {LONG_NAME} (gói 500 g) · lô L2611-A, L2611-B, L2612-C",
        "Đã thanh toán trước: không thu tiền người nhận.",  # once cut short on every slip
    ):
        assert whole in text
    assert "…" not in text
    for _, left, top, right, _, word in word_boxes(pdf, tmp_path):
        assert left >= 12 * mm - 1 and right <= A5[0] - 12 * mm + 1, word
        if top < 42 * mm:  # beside the QR code
            assert right <= A5[0] - 38 * mm, word


@POPPLER
def test_a_parcel_of_fifty_products_goes_on_over_pages_the_cash_to_collect_last(catalog, tmp_path):
    products = [
        factories.product(catalog.viba, catalog.banana.category, name_vi=f"Đặc sản số {n}")
        for n in range(1, 51)
    ]
    items = {p.id: 1 for p in products}
    order = orders.place_order(items, delivery(note=""), M.COD, RULE, HOLDS)
    db.session.commit()
    part = order.parts[0]
    pdf = packing_slip.render(part, PART_URL)
    pages = runs(pdf)
    assert len(pages) == 2
    text = printed(pages)
    for n in range(1, 51):
        assert f"1 × Đặc sản số {n} (gói 500 g)" in text
    assert pages[1][0] == (f"{order.number} · trang 2", BOLD, 10)
    assert pages[1][-1][0].startswith("Thu hộ (COD): ")
    for page, _, top, _, bottom, word in word_boxes(pdf, tmp_path):
        assert top > 10 * mm and bottom < A5[1] - 10 * mm, (page, word)


@POPPLER
def test_a_bank_s_long_reference_is_printed_whole_clear_of_the_amounts(catalog, tmp_path):
    coop = catalog.viba
    reference = "CT 0123456789 " + "THANH TOAN DOANH THU THANG 11 HTX CHUOI VIBA " * 2
    reference = reference[:100]
    at = datetime(2026, 11, 20, 3, tzinfo=UTC)
    entry(coop, EntryKind.PAYOUT, -250_000, at, paid_on=date(2026, 11, 20), reference=reference)
    db.session.commit()
    sheet = coop_ledger.statement(coop, date(2026, 11, 1))
    pdf = statement_pdf.render(sheet)
    boxes = word_boxes(pdf, tmp_path)
    amount_left = min(left for _, left, _, _, _, word in boxes if word == "-250.000")
    column = [
        word
        for _, left, _, right, _, word in sorted(boxes, key=lambda box: (box[0], box[2], box[1]))
        if left > 18 * mm + 50 * mm - 1 and right < amount_left  # clear of the amount
    ]
    assert f"{reference} (2026-11-20)" in " ".join(column)
    assert all(bottom < A4[1] for _, _, _, _, bottom, _ in boxes)


@pytest.mark.parametrize("size", [(20_000, 10_000), (10_000, 9_000)])
def test_a_photo_beyond_what_pillow_opens_is_refused_for_its_pixels(size):
    from shop.services import images
    from shop.services.errors import InvalidInput
    from tests.services.test_image_rules import TOO_MANY_PIXELS, jpeg_claiming
    from tests.services.test_refusals import refused

    refused(InvalidInput, lambda: images._probe(jpeg_claiming(*size)), TOO_MANY_PIXELS)
