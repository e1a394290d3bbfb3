"""Accounts: register, sign in and out, reset and change passwords, my orders."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")

from shop.auth import views  # noqa: E402,F401
