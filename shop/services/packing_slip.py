"""A packing slip for one cooperative's parcel: what goes in the box, from which lots, to whom,
and a QR code back to the part on the cooperative's dashboard."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shop.clock import VIETNAM
from shop.i18n import money
from shop.models import OrderPart, PaymentMethod
from shop.services import qr
from shop.services.labels import FONT, FONT_BOLD, _draw_qr, _register_fonts, split_line

BOTTOM = 12 * mm  # no line below this: the rest goes on the next page


def render(part: OrderPart, part_url: str) -> bytes:
    """An A5 page in Vietnamese, the language of the people who pack."""
    _register_fonts()
    order, coop = part.order, part.cooperative
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A5)
    pdf.setTitle(f"Phiếu đóng gói {order.number}")
    width, height = A5
    left, y = 12 * mm, height - 15 * mm
    text_width = width - 24 * mm
    qr_bottom = height - 40 * mm
    page = 1

    def write(text: str, size: float = 10, bold: bool = False, gap: float = 5.5 * mm) -> None:
        """One line, or as many as the text takes: beside the QR code the lines stop short
        of it, below it they run the page's width, past the bottom they go on a new page."""
        nonlocal y, page
        font = FONT_BOLD if bold else FONT
        rest = text
        while True:
            if y < BOTTOM:
                pdf.showPage()
                page += 1
                y = height - 15 * mm
                pdf.setFont(FONT_BOLD, 10)
                pdf.drawString(left, y, f"{order.number} · trang {page}")
                y -= 7 * mm
            beside_qr = page == 1 and y + size > qr_bottom
            line, rest = split_line(rest, font, size, text_width - (30 * mm if beside_qr else 0))
            pdf.setFont(font, size)
            pdf.drawString(left, y, line)
            y -= gap
            if not rest:
                return

    write("Phiếu đóng gói", 14, bold=True, gap=7 * mm)
    write(order.number or "", 13, bold=True, gap=6 * mm)
    write(f"Đặt lúc {order.placed_at.astimezone(VIETNAM):%d/%m/%Y %H:%M}")
    _draw_qr(pdf, qr.matrix(part_url), width - 12 * mm - 26 * mm, height - 40 * mm, 26 * mm)
    y -= 2 * mm
    write("Người gửi", bold=True)
    write(f"{coop.name} · {coop.phone}")
    write(", ".join(x for x in (coop.address, coop.commune, coop.province) if x))
    y -= 2 * mm
    write("Người nhận", bold=True)
    write(f"{order.full_name} · {order.phone}")
    write(f"{order.street}, {order.ward}, {order.province}")
    if order.note:
        write(f"Ghi chú: {order.note}")
    y -= 2 * mm
    write("Hàng trong kiện", bold=True)
    for line in part.lines:
        lots = ", ".join(s.lot.code for s in line.shipped_lots)
        write(f"{line.quantity} × {line.name} ({line.unit})" + (f" · lô {lots}" if lots else ""))
    y -= 2 * mm
    if part.weight_grams:
        write(f"Khối lượng ước tính: {part.weight_grams / 1000:.2f} kg".replace(".", ","))
    if order.payment_method is PaymentMethod.COD:
        write(f"Thu hộ (COD): {money(part.total, 'vi')}", 12, bold=True)
    else:
        write("Đã thanh toán trước: không thu tiền người nhận.", bold=True)
    if part.tracking_number:
        write(f"Vận chuyển: {part.carrier} · {part.tracking_number}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
