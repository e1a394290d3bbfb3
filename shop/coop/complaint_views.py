"""The cooperative's side of returns and complaints: answer, and confirm returned goods.
Another cooperative's complaint is "not found"."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import transaction
from shop.complaint_forms import AnswerForm, GoodsReceivedForm
from shop.coop import bp
from shop.forms import first_error
from shop.models import Complaint
from shop.services import complaints
from shop.services.errors import DomainError


def _owned(complaint_id: int) -> Complaint:
    return complaints.owned(current_user.cooperative, complaint_id)


def _detail(complaint: Complaint, form: AnswerForm | None = None, error: str = "", status=200):
    return render_template(
        "coop/complaint.html",
        complaint=complaint,
        form=form or AnswerForm(formdata=None),
        goods_form=GoodsReceivedForm(formdata=None),
        error=error,
    ), status


@bp.get("/complaints")
def complaint_list():
    """Complaints about this cooperative's parcels, those waiting on it first."""
    return render_template(
        "coop/complaints.html", complaints=complaints.of_cooperative(current_user.cooperative)
    )


@bp.get("/complaints/<int:complaint_id>")
def complaint_detail(complaint_id: int):
    """A complaint with its photos, and the forms to answer it."""
    return _detail(_owned(complaint_id))


@bp.post("/complaints/<int:complaint_id>/answer")
def complaint_answer(complaint_id: int):
    """Accept (a refund is given now; a return waits for the goods) or refuse with a reason."""
    complaint = _owned(complaint_id)
    form = AnswerForm()
    if not form.validate():
        return _detail(complaint, form, first_error(form), 400)
    try:
        complaints.answer(complaint, form.decision.data == "accept", form.answer.data, current_user)
    except DomainError as error:
        transaction.rollback()
        return _detail(_owned(complaint_id), form, str(error), error.status_code)
    flash(_("Your answer is sent to the buyer."), "success")
    return redirect(url_for("coop.complaint_detail", complaint_id=complaint_id), code=303)


@bp.post("/complaints/<int:complaint_id>/goods-received")
def complaint_goods_received(complaint_id: int):
    """The returned goods are back: they return to stock and the buyer is refunded."""
    complaint = _owned(complaint_id)
    form = GoodsReceivedForm()
    if not form.validate():
        return _detail(complaint, error=first_error(form), status=400)
    try:
        complaints.goods_received(complaint)
    except DomainError as error:
        transaction.rollback()
        return _detail(_owned(complaint_id), error=str(error), status=error.status_code)
    flash(_("The goods are back in stock; the buyer is refunded."), "success")
    return redirect(url_for("coop.complaint_detail", complaint_id=complaint_id), code=303)


@bp.get("/complaints/<int:complaint_id>/photos/<int:complaint_photo_id>")
def complaint_photo(complaint_id: int, complaint_photo_id: int):
    photo = complaints.photo(_owned(complaint_id), complaint_photo_id)
    response = send_from_directory(
        current_app.config["COMPLAINT_PHOTO_DIR"], photo.path, mimetype="image/webp"
    )
    response.cache_control.private = True
    return response
