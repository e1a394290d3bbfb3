"""The shop's published policies: read by everyone, edited by the OCOP office."""

from flask import Blueprint

bp = Blueprint("policies", __name__, url_prefix="/policies")

from shop.policies import views  # noqa: E402,F401
