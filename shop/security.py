"""Security headers for every response."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

STRIPE_CHECKOUT = "https://checkout.stripe.com"


def content_security_policy(payment_hosts: str) -> str:
    """No inline script or style; forms post here, or redirect to the card payment page."""
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action 'self' {payment_hosts}",
            "frame-ancestors 'none'",
        ]
    )


def _payment_hosts() -> str:
    """Stripe's hosted page, and the host of STRIPE_API_BASE when one is configured."""
    base = current_app.config.get("STRIPE_API_BASE")
    if not base:
        return STRIPE_CHECKOUT
    parts = urlsplit(base)
    return f"{STRIPE_CHECKOUT} {parts.scheme}://{parts.netloc}"


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(_payment_hosts())
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS_SECONDS"):
        response.headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains",
        )
    return response


CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F))
TEXT_CONTROL = CONTROL - {"\t", "\n", "\r"}  # what a textarea may send


MAX_ID = 2**31 - 1


class DbIdConverter(IntegerConverter):
    """``<int:...>`` in the shop's routes: a database id, 1 to 2**31 - 1 (PostgreSQL's
    integer). Anything else matches no route, so it is a 404, never an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(text: str | None) -> int | None:
    """A database id from a form field, or None: never a number the database cannot hold."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def refuse_control_characters():
    """NUL and other control characters have no place in a path, a query or a form field:
    400 at the edge, before any view, query or template sees them."""
    if any(c in CONTROL for c in request.path):
        abort(400, _("The address contains characters that are not allowed."))
    for _name, value in request.args.items(multi=True):
        if any(c in CONTROL for c in value):
            abort(400, _("The address contains characters that are not allowed."))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        for _name, value in request.form.items(multi=True):
            if any(c in TEXT_CONTROL for c in value):
                abort(400, _("The form contains characters that are not allowed."))
    return None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def register_security(app: Flask) -> None:
    app.before_request(refuse_control_characters)
    app.after_request(add_security_headers)


def roles_required(*roles):
    """Let only signed-in users with one of ``roles`` in: others get 403, visitors sign in."""
    from functools import wraps

    from flask import abort
    from flask_login import current_user

    from shop.extensions import login_manager

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


MAX_NEXT = 2000


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site. The one rule for every "next" and "back" in the shop.

    Refused: schemes and hosts, scheme-relative ``//host``, backslashes (browsers read
    them as slashes), and any control character: browsers drop tabs and newlines from
    URLs, so ``/\t/evil.example`` would become ``//evil.example``. The same checks
    apply to the percent-decoded form, which some proxies and browsers decode.
    """
    if not target or len(target) > MAX_NEXT:
        return False
    for form in (target, unquote(target)):
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in form) or "\\" in form:
            return False
        if not form.startswith("/") or form.startswith("//"):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``."""
    return target if is_safe_next(target) else default
