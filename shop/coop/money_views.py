"""The cooperative's money: what it is owed, its monthly statements (page, CSV, PDF)."""

from __future__ import annotations

from flask import Response, render_template
from flask_login import current_user

from shop.clock import today
from shop.coop import bp
from shop.services import coop_ledger, statement_pdf


def _statement(month: str | None):
    coop = current_user.cooperative
    chosen = coop_ledger.parse_month(month) if month else today().replace(day=1)
    return coop_ledger.statement(coop, chosen)


@bp.get("/money")
@bp.get("/money/<month>")
def money(month: str | None = None):
    """The balance owed, and the chosen month's statement (this month by default)."""
    sheet = _statement(month)
    return render_template(
        "coop/money.html",
        sheet=sheet,
        owed=coop_ledger.balance(sheet.cooperative.id),
        months=coop_ledger.months(sheet.cooperative),
    )


def _download(body: str | bytes, mimetype: str, sheet, extension: str) -> Response:
    name = f"sao-ke-{sheet.month:%Y-%m}.{extension}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/money/<month>/statement.csv")
def statement_csv(month: str):
    sheet = _statement(month)
    return _download(coop_ledger.statement_csv(sheet), "text/csv", sheet, "csv")


@bp.get("/money/<month>/statement.pdf")
def statement_pdf_download(month: str):
    sheet = _statement(month)
    return _download(statement_pdf.render(sheet), "application/pdf", sheet, "pdf")
