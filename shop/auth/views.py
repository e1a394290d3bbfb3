"""Account views: thin wrappers around services.accounts, one commit per request."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from shop import transaction
from shop.auth import bp
from shop.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    CooperativeApplicationForm,
    DeleteAccountForm,
    LoginForm,
    MarketingForm,
    NotificationsForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from shop.cart import store
from shop.extensions import csrf, limiter
from shop.mail import send_account_exists, send_password_reset, send_registration_link
from shop.models import CooperativeKind, Role
from shop.security import is_safe_next
from shop.services import accounts, consents, orders, personal_data
from shop.services.errors import DomainError
from shop.templating import external_url

AUTH_LIMIT = "10 per minute;50 per hour"
ACCOUNT_LIMIT = "5 per minute;20 per hour"  # per email address, from any number of addresses
REGISTER_LIMIT = "5 per hour"


def _email_key() -> str:
    """Limit attempts on one account, whichever address they come from."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def _after_login():
    target = request.args.get("next") or request.form.get("next")
    if is_safe_next(target):
        return redirect(target)
    if current_user.role is Role.MEMBER:
        return redirect(url_for("coop.overview"))
    if current_user.role is Role.ADMIN:
        return redirect(url_for("admin.overview"))
    return redirect(url_for("catalog.home"))


def _sign_in(user, remember: bool = False) -> None:
    store.merge_guest_cart_into(user.id)
    login_user(user, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def register():
    """Start a customer account. The answer is the same whether or not the email has one:
    a new address gets a link to choose a password, a known one a note to its owner."""
    form = RegisterForm()
    if form.validate_on_submit():
        email = accounts.normalize_email(form.email.data)
        existing = accounts.by_email(email)
        if existing is not None:
            send_account_exists(existing, external_url("auth.reset_request"))
        else:
            token = accounts.registration_token(
                email, form.name.data, current_app.config["SECRET_KEY"]
            )
            send_registration_link(
                email, form.name.data, external_url("auth.register_finish", token=token)
            )
        flash(
            _(
                "We have sent an email to %(email)s. Open its link within a day to choose your"
                " password and finish.",
                email=email,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/register/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def register_finish(token: str):
    """Choose a password from the emailed link: the account is created and signed in."""
    secret = current_app.config["SECRET_KEY"]
    try:
        email, _name = accounts.registration_of(token, secret)
    except DomainError as error:
        return render_template("auth/reset_invalid.html", message=str(error)), 400
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.finish_registration(
                token, form.password.data, secret, marketing=form.marketing.data
            )
        except DomainError as error:
            transaction.rollback()
            form.password.errors.append(str(error))
        else:
            _sign_in(user)
            flash(_("Welcome! Your account is ready."), "success")
            return _after_login()
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register_finish.html", form=form, email=email), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
@limiter.limit(ACCOUNT_LIMIT, methods=["POST"], key_func=_email_key)
def login():
    """Sign in. A wrong email and a wrong password get the same answer."""
    if current_user.is_authenticated:
        return _after_login()
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            return _after_login()
        form.password.errors.append(_("Email or password is incorrect."))
    status = 400 if request.method == "POST" else 200
    target = request.args.get("next", "")
    return render_template(
        "auth/login.html", form=form, next=target if is_safe_next(target) else ""
    ), status


@bp.post("/logout")
def logout():
    """Sign out here and on the server: the session's token changes, so a copy of the
    cookie (or a remember-me cookie) no longer signs anyone in."""
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("catalog.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the email has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.by_email(form.email.data)
        if user is not None and user.active:
            token = accounts.reset_token(user, current_app.config["SECRET_KEY"])
            send_password_reset(user, external_url("auth.reset", token=token))
        flash(
            _(
                "If an account uses this email, we have sent it a link to choose a new password."
                " The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset(token: str):
    """Choose a new password with an emailed link (once, within the hour)."""
    secret = current_app.config["SECRET_KEY"]
    try:
        accounts.user_for_reset_token(token, secret)
    except DomainError as error:
        return render_template("auth/reset_invalid.html", message=str(error)), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(token, form.password.data, secret)
        except DomainError as error:
            transaction.rollback()
            return render_template("auth/reset_invalid.html", message=str(error)), 400
        login_user(user)
        flash(_("Your password has been changed."), "success")
        return _after_login()
    status = 400 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def settings():
    """Change password or email; a password change signs out every other session."""
    password_form = ChangePasswordForm(prefix="pw")
    email_form = ChangeEmailForm(prefix="em")
    status = 200
    if request.method == "POST" and "pw-current" in request.form:
        if password_form.validate():
            try:
                accounts.change_password(
                    current_user, password_form.current.data, password_form.password.data
                )
            except DomainError as error:
                transaction.rollback()
                password_form.current.errors.append(str(error))
            else:
                login_user(current_user._get_current_object())  # this session keeps going
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("auth.settings"))
        status = 400
    elif request.method == "POST" and "em-current" in request.form:
        if email_form.validate():
            try:
                accounts.change_email(current_user, email_form.current.data, email_form.email.data)
            except DomainError as error:
                transaction.rollback()
                email_form.email.errors.append(str(error))
            else:
                flash(_("Your email has been changed."), "success")
                return redirect(url_for("auth.settings"))
        status = 400
    return _settings_page(password_form=password_form, email_form=email_form), status


def _settings_page(**forms) -> str:
    """The account page, with any form that failed kept as the person filled it."""
    user = current_user._get_current_object()
    wants = consents.wants_marketing(user.email, user)
    defaults = {
        "password_form": ChangePasswordForm(prefix="pw", formdata=None),
        "email_form": ChangeEmailForm(prefix="em", formdata=None),
        "notify_form": _notifications_form(),
        "marketing_form": MarketingForm(prefix="mk", formdata=None, data={"wanted": wants}),
        "delete_form": DeleteAccountForm(prefix="del", formdata=None),
    }
    return render_template(
        "auth/settings.html",
        **(defaults | forms),
        wants_marketing=wants,
        consent_records=consents.of(user),
    )


def _notifications_form(formdata=None) -> NotificationsForm:
    user = current_user
    form = NotificationsForm(prefix="nt", formdata=formdata)
    if formdata is None:
        form.phone.data = user.phone
        form.by_email.data, form.by_zalo.data, form.by_sms.data = (
            user.notify_email,
            user.notify_zalo,
            user.notify_sms,
        )
    return form


@bp.post("/notifications")
@login_required
def notifications():
    """Choose where to hear about orders: email, Zalo, SMS."""
    form = _notifications_form(request.form)
    error = None
    if form.validate():
        try:
            accounts.set_notifications(
                current_user,
                form.phone.data or "",
                form.by_email.data,
                form.by_zalo.data,
                form.by_sms.data,
            )
        except DomainError as failure:
            transaction.rollback()
            error = str(failure)
        else:
            flash(_("Your notification choices are saved."), "success")
            return redirect(url_for("auth.settings"), code=303)
    if error:
        form.phone.errors.append(error)
    return _settings_page(notify_form=form), 400


@bp.post("/marketing")
@login_required
def marketing():
    """News and offers on or off; each change is a consent record (or its withdrawal)."""
    form = MarketingForm(prefix="mk")
    if not form.validate():
        return _settings_page(marketing_form=form), 400
    consents.set_marketing(current_user._get_current_object(), form.wanted.data)
    flash(
        _("You will get news and offers.") if form.wanted.data else _("No more news and offers."),
        "success",
    )
    return redirect(url_for("auth.settings", _anchor="privacy"), code=303)


@bp.post("/delete")
@login_required
def delete_account():
    """Delete my account (orders are kept for the time the law asks, then anonymised)."""
    form = DeleteAccountForm(prefix="del")
    if form.validate():
        try:
            personal_data.delete_account(current_user._get_current_object(), form.password.data)
        except DomainError as error:
            transaction.rollback()
            form.password.errors.append(str(error))
            return _settings_page(delete_form=form), error.status_code
        logout_user()
        flash(_("Your account is deleted. Thank you for buying from the cooperatives."), "info")
        return redirect(url_for("catalog.home"), code=303)
    return _settings_page(delete_form=form), 400


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail apps post here without a form (RFC 8058)
def unsubscribe(token: str):
    """Stop news and offers to the address of the link, from any message, in one click."""
    email = consents.email_of_unsubscribe(token, current_app.config["SECRET_KEY"])
    done = request.method == "POST"
    if done:
        consents.withdraw_marketing(email)
    return render_template("auth/unsubscribe.html", email=email, done=done)


@bp.get("/data.<any(json, csv):fmt>")
@login_required
def my_data(fmt: str):
    """Download everything the shop keeps about me, as JSON or CSV."""
    user = current_user._get_current_object()
    if fmt == "json":
        body, mimetype = personal_data.export_json(user), "application/json"
    else:
        body, mimetype = personal_data.export_csv(user), "text/csv"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="ocop-shop-my-data.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/orders")
@login_required
def my_orders():
    """The signed-in buyer's orders, newest first."""
    return render_template("auth/orders.html", orders=orders.of_user(current_user.id))


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    """A producer applies to sell; the OCOP office approves the shop before it shows."""
    form = CooperativeApplicationForm()
    if form.validate_on_submit():
        try:
            accounts.apply_for_cooperative(
                current_user,
                name=form.name.data,
                kind=CooperativeKind(form.kind.data),
                province=form.province.data,
                commune=form.commune.data,
                address=form.address.data,
                phone=form.phone.data,
                story=form.story.data or "",
                registration_number=form.registration_number.data,
                zalo_url=form.zalo_url.data or "",
                facebook_url=form.facebook_url.data or "",
            )
        except DomainError as error:
            transaction.rollback()
            form.name.errors.append(str(error))
        else:
            flash(_("Thank you! The OCOP office will review your application."), "success")
            return redirect(url_for("coop.overview"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/apply.html", form=form), status


@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    """Accept an invitation to a cooperative's staff (sign in or register first, then accept)."""
    if request.method == "POST":
        try:
            coop = accounts.accept_invitation(current_user, token, current_app.config["SECRET_KEY"])
        except DomainError as error:
            transaction.rollback()
            return render_template(
                "auth/join.html", token=token, error=str(error)
            ), error.status_code
        flash(_("You now work for %(name)s.", name=coop.name), "success")
        return redirect(url_for("coop.overview"), code=303)
    return render_template("auth/join.html", token=token)
