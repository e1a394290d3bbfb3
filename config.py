"""Configuration classes. Secrets come only from the environment."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'shop.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("vi", "en")

    PRODUCTS_PER_PAGE = _env_int("PRODUCTS_PER_PAGE", 24)
    SCAN_WARNING_THRESHOLD = _env_int("SCAN_WARNING_THRESHOLD", 5)
    QR_ERROR_CORRECTION = os.environ.get("QR_ERROR_CORRECTION", "M")
    SEND_FILE_MAX_AGE_DEFAULT = 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True

    # The shop operator, shown in the footer as Decree 52/2013 requires.
    OPERATOR_NAME = os.environ.get("OPERATOR_NAME", "Công ty TNHH Chợ OCOP")
    OPERATOR_ADDRESS = os.environ.get(
        "OPERATOR_ADDRESS", "Số 1 Phạm Văn Đồng, phường Cầu Giấy, Hà Nội"
    )
    OPERATOR_REGISTRATION = os.environ.get("OPERATOR_REGISTRATION", "0109999999")
    OPERATOR_EMAIL = os.environ.get("OPERATOR_EMAIL", "hotro@ocop.shop")
    OPERATOR_PHONE = os.environ.get("OPERATOR_PHONE", "024 3999 9999")


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the secrets production needs."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in the environment for production.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
