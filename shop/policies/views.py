"""Public pages of the policies, and their versions."""

from __future__ import annotations

from flask import render_template

from shop.page_cache import cached_page
from shop.policies import bp
from shop.services import policies


@bp.get("/")
@cached_page
def index():
    """Every policy, in the footer's order."""
    current = policies.latest_versions()
    return render_template(
        "policies/index.html", items=[current[s] for s in policies.SLUGS if s in current]
    )


@bp.get("/<slug>")
@bp.get("/<slug>/v<int(max=100000):version>")
@cached_page
def show(slug: str, version: int | None = None):
    """A policy as it stands (or an earlier version), with the list of its versions."""
    shown = policies.get(slug, version)
    return render_template(
        "policies/show.html",
        policy=shown,
        versions=policies.history(slug),
        body=policies.render,
    )
