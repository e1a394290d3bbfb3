"""Error pages in HTML or JSON, and domain errors mapped to HTTP statuses."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException, InternalServerError

from shop import transaction
from shop.services.errors import DomainError

HANDLED = (400, 403, 404, 405, 409, 413, 429)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or best == "application/json"


def render_error(status: int, message: str | None = None):
    if wants_json():
        return jsonify(error=status, message=message or ""), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        transaction.rollback()
        return render_error(error.status_code, str(error))

    def http_error(error: HTTPException):
        transaction.rollback()
        if request_ctx.url_adapter is None:  # a Host outside TRUSTED_HOSTS: no page to link
            return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}
        message = error.description if error.code in (400, 409) else None
        response, status = render_error(error.code or 500, message)
        return response, status, error.get_headers() if error.code == 405 else None

    for status in HANDLED:
        app.register_error_handler(status, http_error)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        transaction.rollback()
        return render_error(500)
