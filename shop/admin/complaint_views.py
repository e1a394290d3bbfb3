"""The office's side of returns and complaints: it decides when buyer and cooperative
disagree, or when the cooperative lets a deadline pass."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import transaction
from shop.admin import bp
from shop.complaint_forms import DecisionForm
from shop.forms import first_error
from shop.models import Complaint
from shop.services import complaints, orders
from shop.services.errors import DomainError


def _detail(complaint: Complaint, form: DecisionForm | None = None, error="", status=200):
    left = orders.part_refundable(complaint.part)
    return render_template(
        "admin/complaint.html",
        complaint=complaint,
        refundable=left,
        form=form or DecisionForm(formdata=None, amount=min(complaint.amount, left) or None),
        error=error,
    ), status


@bp.get("/complaints")
def complaint_list():
    """Every complaint: those the office must decide first."""
    return render_template("admin/complaints.html", complaints=complaints.office_list())


@bp.get("/complaints/<int:complaint_id>")
def complaint_detail(complaint_id: int):
    return _detail(complaints.get(complaint_id))


@bp.post("/complaints/<int:complaint_id>/decide")
def complaint_decide(complaint_id: int):
    """Refund the buyer (charged to the part's cooperative) or reject the complaint."""
    complaint = complaints.get(complaint_id)
    form = DecisionForm()
    if not form.validate():
        return _detail(complaint, form, first_error(form), 400)
    try:
        complaints.decide(
            complaint, form.outcome.data == "refund", form.amount.data, form.note.data, current_user
        )
    except DomainError as error:
        transaction.rollback()
        return _detail(complaints.get(complaint_id), form, str(error), error.status_code)
    flash(_("Decision recorded; the buyer and the cooperative are told."), "success")
    return redirect(url_for("admin.complaint_detail", complaint_id=complaint_id), code=303)


@bp.get("/complaints/<int:complaint_id>/photos/<int:complaint_photo_id>")
def complaint_photo(complaint_id: int, complaint_photo_id: int):
    photo = complaints.photo(complaints.get(complaint_id), complaint_photo_id)
    response = send_from_directory(
        current_app.config["COMPLAINT_PHOTO_DIR"], photo.path, mimetype="image/webp"
    )
    response.cache_control.private = True
    return response
