"""The OCOP shop: a marketplace for Vietnam's star-rated OCOP products."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS, INSTANCE_DIR, ProductionConfig

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the application for ``config_name`` (default: $SHOP_CONFIG or development)."""
    config_name = config_name or os.environ.get("SHOP_CONFIG", "development")
    config_class = CONFIGS[config_name]

    from shop.transaction import ShopFlask

    app = ShopFlask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from shop.security import DbIdConverter

    app.url_map.converters["int"] = DbIdConverter  # before any route is added
    app.config.from_object(config_class)
    app.config["SHOP_CONFIG"] = config_name
    if config_class is ProductionConfig:
        ProductionConfig.check()
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        if not os.environ.get("REDIS_URL"):
            app.logger.warning(
                "No REDIS_URL: sign-in limits and the page cache live in each worker's memory. "
                "Run a single worker, or set REDIS_URL."
            )
    if overrides:
        app.config.update(overrides)
    INSTANCE_DIR.mkdir(exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]  # trust exactly this many X-Forwarded-* hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    import shop.mail  # noqa: F401  (its outbox handler)
    from shop import models  # noqa: F401  (the models must be known to Alembic)
    from shop.extensions import (
        babel,
        cache,
        compress,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
    )
    from shop.i18n import register_i18n, select_locale
    from shop.page_cache import register_page_cache
    from shop.security import register_security
    from shop.services import label_runs, payments  # noqa: F401  (their outbox handlers)
    from shop.services.coop_ledger import register_ledger
    from shop.services.notify.events import register_notifications
    from shop.static_files import register_static_files
    from shop.templating import register_templating
    from shop.worker import celery_init_app

    db.init_app(app)
    with app.app_context():
        from shop.sqlite import tune_sqlite

        tune_sqlite(app, db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    mail.init_app(app)
    cache.init_app(app)
    compress.init_app(app)
    register_i18n(app)
    register_templating(app)
    register_page_cache(app)
    register_ledger()
    register_notifications()
    register_security(app)
    register_static_files(app)
    celery_init_app(app)
    _configure_login(login_manager)


def _configure_login(login_manager) -> None:
    from flask import redirect, request, url_for
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def send_to_sign_in():
        # A local path only, so that "next" can never send anyone off the site.
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def register_blueprints(app: Flask) -> None:
    from shop.admin import bp as admin_bp
    from shop.auth import bp as auth_bp
    from shop.cart import bp as cart_bp
    from shop.catalog import bp as catalog_bp
    from shop.checkout import bp as checkout_bp
    from shop.coop import bp as coop_bp
    from shop.health import bp as health_bp
    from shop.policies import bp as policies_bp
    from shop.trace import bp as trace_bp

    blueprints = (
        catalog_bp,
        trace_bp,
        cart_bp,
        checkout_bp,
        auth_bp,
        coop_bp,
        admin_bp,
        health_bp,
        policies_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    from shop.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from shop.cli import register_commands

    register_commands(app)
