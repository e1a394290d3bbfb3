"""The cooperative's profile, payout bank account and certificates (dashboard pages)."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import transaction
from shop.coop import bp
from shop.coop.forms import BankAccountForm, CertificateForm, ProfileForm
from shop.models import CertificationKind
from shop.services import certificates, products, profiles
from shop.services.errors import DomainError


def _coop():
    return current_user.cooperative


def _profile_page(profile_form=None, bank_form=None, error="", status=200):
    coop = _coop()
    return render_template(
        "coop/profile.html",
        coop=coop,
        form=profile_form or ProfileForm(obj=coop, formdata=None),
        bank_form=bank_form or BankAccountForm(formdata=None),
        error=error,
    ), status


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """What buyers read about the cooperative: story, address, links, logo."""
    form = ProfileForm(obj=_coop())
    if not form.validate_on_submit():
        return _profile_page(form, status=400 if request.method == "POST" else 200)
    try:
        profiles.update_profile(
            _coop(),
            profiles.ProfileData(
                story_vi=form.story_vi.data or "",
                story_en=form.story_en.data or "",
                address=form.address.data,
                commune=form.commune.data,
                phone=form.phone.data,
                registration_number=form.registration_number.data,
                zalo_url=form.zalo_url.data or "",
                facebook_url=form.facebook_url.data or "",
                website_url=form.website_url.data or "",
                latitude=form.latitude.data,
                longitude=form.longitude.data,
            ),
        )
        upload_dir = Path(current_app.config["UPLOAD_DIR"])
        logo = request.files.get(form.logo.name)
        if logo and logo.filename:
            profiles.set_logo(_coop(), logo.read(), upload_dir)
        photos = [f.read() for f in request.files.getlist(form.photos.name) if f and f.filename]
        if photos:
            profiles.add_photos(_coop(), photos, upload_dir)
    except DomainError as error:
        transaction.rollback()
        return _profile_page(form, error=str(error), status=error.status_code)
    flash(_("Profile saved."), "success")
    return redirect(url_for("coop.profile"), code=303)


@bp.post("/profile/photos/<int:coop_photo_id>/<any(describe, delete):change>")
def profile_photo(coop_photo_id: int, change: str):
    """Describe or delete one of the cooperative's photos."""
    try:
        profiles.change_photo(
            _coop(), coop_photo_id, request.form.get("alt"), delete=change == "delete"
        )
    except DomainError as error:
        transaction.rollback()
        return _profile_page(error=str(error), status=error.status_code)
    flash(_("Photos saved."), "success")
    return redirect(url_for("coop.profile") + "#photos", code=303)


@bp.post("/profile/bank-account")
def bank_account():
    """The owner names a new payout account; the office confirms it before money goes there."""
    if not current_user.is_owner:
        abort(403)
    form = BankAccountForm()
    if not form.validate_on_submit():
        return _profile_page(bank_form=form, status=400)
    try:
        profiles.request_bank_account(
            _coop(),
            current_user,
            form.bank_bin.data,
            form.account_number.data,
            form.account_name.data,
        )
    except DomainError as error:
        transaction.rollback()
        return _profile_page(bank_form=form, error=str(error), status=error.status_code)
    flash(_("The OCOP office will confirm the new account before payouts go to it."), "success")
    return redirect(url_for("coop.profile"), code=303)


def _certificates_page(form=None, error="", status=200):
    coop = _coop()
    return render_template(
        "coop/certificates.html",
        certificates=certificates.of_cooperative(coop),
        form=form or CertificateForm(formdata=None, products=products.products_of(coop)),
        error=error,
    ), status


@bp.route("/certificates", methods=["GET", "POST"])
def certificate_list():
    """The cooperative's certificates and their state; add one or its renewal."""
    coop = _coop()
    form = CertificateForm(products=products.products_of(coop))
    if request.method == "GET":
        return _certificates_page(form)
    if not form.validate_on_submit():
        return _certificates_page(form, status=400)
    document = request.files.get(form.document.name)
    try:
        certificates.add(
            coop,
            certificates.CertificateData(
                kind=CertificationKind(form.kind.data),
                number=form.number.data,
                issuer=form.issuer.data,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
                product_id=int(form.product.data) if form.product.data else None,
            ),
            document.read() if document and document.filename else b"",
            Path(current_app.config["DOCUMENT_DIR"]),
        )
    except DomainError as error:
        transaction.rollback()
        return _certificates_page(form, error=str(error), status=error.status_code)
    flash(_("Certificate sent to the OCOP office for verification."), "success")
    return redirect(url_for("coop.certificate_list"), code=303)


@bp.post("/certificates/<int:certificate_id>/withdraw")
def certificate_withdraw(certificate_id: int):
    try:
        certificates.withdraw(_coop(), certificate_id)
    except DomainError as error:
        transaction.rollback()
        return _certificates_page(error=str(error), status=error.status_code)
    flash(_("Certificate withdrawn."), "success")
    return redirect(url_for("coop.certificate_list"), code=303)
