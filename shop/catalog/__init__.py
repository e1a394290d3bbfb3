"""The public catalog: home, product listing and pages, cooperatives, sitemap."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from shop.catalog import views  # noqa: E402,F401
