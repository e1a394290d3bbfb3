"""The public catalog: home, product listing and pages, cooperatives, sitemap."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from shop.catalog import reviews, views  # noqa: E402,F401
