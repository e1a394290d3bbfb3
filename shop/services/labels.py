"""Print-ready label sheets: one QR code per package, with the facts a shopper reads."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from shop.models import Lot, Unit
from shop.services import gs1, qr
from shop.services.errors import InvalidInput

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"


@dataclass(frozen=True)
class Sheet:
    """A label grid on A4. The default is the common 3 x 8 sheet of 70 x 37 mm labels."""

    columns: int = 3
    rows: int = 8
    label_width: float = 70 * mm
    label_height: float = 37 * mm
    qr_size: float = 30 * mm  # with its quiet zone: the symbol itself is about 23 mm

    def __post_init__(self):
        if self.columns * self.label_width > A4[0] or self.rows * self.label_height > A4[1]:
            raise InvalidInput(_l("The labels do not fit on an A4 page."))
        if self.qr_size > min(self.label_width, self.label_height) or self.qr_size < 24 * mm:
            raise InvalidInput(
                _l("The QR code must be at least 24 mm with its margin and fit the label.")
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of label ``index`` on its page (centred grid, row by row)."""
        slot = index % self.per_page
        row, column = divmod(slot, self.columns)
        left = (A4[0] - self.columns * self.label_width) / 2
        top = A4[1] - (A4[1] - self.rows * self.label_height) / 2
        return left + column * self.label_width, top - (row + 1) * self.label_height


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            return
    raise RuntimeError("Labels need the DejaVu fonts (Debian package fonts-dejavu-core).")


def _draw_qr(canvas: Canvas, modules: list[list[bool]], x: float, y: float, size: float) -> None:
    """Vector QR: each horizontal run of dark modules is one rectangle."""
    cell = size / len(modules)
    path = canvas.beginPath()
    for r, row in enumerate(modules):
        top = y + size - (r + 1) * cell
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(x + start * cell, top, (c - start) * cell, cell)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)


def _fit(text: str, font: str, size: float, width: float) -> str:
    while text and pdfmetrics.stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text


def split_line(text: str, font: str, size: float, width: float) -> tuple[str, str]:
    """The first line of ``text`` no wider than ``width`` and what is left for the next ones:
    broken between words, or inside a word wider than the whole line."""
    words = text.split()
    line = ""
    for index, word in enumerate(words):
        candidate = f"{line} {word}" if line else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            return line, " ".join(words[index:])
        cut = len(word) - 1
        while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
            cut -= 1
        return word[:cut], " ".join([word[cut:], *words[index + 1 :]])
    return line, ""


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in as many lines no wider than ``width`` as it takes (at least one)."""
    line, rest = split_line(text, font, size, width)
    lines = [line]
    while rest:
        line, rest = split_line(rest, font, size, width)
        lines.append(line)
    return lines


def _draw_label(
    canvas: Canvas,
    sheet: Sheet,
    index: int,
    lot: Lot,
    unit: Unit,
    modules: list[list[bool]],
    stars: int | None,
) -> None:
    x, y = sheet.origin(index)
    pad = 2 * mm
    qr_y = y + (sheet.label_height - sheet.qr_size) / 2
    _draw_qr(canvas, modules, x + pad, qr_y, sheet.qr_size)
    text_x = x + pad + sheet.qr_size + 1 * mm
    width = sheet.label_width - (text_x - x) - pad
    line_y = y + sheet.label_height - 6 * mm
    name = lot.product.name_vi
    canvas.setFont(FONT_BOLD, 8)
    for part in _wrap(name, width, 2):
        canvas.drawString(text_x, line_y, part)
        line_y -= 3.6 * mm
    canvas.setFont(FONT, 7)
    facts = [lot.product.cooperative.name, f"Lô/Lot {lot.code}"]
    if lot.best_before:
        facts.append(f"HSD/Exp {lot.best_before:%d/%m/%Y}")
    if stars:
        facts.append(f"OCOP {'★' * stars}")
    for fact in facts:
        canvas.drawString(text_x, line_y, _fit(fact, FONT, 7, width))
        line_y -= 3.4 * mm
    canvas.setFont(FONT_BOLD, 9)
    canvas.drawString(text_x, y + pad + 1 * mm, f"SN {unit.serial}")


def _wrap(text: str, width: float, lines: int) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, FONT_BOLD, 8) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], _fit(" ".join(out[lines - 1 :]), FONT_BOLD, 8, width)]
    return out


def render_sheet(
    lot: Lot,
    units: list[Unit],
    base_url: str,
    sheet: Sheet | None = None,
    level: str = "M",
    parallel: bool = False,
) -> bytes:
    """A PDF of one label per unit, as many A4 pages as needed."""
    if not units:
        raise InvalidInput(_l("There are no units to print labels for."))
    _register_fonts()
    sheet = sheet or Sheet()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{lot.product.name_vi} – {lot.code}")
    stars = lot.product.current_stars()
    uris = [gs1.digital_link(base_url, lot.product.gtin, lot.code, u.serial) for u in units]
    codes = qr.matrices(uris, level, parallel=parallel)
    for index, (unit, modules) in enumerate(zip(units, codes, strict=True)):
        if index and index % sheet.per_page == 0:
            canvas.showPage()
        _draw_label(canvas, sheet, index, lot, unit, modules, stars)
    canvas.save()
    return buffer.getvalue()
