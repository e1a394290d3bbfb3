"""Cart pages. Every change is a POST with a CSRF token; bad quantities get a clear message."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from shop import transaction
from shop.cart import bp, store
from shop.security import parse_id, safe_next
from shop.services import cart
from shop.services.errors import DomainError
from shop.services.pricing import DeliveryRule


def _product_id() -> int:
    """The product id of the form, or 0 (no such product) when it is not a database id."""
    return parse_id(request.form.get("product_id")) or 0


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


@bp.get("/cart")
def show():
    """The cart, grouped by cooperative, with each parcel's delivery fee."""
    summary = cart.summarize(store.read(), DeliveryRule.from_config(current_app.config))
    return render_template("cart/cart.html", summary=summary)


@bp.post("/cart/add")
def add():
    """Add a product (from its page) and go back there with a confirmation."""
    try:
        quantity = cart.parse_quantity(request.form.get("quantity", "1"))
        store.write(cart.set_quantity(store.read(), _product_id(), quantity, add=True))
    except DomainError as error:
        transaction.rollback()
        return _refused(error)
    flash(_("Added to your cart."), "added")  # shown with "View cart" and "Checkout"
    return redirect(_back(url_for("cart.show")))


@bp.post("/cart/update")
def update():
    """Set a line's quantity."""
    try:
        quantity = cart.parse_quantity(request.form.get("quantity", ""))
        store.write(cart.set_quantity(store.read(), _product_id(), quantity))
    except DomainError as error:
        transaction.rollback()
        return _refused(error)
    return redirect(url_for("cart.show"))


@bp.post("/cart/remove")
def remove():
    store.write(cart.remove(store.read(), _product_id()))
    return redirect(url_for("cart.show"))


def _refused(error: DomainError):
    """Show the cart again with the reason, and the status that says what happened."""
    summary = cart.summarize(store.read(), DeliveryRule.from_config(current_app.config))
    return render_template("cart/cart.html", summary=summary, error=str(error)), error.status_code
