"""Views of the OCOP office. Every route requires the admin role."""

from __future__ import annotations

from flask import render_template

from shop.admin import bp
from shop.models import Role
from shop.security import roles_required


@bp.before_request
@roles_required(Role.ADMIN)
def require_admin():
    """Every admin page is for the OCOP office only."""
    return None


@bp.get("/")
def overview():
    return render_template("admin/overview.html")
