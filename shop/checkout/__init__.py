"""Checkout, order pages, payments and the Stripe webhook."""

from flask import Blueprint

bp = Blueprint("checkout", __name__)

from shop.checkout import complaint_views, views  # noqa: E402,F401
