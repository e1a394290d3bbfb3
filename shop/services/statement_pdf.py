"""A cooperative's monthly statement as an A4 PDF (Vietnamese, DejaVu fonts as on labels)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from shop.clock import VIETNAM
from shop.i18n import money
from shop.services.banks import bank_name
from shop.services.coop_ledger import Statement, entry_label
from shop.services.labels import FONT, FONT_BOLD, _register_fonts, wrap

KIND_VI = {"sale": "Bán hàng", "refund": "Hoàn tiền", "fee": "Phí sàn", "payout": "Đã chuyển"}
ROW = 6 * mm
LABEL_WIDTH = 55 * mm  # the order or reference column, clear of the amounts right of it


def render(sheet: Statement) -> bytes:
    """Header, opening balance, one line per entry with the running balance, closing."""
    _register_fonts()
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"Sao kê {sheet.cooperative.name} {sheet.month:%m/%Y}")
    left, right, y = 18 * mm, A4[0] - 18 * mm, A4[1] - 20 * mm

    def line(cells, bold=False):
        """One row; a long order or reference (a bank's can take 100 characters) goes on in
        its column on the lines below."""
        nonlocal y
        font = FONT_BOLD if bold else FONT
        date, kind, label, amount, running = cells
        label_lines = wrap(label, font, 9, LABEL_WIDTH)
        for index, text in enumerate(label_lines):
            if y < 25 * mm:
                pdf.showPage()
                y = A4[1] - 20 * mm
            pdf.setFont(font, 9)
            if index == 0:
                pdf.drawString(left, y, date)
                pdf.drawString(left + 24 * mm, y, kind)
            pdf.drawString(left + 50 * mm, y, text)
            if index == 0:
                pdf.drawRightString(right - 35 * mm, y, amount)
                pdf.drawRightString(right, y, running)
            y -= ROW if index == len(label_lines) - 1 else 4.5 * mm

    pdf.setFont(FONT_BOLD, 14)
    pdf.drawString(left, y, f"Sao kê tháng {sheet.month:%m/%Y}")
    y -= 8 * mm
    pdf.setFont(FONT, 10)
    coop = sheet.cooperative
    pdf.drawString(left, y, f"{coop.name} · MST/ĐKKD {coop.registration_number or '—'}")
    y -= ROW
    account = coop.bank_account
    if account is not None:
        pdf.drawString(
            left, y, f"Tài khoản nhận: {bank_name(account.bank_bin)} {account.masked_number}"
        )
        y -= ROW
    y -= 4 * mm
    line(("Ngày", "Loại", "Đơn hàng / tham chiếu", "Số tiền", "Số dư"), bold=True)
    line((f"01/{sheet.month:%m/%Y}", "Đầu kỳ", "", "", money(sheet.opening, "vi")))
    running = sheet.opening
    for entry in sheet.entries:
        running += entry.amount
        line(
            (
                entry.created_at.astimezone(VIETNAM).strftime("%d/%m/%Y"),
                KIND_VI[entry.kind.value],
                entry_label(entry),
                money(entry.amount, "vi"),
                money(running, "vi"),
            )
        )
    line(("", "Cuối kỳ", "", "", money(sheet.closing, "vi")), bold=True)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
