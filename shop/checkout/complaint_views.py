"""The buyer's side of returns and complaints, reached from the order's secret link."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from shop import transaction
from shop.checkout import bp
from shop.complaint_forms import ComplaintForm, EscalateForm
from shop.forms import first_error
from shop.models import Complaint, ComplaintReason, OrderPart, Remedy
from shop.services import complaints, orders
from shop.services.errors import DomainError


@bp.url_value_preprocessor
def _room_for_photos(endpoint: str | None, values: dict | None) -> None:
    """A complaint carries up to 4 photos, more than MAX_CONTENT_LENGTH allows other forms.
    Set here because these run before every before_request handler (one reads the form)."""
    if endpoint == "checkout.complaint":
        request.max_content_length = complaints.MAX_UPLOAD


def _private(body: str, status: int = 200) -> Response:
    """The URL carries the buyer's key: never sent on as a referrer, never stored."""
    response = Response(body, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.no_store = True
    return response


def _page(
    part: OrderPart,
    complaint: Complaint | None,
    form: ComplaintForm | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    order = part.order
    return _private(
        render_template(
            "checkout/complaint.html",
            order=order,
            part=part,
            complaint=complaint,
            form=form or ComplaintForm(formdata=None, amount=part.total),
            escalate_form=EscalateForm(formdata=None),
            window_days=complaints.Rules.from_config().window_days,
            error=error,
        ),
        status,
    )


def _complaint_url(part: OrderPart) -> str:
    return url_for("checkout.complaint", token=part.order.access_token, part_id=part.id)


@bp.route("/orders/<token>/parts/<int:part_id>/complaint", methods=["GET", "POST"])
def complaint(token: str, part_id: int):
    """Open a complaint or return about a delivered parcel, with photos; or follow one."""
    part = complaints.part_of(orders.by_token(token), part_id)
    existing = complaints.of_part(part)
    if request.method == "GET":
        if existing is None:
            complaints.check_can_open(part)  # refused before the buyer types anything
        return _page(part, existing)
    form = ComplaintForm()
    if not form.validate():
        return _page(part, existing, form, first_error(form), 400)
    photos = [f.read() for f in request.files.getlist(form.photos.name) if f and f.filename]
    try:
        complaints.open_complaint(
            part,
            reason=ComplaintReason(form.reason.data),
            remedy=Remedy(form.remedy.data),
            message=form.message.data,
            amount=form.amount.data,
            photos=photos,
            photo_dir=Path(current_app.config["COMPLAINT_PHOTO_DIR"]),
        )
    except DomainError as error:
        transaction.rollback()
        return _page(part, complaints.of_part(part), form, str(error), error.status_code)
    flash(_("Your complaint is sent. The cooperative answers within a few days."), "success")
    return redirect(_complaint_url(part), code=303)


@bp.post("/orders/<token>/parts/<int:part_id>/complaint/escalate")
def complaint_escalate(token: str, part_id: int):
    """The buyer disagrees with the cooperative's refusal: the OCOP office decides."""
    part = complaints.part_of(orders.by_token(token), part_id)
    existing = complaints.of_part_or_404(part)
    form = EscalateForm()
    if not form.validate():
        return _page(part, existing, error=first_error(form), status=400)
    complaints.escalate(existing, form.note.data)
    flash(_("The OCOP office will look at your complaint and decide."), "success")
    return redirect(_complaint_url(part), code=303)


@bp.get("/orders/<token>/parts/<int:part_id>/complaint/photos/<int:complaint_photo_id>")
def complaint_photo(token: str, part_id: int, complaint_photo_id: int):
    part = complaints.part_of(orders.by_token(token), part_id)
    photo = complaints.photo(complaints.of_part_or_404(part), complaint_photo_id)
    response = send_from_directory(
        current_app.config["COMPLAINT_PHOTO_DIR"], photo.path, mimetype="image/webp"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.cache_control.private = True
    return response
