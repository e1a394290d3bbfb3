"""Checkout and order pages: thin views over the checkout service and the order lifecycle.

The request's one commit is made by ``shop.transaction``; the card payment page is
asked for only after an early commit of the order, so nothing is lost if Stripe fails."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from shop import transaction
from shop.cart import store
from shop.checkout import bp
from shop.checkout.forms import CheckoutForm, new_checkout_key, normalize_phone
from shop.extensions import csrf
from shop.i18n import current_language
from shop.mail import send_order_placed
from shop.models import Order, PaymentMethod, PaymentStatus
from shop.services import cart, complaints, orders, payments, qr
from shop.services import checkout as checkout_service
from shop.services.errors import DomainError
from shop.services.notify import events
from shop.services.places import province_by_code
from shop.services.pricing import DeliveryRule
from shop.templating import external_url
from shop.transaction import commit_early


def _rule() -> DeliveryRule:
    return DeliveryRule.from_config(current_app.config)


def _order_url(order: Order, **params) -> str:
    return url_for("checkout.order_page", token=order.access_token, **params)


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    """The delivery and payment form; POST places the order (once per form shown)."""
    if request.method == "POST":
        placed = checkout_service.already_placed(request.form.get("checkout_key", ""), _user_id())
        if placed is not None:
            return redirect(_order_url(placed), code=303)
    items = store.read()
    if not items:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.show"))
    form = CheckoutForm(card_enabled=payments.card_enabled(current_app.config))
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = form.email.data or current_user.email
        form.full_name.data = form.full_name.data or current_user.name
    choosing_province = request.form.get("step") == "province"  # "Show its wards", no script
    if request.method == "POST" and not choosing_province and form.validate():
        return _place(form, items)  # which reads the cart's products once, to price them
    place = province_by_code(form.province.data or "")
    summary = cart.summarize(items, _rule(), place.name if place else None)
    if form.checkout_key.errors:
        form.checkout_key.data = new_checkout_key()
    status = 400 if request.method == "POST" and not choosing_province else 200
    return render_template(
        "checkout/checkout.html",
        form=form,
        summary=summary,
        wards=form.ward_choices(),
        province_chosen=choosing_province,
    ), status


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _place(form: CheckoutForm, items: cart.Items):
    place = province_by_code(form.province.data)
    method = PaymentMethod(form.payment_method.data)
    config = current_app.config
    request_ = checkout_service.Checkout(
        items=items,
        delivery=orders.Delivery(
            full_name=form.full_name.data.strip(),
            phone=normalize_phone(form.phone.data),
            email=form.email.data.strip().lower(),
            province=place.name,
            ward=form.ward_match.name,
            street=form.street.data.strip(),
            note=(form.note.data or "").strip(),
        ),
        method=method,
        key=form.checkout_key.data,
        rule=_rule(),
        holds=payments.hold_minutes(config),
        user_id=_user_id(),
        language=current_language(),
        marketing=form.marketing.data,
    )
    try:
        placed = checkout_service.place(
            request_, payments.provider_for(method, config), _urls, store.clear
        )
    except DomainError as error:
        summary = cart.summarize(items, _rule(), place.name)
        return render_template(
            "checkout/checkout.html", form=form, summary=summary, error=str(error)
        ), error.status_code
    order = placed.order
    if placed.again:
        return redirect(_order_url(order), code=303)
    send_order_placed(order, external_url("checkout.order_page", token=order.access_token))
    events.tell_placed(order)
    if method is PaymentMethod.CARD:
        commit_early(
            "the order, its stock and the cleared cart must be saved before Stripe is asked: "
            "if Stripe fails or hangs, one order waits for another method, never none or two"
        )
        return _start_card_payment(order)
    flash(
        _(
            "Thank you! Order %(number)s is placed; the cooperatives are preparing it.",
            number=order.number,
        ),
        "success",
    )
    if form.ward_match.former:
        flash(
            _(
                "%(former)s is now %(ward)s (since 1 July 2025): your parcel goes there.",
                former=form.ward_match.former,
                ward=form.ward_match.name,
            ),
            "info",
        )
    return redirect(_order_url(order), code=303)


def _urls(order: Order) -> payments.Urls:
    return payments.Urls(
        success=external_url("checkout.order_page", token=order.access_token, paid=1),
        cancel=external_url("checkout.order_page", token=order.access_token),
    )


def _start_card_payment(order: Order):
    """Send the buyer to Stripe's page; if Stripe fails, the order waits for another method."""
    try:
        payment = payments.provider_for(PaymentMethod.CARD, current_app.config).start(
            order, _urls(order)
        )
    except DomainError as error:
        flash(str(error), "error")
        return redirect(_order_url(order), code=303)
    return redirect(payment.redirect_url, code=303)


@bp.get("/orders/<token>")
def order_page(token: str):
    """An order as its buyer sees it (the link is the secret): parts, status, payment."""
    order = orders.by_token(token)
    part_complaints = complaints.for_order(order)
    vietqr = None
    if (
        order.payment_method is PaymentMethod.VIETQR
        and order.payment_status is PaymentStatus.UNPAID
    ):
        provider = payments.vietqr(current_app.config)
        vietqr = {"account": provider.account, "purpose": payments.vietqr_purpose(order)}
    response = Response(
        render_template(
            "checkout/order.html",
            order=order,
            vietqr=vietqr,
            confirming=request.args.get("paid") == "1"
            and order.payment_status is PaymentStatus.UNPAID,
            card_enabled=payments.card_enabled(current_app.config),
            cancellable=all(p.status in orders.CANCELLABLE for p in order.parts),
            complaints=part_complaints,
            complaint_windows=complaints.openable(order, part_complaints),
        )
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL is the buyer's key
    response.cache_control.no_store = True
    return response


@bp.get("/orders/<token>/vietqr.png")
def vietqr_image(token: str):
    order = orders.by_token(token)
    if order.payment_method is not PaymentMethod.VIETQR:
        abort(404)
    payload = payments.vietqr(current_app.config).qr_payload(order)
    response = Response(qr.render(payload, "png"), mimetype="image/png")
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


@bp.post("/orders/<token>/cancel")
def cancel(token: str):
    """The buyer cancels an order nothing of which has shipped; stock and money go back."""
    order = orders.by_token(token)
    if all(not part.is_live for part in order.parts):
        return redirect(_order_url(order), code=303)  # cancelled already (a second tap)
    try:
        orders.cancel_order(order, orders.BUYER_CANCELLED)
    except DomainError as error:
        transaction.rollback()
        flash(str(error), "error")
        return redirect(_order_url(order), code=303)
    flash(
        _("Your order has been cancelled. What you paid is being refunded.")
        if order.refunds
        else _("Your order has been cancelled."),
        "success",
    )
    return redirect(_order_url(order), code=303)


@bp.post("/orders/<token>/pay")
def pay(token: str):
    """Pay an unpaid order by card again, or switch it to transfer or cash on delivery.

    Safe to repeat: an open card session is reused, a switch to the current method is a no-op.
    """
    order = orders.by_token(token)
    try:
        method = PaymentMethod(request.form.get("method", ""))
    except ValueError:
        abort(400, _("Choose a payment method."))
    if order.payment_status is not PaymentStatus.UNPAID:
        flash(_("This order no longer needs paying."), "info")
        return redirect(_order_url(order), code=303)
    if method is PaymentMethod.CARD and order.payment_method is PaymentMethod.CARD:
        return _start_card_payment(order)
    if method is order.payment_method:
        return redirect(_order_url(order), code=303)
    try:
        orders.switch_method(order, method, payments.hold_minutes(current_app.config))
        payments.provider_for(method, current_app.config).start(order, _urls(order))
    except DomainError as error:
        transaction.rollback()
        flash(str(error), "error")
        return redirect(_order_url(order), code=303)
    return redirect(_order_url(order), code=303)


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook():
    """Stripe's events: signature checked over the raw body, each event applied once."""
    if not payments.card_enabled(current_app.config):
        abort(404)
    provider = payments.provider_for(PaymentMethod.CARD, current_app.config)
    result = provider.handle_event(request.get_data(), request.headers.get("Stripe-Signature"))
    if result.duplicate:
        return jsonify(received=True, duplicate=True)
    return jsonify(received=True)
