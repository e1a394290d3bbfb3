"""The cart: add, change, remove; guests in the session, buyers in the database."""

from flask import Blueprint

bp = Blueprint("cart", __name__)

from shop.cart import views  # noqa: E402,F401
