"""Views of the OCOP office. Every route requires the admin role.

Thin views: they parse a form, call a service (services.admin, ratings, reviews,
payments), commit once and redirect. A refused action re-renders its page with the
reason and the domain error's status (400, 404, 409); bad forms answer 400.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from shop import transaction
from shop.admin import bp
from shop.admin.forms import (
    ROLE_LABELS,
    OfficeRecallForm,
    OrderListForm,
    PageForm,
    PayoutForm,
    PolicyForm,
    ProductSearchForm,
    RatingForm,
    RefundForm,
    RejectForm,
    RevokeForm,
    RoleForm,
    TransferForm,
    UserSearchForm,
)
from shop.coop.forms import CloseRecallForm
from shop.extensions import db
from shop.forms import first_error
from shop.i18n import short_date
from shop.mail import queue as queue_email
from shop.models import (
    Cooperative,
    OcopLevel,
    Order,
    OutboxMessage,
    Product,
    Recall,
    Refund,
    Role,
    User,
)
from shop.security import roles_required, safe_next
from shop.services import (
    admin,
    certificates,
    coop_ledger,
    counterfeits,
    moderation,
    orders,
    outbox,
    personal_data,
    profiles,
    ratings,
    recalls,
    reconcile,
    reviews,
    search,
    tracing,
)
from shop.services import policies as policy_texts
from shop.services.errors import DomainError, InvalidInput, NotFound
from shop.services.notify import events as notify_events

PER_PAGE = 50
RECONCILE_SCAN = 5000  # the newest orders the Money page checks; `flask reconcile` checks all


@bp.before_request
@roles_required(Role.ADMIN)
def require_admin():
    """Every admin page is for the OCOP office only."""
    return None


def _status() -> int:
    """400 for a refused form, 200 for a page shown for the first time."""
    return 400 if request.method == "POST" else 200


@bp.get("/")
def overview():
    """What waits for the office: applications, expiring ratings, orders to look at."""
    return render_template("admin/overview.html", counts=admin.counts())


# --- Cooperatives --------------------------------------------------------------------------


@bp.get("/cooperatives")
def cooperative_list():
    """Every cooperative, applications waiting for approval first."""
    return render_template("admin/cooperatives.html", cooperatives=admin.cooperatives())


@bp.post("/cooperatives/<int:cooperative_id>/approve")
def cooperative_approve(cooperative_id: int):
    """Approve an application: the cooperative's products appear in the catalog."""
    coop = admin.cooperative(cooperative_id)
    admin.approve(coop)
    notify_events.tell_approved(coop)
    flash(
        _("%(name)s is approved; its products are now in the catalog.", name=coop.name), "success"
    )
    return redirect(url_for("admin.cooperative_list"), code=303)


@bp.post("/cooperatives/<int:cooperative_id>/suspend")
def cooperative_suspend(cooperative_id: int):
    """Suspend an approved cooperative, with the reason its pages will show."""
    coop = admin.cooperative(cooperative_id)
    moderation.suspend(coop, request.form.get("reason", ""), current_user)
    flash(_("%(name)s is suspended.", name=coop.name), "success")
    return redirect(url_for("admin.cooperative_list"), code=303)


@bp.post("/cooperatives/<int:cooperative_id>/reinstate")
def cooperative_reinstate(cooperative_id: int):
    coop = admin.cooperative(cooperative_id)
    moderation.reinstate(coop, current_user)
    flash(_("%(name)s is approved again.", name=coop.name), "success")
    return redirect(url_for("admin.cooperative_list"), code=303)


@bp.post("/cooperatives/<int:cooperative_id>/reject")
def cooperative_reject(cooperative_id: int):
    """Refuse an application with a reason, which is emailed to the applicant."""
    coop = admin.cooperative(cooperative_id)
    form = RejectForm()
    if not form.validate():
        raise InvalidInput(first_error(form))
    name, email, reason = coop.name, coop.email, form.reason.data.strip()
    contact = notify_events.cooperative(coop)  # before the application may be removed
    deleted = admin.reject(coop, reason)
    _send_rejection(email, name, reason)
    notify_events.tell_rejected(contact, name, reason)
    if deleted:
        flash(_("The application of %(name)s was rejected and removed.", name=name), "success")
    else:
        flash(
            _("%(name)s stays unapproved: it already has products, so it was kept.", name=name),
            "success",
        )
    return redirect(url_for("admin.cooperative_list"), code=303)


def _send_rejection(email: str, name: str, reason: str) -> None:
    """Tell the applicant why (in Vietnamese, the applicants' language)."""
    if not email:
        return
    with force_locale("vi"):
        subject = _("Your application to sell on the OCOP Shop")
        body = _(
            "The OCOP office could not approve %(name)s.\n\nReason: %(reason)s\n",
            name=name,
            reason=reason,
        )
    queue_email(email, subject, body)


# --- Ratings -------------------------------------------------------------------------------


@bp.get("/ratings")
def rating_search():
    """Find a product to rate by GTIN or name; ratings expiring within 60 days."""
    form = ProductSearchForm(request.args)
    found: list[Product] | None = None
    if form.q.data and form.validate():
        found = admin.find_products(form.q.data)
    status = 400 if form.errors else 200
    return render_template(
        "admin/ratings.html",
        form=form,
        found=found,
        expiring=admin.expiring_ratings(),
        days=admin.EXPIRY_WARNING_DAYS,
    ), status


def _render_product_ratings(product: Product, form: RatingForm, error: str = "", status=200):
    return render_template(
        "admin/product_ratings.html",
        product=product,
        form=form,
        error=error,
    ), status


@bp.route("/products/<int:product_id>/ratings", methods=["GET", "POST"])
def product_ratings(product_id: int):
    """A product's rating history, and the form to record a council's decision."""
    product = admin.product(product_id)
    form = RatingForm()
    if not form.validate_on_submit():
        return _render_product_ratings(product, form, status=_status())
    try:
        rating = ratings.record_rating(
            product,
            score=form.score.data,
            level=OcopLevel(form.level.data),
            council=form.council.data,
            certificate_number=form.certificate_number.data,
            decision_date=form.decision_date.data,
        )
    except DomainError as error:
        transaction.rollback()
        return _render_product_ratings(product, form, str(error), error.status_code)
    flash(
        _(
            "Rating recorded: %(n)s stars, valid until %(date)s.",
            n=rating.stars,
            date=short_date(rating.valid_until),
        ),
        "success",
    )
    return redirect(url_for("admin.product_ratings", product_id=product.id), code=303)


@bp.post("/ratings/<int:rating_id>/revoke")
def rating_revoke(rating_id: int):
    """Withdraw a rating, with a reason; the product's stars follow its current rating."""
    rating = admin.rating(rating_id)
    form = RevokeForm()
    product = admin.product(rating.product_id)
    if rating.revoked_at is not None:
        return _render_product_ratings(
            product, RatingForm(formdata=None), _("This rating is already revoked."), 409
        )
    if not form.validate():
        return _render_product_ratings(product, RatingForm(formdata=None), first_error(form), 400)
    ratings.revoke_rating(rating, form.reason.data)
    flash(_("Rating %(number)s revoked.", number=rating.certificate_number), "success")
    return redirect(url_for("admin.product_ratings", product_id=product.id), code=303)


# --- Users ---------------------------------------------------------------------------------


@bp.get("/users")
def user_list():
    """Accounts with their role and cooperative, newest first."""
    form = UserSearchForm(request.args)
    if not form.validate():
        raise InvalidInput(first_error(form))
    page = db.paginate(
        admin.users(form.q.data or ""),
        page=form.page.data or 1,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("admin/users.html", form=form, page=page)


def _role_form(user: User) -> RoleForm:
    form = RoleForm()
    if request.method == "GET":
        form.role.data = user.role.value
        form.cooperative.data = user.cooperative_id or 0
    form.cooperative.choices = [(0, _("None"))] + [(c.id, c.name) for c in admin.all_cooperatives()]
    return form


@bp.get("/users/<int:user_id>")
def user_detail(user_id: int):
    """One account and the form to change its role."""
    user = admin.user(user_id)
    if user.role is Role.CUSTOMER:
        personal_data.log_access(current_user, "account", subject=user)
    return render_template("admin/user.html", user=user, form=_role_form(user))


@bp.get("/searches")
def search_misses():
    """What buyers searched for in the last 30 days and did not find, the most frequent first."""
    return render_template("admin/search_misses.html", misses=search.recent_misses(days=30))


@bp.get("/data-access")
def data_access():
    """Who at the office opened which buyer's data, newest first (kept two years)."""
    return render_template("admin/data_access.html", entries=personal_data.access_log())


@bp.post("/users/<int:user_id>/role")
def user_role(user_id: int):
    """Change a role; making someone a member needs the cooperative they belong to."""
    user = admin.user(user_id)
    form = _role_form(user)
    if not form.validate():
        return render_template("admin/user.html", user=user, form=form), 400
    coop = db.session.get(Cooperative, form.cooperative.data) if form.cooperative.data else None
    try:
        admin.change_role(user, Role(form.role.data), coop, acting=current_user)
    except DomainError as error:
        transaction.rollback()
        return render_template(
            "admin/user.html", user=user, form=form, error=str(error)
        ), error.status_code
    flash(
        _("%(email)s is now: %(role)s.", email=user.email, role=ROLE_LABELS[user.role]), "success"
    )
    return redirect(url_for("admin.user_detail", user_id=user.id), code=303)


# --- Orders --------------------------------------------------------------------------------


@bp.get("/orders")
def order_list():
    """All orders, newest first, optionally those needing attention or unpaid transfers."""
    form = OrderListForm(request.args)
    if not form.validate():
        raise InvalidInput(first_error(form))
    show = admin.OrderFilter(form.show.data or admin.OrderFilter.ALL)
    page = db.paginate(
        admin.order_query(show), page=form.page.data or 1, per_page=PER_PAGE, error_out=False
    )
    return render_template("admin/orders.html", form=form, page=page, show=show.value)


def _render_order(order: Order, error: str = "", status: int = 200, **forms):
    forms.setdefault("transfer_form", TransferForm(formdata=None, amount=order.total))
    forms.setdefault("refund_form", RefundForm(formdata=None))
    return render_template(
        "admin/order.html",
        order=order,
        refunds=admin.refunds(order),
        refundable=admin.refundable(order),
        can_receive_transfer=admin.can_receive_transfer(order),
        error=error,
        **forms,
    ), status


@bp.get("/orders/<int:order_id>")
def order_detail(order_id: int):
    """An order: buyer, parts and their history, payments, refunds and the office's actions.
    The buyer's details are on it, so the view is logged."""
    order = orders.by_id(order_id)
    personal_data.log_access(current_user, "order", order=order)
    return _render_order(order)


@bp.post("/orders/<int:order_id>/transfer")
def order_transfer(order_id: int):
    """Mark a VietQR transfer received, for the amount on the bank statement."""
    order = orders.by_id(order_id)
    form = TransferForm()
    if not form.validate():
        return _render_order(order, first_error(form), 400, transfer_form=form)
    try:
        admin.receive_transfer(order, form.amount.data)
    except DomainError as error:
        return _render_order(order, str(error), error.status_code, transfer_form=form)
    flash(_("Transfer recorded for order %(number)s.", number=order.number), "success")
    return redirect(url_for("admin.order_detail", order_id=order.id), code=303)


@bp.post("/orders/<int:order_id>/refund")
def order_refund(order_id: int):
    """Refund part or all of what was paid: Stripe for cards, a manual record otherwise."""
    order = orders.by_id(order_id)
    form = RefundForm()
    if not form.validate():
        return _render_order(order, first_error(form), 400, refund_form=form)
    try:
        full = admin.refund(order, form.amount.data, form.reason.data)
    except DomainError as error:
        transaction.rollback()
        return _render_order(
            orders.by_id(order_id), str(error), error.status_code, refund_form=form
        )
    flash(
        _("Order %(number)s refunded in full.", number=order.number)
        if full
        else _("Partial refund recorded for order %(number)s.", number=order.number),
        "success",
    )
    return redirect(url_for("admin.order_detail", order_id=order.id), code=303)


# --- Reviews -------------------------------------------------------------------------------


@bp.get("/reviews")
def review_list():
    """Reviews, newest first, each with a button to hide or show it again."""
    form = PageForm(request.args)
    if not form.validate():
        raise InvalidInput(first_error(form))
    page = db.paginate(
        reviews.latest(), page=form.page.data or 1, per_page=PER_PAGE, error_out=False
    )
    return render_template("admin/reviews.html", page=page)


@bp.post("/reviews/<int:review_id>/<any(hide, show):action>")
def review_visibility(review_id: int, action: str):
    """Hide an abusive review (gone from the page and the average) or show it again."""
    review = reviews.get(review_id)
    reviews.set_hidden(review, action == "hide")
    flash(_("Review hidden.") if review.hidden else _("Review shown again."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("admin.review_list")), code=303)


# --- Money: refunds owed, reconciliation, the outbox -------------------------------------------


@bp.route("/recalls", methods=["GET", "POST"])
def recall_list():
    """Open recalls and their reach; the office may start one for any lot."""
    form = OfficeRecallForm()
    if form.validate_on_submit():
        try:
            lot = tracing.lot_of(tracing.product_by_gtin(form.gtin.data), form.lot_code.data)
        except NotFound:
            form.lot_code.errors.append(_("No such lot for this GTIN."))
        else:
            recall = recalls.start(
                lot, form.reason.data, form.instructions.data, form.contact.data, current_user.id
            )
            flash(
                _("Lot %(code)s is recalled; %(n)s buyers are being told.", code=lot.code,
                  n=recall.buyers_notified),
                "success",
            )  # fmt: skip
            return redirect(url_for("admin.recall_list"), code=303)
    return render_template(
        "admin/recalls.html", reach=recalls.open_recalls(), form=form, close_form=CloseRecallForm()
    ), _status()


@bp.post("/recalls/<int:recall_id>/close")
def recall_close(recall_id: int):
    recall = db.session.get(Recall, recall_id)
    if recall is None:
        raise NotFound(_("No such recall."))
    form = CloseRecallForm()
    if not form.validate():
        raise InvalidInput(_("Say how the recall was resolved; shoppers will read it."))
    recalls.close(recall, form.resolution.data, current_user.id)
    flash(_("The recall of lot %(code)s is closed.", code=recall.lot.code), "success")
    return redirect(url_for("admin.recall_list"), code=303)


@bp.get("/money")
def money():
    """Refunds the office must send by hand, orders whose money does not add up, stuck messages."""
    return render_template(
        "admin/money.html",
        owed=orders.owed_refunds(),
        mismatches=reconcile.find(limit=100, scan=RECONCILE_SCAN),
        troubled=outbox.troubled(),
        fakes=counterfeits.counts(),
        fake_reports=counterfeits.latest(),
    )


@bp.post("/refunds/<int:refund_id>/sent")
def refund_sent(refund_id: int):
    """The office transferred an owed refund to the buyer; the bank reference is kept."""
    refund = db.session.get(Refund, refund_id)
    if refund is None:
        raise NotFound(_("No such refund."))
    reference = (request.form.get("reference") or "").strip()
    if not reference or len(reference) > 255:
        raise InvalidInput(_("Give the bank reference of the transfer (255 characters at most)."))
    orders.refund_sent(refund, reference)
    flash(_("Refund recorded as sent."), "success")
    return redirect(url_for("admin.money"), code=303)


@bp.post("/outbox/<int:message_id>/retry")
def outbox_retry(message_id: int):
    """Try a failing email or provider call again now."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_("No such message."))
    if outbox.retry(message):
        flash(_("Tried again."), "success")
    else:
        flash(_("This message was already sent; it is not sent again."), "info")
    return redirect(url_for("admin.money"), code=303)


# --- Papers: certificates and payout accounts the office checks --------------------------------


@bp.get("/papers")
def papers():
    """Certificates and bank accounts waiting for the office, oldest first."""
    return render_template(
        "admin/papers.html",
        certificates=certificates.pending(),
        accounts=profiles.pending_bank_accounts(),
    )


def _reason() -> str:
    form = RejectForm()
    if not form.validate():
        raise InvalidInput(first_error(form))
    return form.reason.data


@bp.post("/certificates/<int:certificate_id>/<any(accept, refuse):decision>")
def certificate_decide(certificate_id: int, decision: str):
    """Verify a certificate against its document and issuer, or refuse it with a reason."""
    if decision == "accept":
        certificate = certificates.verify(certificate_id, current_user)
        flash(_("Certificate %(number)s verified.", number=certificate.number), "success")
    else:
        certificate = certificates.reject(certificate_id, _reason())
        flash(_("Certificate %(number)s refused.", number=certificate.number), "success")
    return redirect(url_for("admin.papers"), code=303)


@bp.post("/bank-accounts/<int:account_id>/<any(accept, refuse):decision>")
def bank_account_decide(account_id: int, decision: str):
    """Confirm a cooperative's new payout account (after calling its known phone) or refuse it."""
    if decision == "accept":
        account = profiles.confirm_bank_account(account_id, current_user)
        flash(
            _("Payouts of %(name)s now go to the new account.", name=account.cooperative.name),
            "success",
        )
    else:
        account = profiles.reject_bank_account(account_id, current_user, _reason())
        flash(
            _("The new account of %(name)s was refused.", name=account.cooperative.name), "success"
        )
    return redirect(url_for("admin.papers"), code=303)


# --- Payouts: what each cooperative is owed, and the transfers the office made -----------------


@bp.get("/payouts")
def payouts(form: PayoutForm | None = None, status: int = 200):
    """Every cooperative's balance, its confirmed account, and a form to record a transfer."""
    return render_template(
        "admin/payouts.html",
        balances=coop_ledger.balances(),
        overpaid=coop_ledger.overpaid(),
        form=form or PayoutForm(formdata=None),
    ), status


@bp.post("/cooperatives/<int:cooperative_id>/payouts")
def payout_record(cooperative_id: int):
    """The office sent money to a cooperative: amount, day and bank reference."""
    coop = admin.cooperative(cooperative_id)
    form = PayoutForm()
    if not form.validate():
        raise InvalidInput(first_error(form))
    coop_ledger.record_payout(
        coop, form.amount.data, form.paid_on.data, form.reference.data, current_user
    )
    flash(_("Payout to %(name)s recorded.", name=coop.name), "success")
    return redirect(url_for("admin.payouts"), code=303)


# --- Policies: the office edits them; each change is a new version ------------------------------


@bp.route("/policies", methods=["GET", "POST"])
@bp.route("/policies/<slug>", methods=["GET", "POST"])
def policies(slug: str = policy_texts.SLUGS[0]):
    """Edit one policy in Markdown and publish it as a new version."""
    if slug not in policy_texts.SLUGS:
        raise NotFound(_("No such policy."))
    current = policy_texts.latest_versions()
    shown = current.get(slug)
    form = PolicyForm(obj=shown)
    error = ""
    if form.validate_on_submit():
        try:
            version = policy_texts.publish(
                slug,
                form.title_vi.data,
                form.title_en.data or "",
                form.body_vi.data,
                form.body_en.data or "",
                current_user,
            )
        except DomainError as failure:
            transaction.rollback()
            error = str(failure)
        else:
            if version is None:
                flash(_("Nothing changed: no new version."), "success")
            else:
                flash(_("Version %(n)s published.", n=version.version), "success")
            return redirect(url_for("admin.policies", slug=slug), code=303)
    return render_template(
        "admin/policies.html",
        form=form,
        form_slug=slug,
        slugs=policy_texts.SLUGS,
        current=current,
        error=error,
    ), (400 if request.method == "POST" else 200)


# --- Take-downs ---------------------------------------------------------------------------------


@bp.get("/take-downs")
def take_downs():
    """Listings taken down, and the log of every take-down, suspension and restoration."""
    return render_template(
        "admin/take_downs.html", products=moderation.taken_down(), entries=moderation.log()
    )


@bp.post("/products/<int:product_id>/<any('take-down', 'restore'):step>")
def product_moderate(product_id: int, step: str):
    """Take a listing down with a reason the seller is told, or put it back."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(_("No such product."))
    reason = request.form.get("reason", "")
    if step == "take-down":
        moderation.take_down(product, reason, current_user)
        flash(_("%(name)s is taken down; the seller is told why.", name=product.name_vi), "success")
    else:
        moderation.restore(product, reason, current_user)
        if product.active:
            flash(_("%(name)s is on sale again.", name=product.name_vi), "success")
        else:
            message = _(
                "%(name)s is no longer taken down; it stays off sale, as its cooperative had set "
                "it.",
                name=product.name_vi,
            )
            flash(message, "success")
    return redirect(url_for("admin.take_downs"), code=303)
