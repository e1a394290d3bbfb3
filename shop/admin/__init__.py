"""The OCOP office: approve cooperatives, record ratings, oversee orders and refunds."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from shop.admin import complaint_views, views  # noqa: E402,F401
