"""Configuration classes. Secrets come only from the environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # scrypt with N=2^15, r=8, p=1: Werkzeug's default, as the shop has always hashed.
    PASSWORD_HASH_METHOD = "scrypt:32768:8:1"
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'shop.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # WAL, mmap and a bigger page cache on SQLite files (shop/sqlite.py). The test suite
    # copies database files between tests, which WAL's side files would not survive.
    SQLITE_PRAGMAS = True
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("vi", "en")

    PRODUCTS_PER_PAGE = _env_int("PRODUCTS_PER_PAGE", 24)
    # Photos and label sheets: on storage every app server and the worker share.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Certificates' documents: private until the office verifies them, so not under UPLOAD_DIR.
    DOCUMENT_DIR = os.environ.get("DOCUMENT_DIR", str(INSTANCE_DIR / "documents"))
    LABEL_DIR = os.environ.get("LABEL_DIR", str(INSTANCE_DIR / "labels"))
    # Buyers' photos of parcels they complain about: private (labels show their address).
    COMPLAINT_PHOTO_DIR = os.environ.get("COMPLAINT_PHOTO_DIR", str(INSTANCE_DIR / "complaints"))
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # a 5 MB photo and its form
    SCAN_WARNING_THRESHOLD = _env_int("SCAN_WARNING_THRESHOLD", 5)
    QR_ERROR_CORRECTION = os.environ.get("QR_ERROR_CORRECTION", "M")
    SEND_FILE_MAX_AGE_DEFAULT = 3600

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Behind nginx (one proxy) set PROXY_COUNT=1, so limits see the client's address.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    HSTS_SECONDS = 0
    WTF_CSRF_TIME_LIMIT = None

    # Delivery: one parcel per cooperative; the fee depends on the regions, free above a total.
    DELIVERY_FEE_SAME_REGION = _env_int("DELIVERY_FEE_SAME_REGION", 25_000)
    DELIVERY_FEE_OTHER_REGION = _env_int("DELIVERY_FEE_OTHER_REGION", 40_000)
    FREE_DELIVERY_FROM = _env_int("FREE_DELIVERY_FROM", 500_000)
    # By weight, as carriers' public tariffs: the base fee covers the first kilogram, each
    # further 500 g (or part of it) adds a step, within a region or across regions.
    DELIVERY_BASE_GRAMS = _env_int("DELIVERY_BASE_GRAMS", 1_000)
    DELIVERY_STEP_GRAMS = _env_int("DELIVERY_STEP_GRAMS", 500)
    DELIVERY_STEP_SAME_REGION = _env_int("DELIVERY_STEP_SAME_REGION", 5_000)
    DELIVERY_STEP_OTHER_REGION = _env_int("DELIVERY_STEP_OTHER_REGION", 9_000)
    DELIVERY_DAYS_SAME_REGION = os.environ.get("DELIVERY_DAYS_SAME_REGION", "1-3")
    DELIVERY_DAYS_OTHER_REGION = os.environ.get("DELIVERY_DAYS_OTHER_REGION", "3-5")
    # Carriers the ship form suggests, with their public tracking pages ({number} is the
    # parcel's tracking number). Another carrier may be typed; its parcels get no link.
    CARRIERS = (
        ("GHN", "https://donhang.ghn.vn/?order_code={number}"),
        ("GHTK", "https://i.ghtk.vn/{number}"),
        ("Viettel Post", "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code={number}"),
        ("VNPost", "https://www.vnpost.vn/tra-cuu-hanh-trinh/buu-pham?key={number}"),
    )
    # Notifications on Zalo (Zalo Notification Service) and by SMS. Without credentials the
    # messages go to the log. ZALO_ZNS_TEMPLATES maps events to the templates the Official
    # Account registered with Zalo ("default" for the others), as JSON.
    ZALO_ZNS_URL = os.environ.get(
        "ZALO_ZNS_URL", "https://business.openapi.zalo.me/message/template"
    )
    ZALO_ZNS_ACCESS_TOKEN = os.environ.get("ZALO_ZNS_ACCESS_TOKEN", "")
    ZALO_ZNS_TEMPLATES = json.loads(os.environ.get("ZALO_ZNS_TEMPLATES", '{"default": "0"}'))
    SMS_API_URL = os.environ.get(
        "SMS_API_URL", "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
    )
    SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
    SMS_SECRET_KEY = os.environ.get("SMS_SECRET_KEY", "")
    SMS_BRANDNAME = os.environ.get("SMS_BRANDNAME", "OCOPSHOP")
    # Returns and complaints (see the returns policy): days after delivery to open one, days
    # the cooperative has to answer, days for returned goods to reach it; then the office decides.
    RETURN_WINDOW_DAYS = _env_int("RETURN_WINDOW_DAYS", 7)
    COMPLAINT_ANSWER_DAYS = _env_int("COMPLAINT_ANSWER_DAYS", 2)
    RETURN_GOODS_DAYS = _env_int("RETURN_GOODS_DAYS", 10)
    # How long personal data is kept, in days (the privacy policy states the same; enforced by
    # the daily `enforce-retention` job). Orders' contact details: 10 years, as the Law on
    # Accounting asks of the documents behind the books; then only the amounts remain.
    RETAIN_ORDER_DETAILS_DAYS = _env_int("RETAIN_ORDER_DETAILS_DAYS", 3653)
    RETAIN_SCAN_NETWORKS_DAYS = _env_int("RETAIN_SCAN_NETWORKS_DAYS", 365)
    RETAIN_REPORT_CONTACTS_DAYS = _env_int("RETAIN_REPORT_CONTACTS_DAYS", 365)
    RETAIN_SENT_MESSAGES_DAYS = _env_int("RETAIN_SENT_MESSAGES_DAYS", 90)
    RETAIN_OFFICE_VIEWS_DAYS = _env_int("RETAIN_OFFICE_VIEWS_DAYS", 730)
    RETAIN_SEARCH_MISSES_DAYS = _env_int("RETAIN_SEARCH_MISSES_DAYS", 365)
    # The platform's commission on the goods a cooperative sells, in basis points (500 = 5 %).
    PLATFORM_FEE_BASIS_POINTS = _env_int("PLATFORM_FEE_BASIS_POINTS", 500)

    # Payments. Card payments are offered only when both Stripe secrets are set.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    CARD_HOLD_MINUTES = _env_int("CARD_HOLD_MINUTES", 30)
    VIETQR_HOLD_MINUTES = _env_int("VIETQR_HOLD_MINUTES", 24 * 60)
    VIETQR_BANK_BIN = os.environ.get("VIETQR_BANK_BIN", "970436")
    VIETQR_ACCOUNT_NUMBER = os.environ.get("VIETQR_ACCOUNT_NUMBER", "0011001234567")
    VIETQR_ACCOUNT_NAME = os.environ.get("VIETQR_ACCOUNT_NAME", "CONG TY TNHH CHO OCOP")

    # Mail: printed to the log unless MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() == "true"
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Chợ OCOP <donhang@ocop.shop>")
    MAIL_BACKEND = "smtp" if MAIL_SERVER else "console"
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    # Outside services: bounded waits, bounded retries (see shop/services/payments/stripe.py).
    STRIPE_TIMEOUT = _env_int("STRIPE_TIMEOUT", 10)
    STRIPE_MAX_RETRIES = _env_int("STRIPE_MAX_RETRIES", 2)
    # After a commit, deliver its outbox messages: "inline" (before the response),
    # "thread" (beside it) or "none" (cron or a worker runs `flask outbox`).
    # With a broker, "celery": the commit sends the ids to the worker (shop/worker.py).
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
    OUTBOX_DELIVERY = os.environ.get("OUTBOX_DELIVERY", "celery" if CELERY_BROKER_URL else "inline")

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")

    # Catalog pages seen by visitors who are not signed in are kept this many seconds
    # (0 turns it off): in each worker's memory, or in Redis when REDIS_URL is set.
    PAGE_CACHE_SECONDS = _env_int("PAGE_CACHE_SECONDS", 60)
    # Product cards, match counts and filter choices, for everyone (signed in or not);
    # purged with the page cache (see shop/fragments.py).
    FRAGMENT_CACHE_SECONDS = _env_int("FRAGMENT_CACHE_SECONDS", 300)
    CACHE_TYPE = "RedisCache" if os.environ.get("REDIS_URL") else "SimpleCache"
    CACHE_REDIS_URL = os.environ.get("REDIS_URL", "")
    CACHE_DEFAULT_TIMEOUT = PAGE_CACHE_SECONDS
    RATELIMIT_HEADERS_ENABLED = True
    # Responses gzip-compressed by the app (nginx passes them through as they are).
    COMPRESS_ALGORITHM = "gzip"
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 1024

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
    MAIL_BACKEND = "locmem"
    CELERY_BROKER_URL = ""
    OUTBOX_DELIVERY = "inline"
    PAGE_CACHE_SECONDS = 0
    FRAGMENT_CACHE_SECONDS = 0
    SQLITE_PRAGMAS = False
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    # The suite makes a thousand accounts and sign-ins; at the real work factor each costs
    # an eighth of a second. Hashes keep their parameters, so checking stays exact.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


class ProductionConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Cookies only over HTTPS; a local benchmark on plain HTTP may turn this off.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "true").lower() != "false"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 31_536_000)
    PREFERRED_URL_SCHEME = "https"
    # Requests for any other host are refused (400): the shop's own name, plus ALLOWED_HOSTS
    # (comma-separated, e.g. the address a health check uses).
    TRUSTED_HOSTS = [
        h
        for h in [
            urlsplit(Config.PUBLIC_BASE_URL).hostname,
            *os.environ.get("ALLOWED_HOSTS", "").split(","),
        ]
        if h
    ]
    # Buyers never wait for SMTP or Stripe: the worker delivers, or a thread beside the
    # response when there is no broker; beat (or cron's `flask outbox`) retries what fails.
    OUTBOX_DELIVERY = os.environ.get(
        "OUTBOX_DELIVERY", "celery" if Config.CELERY_BROKER_URL else "thread"
    )

    @classmethod
    def check(cls) -> None:
        """Refuse to start without the secrets production needs."""
        if not os.environ.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in the environment for production.")
        workers = _env_int("WEB_CONCURRENCY", 1)
        if not os.environ.get("REDIS_URL") and workers > 1:
            raise RuntimeError(
                f"WEB_CONCURRENCY={workers} but no REDIS_URL: each worker would keep its own "
                "sign-in limits and page cache. Set REDIS_URL, or run one worker."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
