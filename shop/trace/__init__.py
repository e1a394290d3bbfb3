"""The GS1 Digital Link resolver: what a phone opens when it scans a package."""

from flask import Blueprint

bp = Blueprint("trace", __name__)

from shop.trace import views  # noqa: E402,F401
