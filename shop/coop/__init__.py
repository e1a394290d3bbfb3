"""The cooperative dashboard: products, stock, lots, labels and orders of one cooperative."""

from flask import Blueprint

bp = Blueprint("coop", __name__, url_prefix="/coop")

from shop.coop import complaint_views, money_views, profile_views, views  # noqa: E402,F401
