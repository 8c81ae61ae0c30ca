"""Configuration read from the environment.

Pick a class with ``LGA_ENV`` (``development`` by default, ``production``, ``testing``).
Everything secret or site-specific comes from environment variables; a ``.env`` file in
the project root is read in development for convenience (never commit one).
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("LGA_INSTANCE_PATH", BASE_DIR / "instance"))

# Known, public value: fine on a laptop, refused in production (see ProductionConfig.check).
DEV_SECRET_KEY = "dev-only-insecure-secret-key"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting providers hand out and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def default_database_url() -> str:
    return "sqlite:///" + str(INSTANCE_DIR / "lga.sqlite")


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or default_database_url()
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Sessions live in signed cookies: no server-side state, so any number of app servers
    # can serve the same users.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("LGA_SECURE_COOKIES", False)
    SESSION_COOKIE_NAME = "lga_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # Languages: UI code -> Babel locale. Serbian is shown in Latin script.
    LANGUAGES = {"sq": "sq", "en": "en", "sr": "sr_Latn"}
    BABEL_DEFAULT_LOCALE = "sq"
    BABEL_DEFAULT_TIMEZONE = "Europe/Belgrade"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "lga" / "translations")

    # Rate limits: memory in development, Redis (RATELIMIT_STORAGE_URI=redis://...) in production.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("LGA_RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    LGA_LOGIN_LIMIT = os.environ.get("LGA_LOGIN_LIMIT", "10 per minute; 50 per hour")
    LGA_LOGIN_ACCOUNT_LIMIT = os.environ.get("LGA_LOGIN_ACCOUNT_LIMIT", "20 per hour")
    LGA_RESET_LIMIT = os.environ.get("LGA_RESET_LIMIT", "5 per hour")

    # Email over SMTP.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "LGA <no-reply@klgi.example>")
    # Without a configured SMTP server, development writes mail to instance/outbox/.
    MAIL_SUPPRESS_SEND = "MAIL_SERVER" not in os.environ
    LGA_OUTBOX_DIR = str(INSTANCE_DIR / "outbox")
    # Emails of one transaction sent right after its commit; bigger batches wait for `flask lga send-mail`.
    LGA_MAIL_INLINE_MAX = int(os.environ.get("LGA_MAIL_INLINE_MAX", "50"))

    LGA_PASSWORD_RESET_HOURS = int(os.environ.get("LGA_PASSWORD_RESET_HOURS", "2"))
    LGA_INVITATION_DAYS = int(os.environ.get("LGA_INVITATION_DAYS", "14"))
    LGA_MODULES_DIR = os.environ.get("LGA_MODULES_DIR", str(BASE_DIR / "modules"))
    LGA_PAGE_SIZE = 25
    # Where the platform is reached from outside: links in emails sent by CLI chores and calendar UIDs.
    LGA_BASE_URL = os.environ.get("LGA_BASE_URL", "http://127.0.0.1:5000")
    LGA_TIMEZONE = "Europe/Belgrade"  # Kosovo's zone: times are stored in UTC and shown in it
    # Reminders go out this many hours before a workshop's first session.
    LGA_REMINDER_HOURS = int(os.environ.get("LGA_REMINDER_HOURS", "24"))
    # How long authors may edit their discussion posts.
    LGA_DISCUSSION_EDIT_MINUTES = int(os.environ.get("LGA_DISCUSSION_EDIT_MINUTES", "30"))
    LGA_IMPORT_MAX_ROWS = int(os.environ.get("LGA_IMPORT_MAX_ROWS", "20000"))
    LGA_IMPORT_MAX_BYTES = int(os.environ.get("LGA_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
    # Behind a reverse proxy: how many proxies set X-Forwarded-* (0 = none).
    LGA_PROXY_COUNT = int(os.environ.get("LGA_PROXY_COUNT", "0"))
    # Uploaded files (materials, group work): file:///folder or s3://bucket/prefix (see lga/storage.py).
    LGA_STORAGE_URL = os.environ.get("LGA_STORAGE_URL") or (INSTANCE_DIR / "storage").resolve().as_uri()
    LGA_S3_ENDPOINT_URL = os.environ.get("LGA_S3_ENDPOINT_URL")  # empty: AWS itself
    LGA_S3_REGION = os.environ.get("LGA_S3_REGION")
    LGA_MATERIAL_MAX_BYTES = int(os.environ.get("LGA_MATERIAL_MAX_BYTES", str(20 * 1024 * 1024)))
    LGA_MATERIAL_EXTENSIONS = os.environ.get(
        "LGA_MATERIAL_EXTENSIONS", "pdf,docx,xlsx,pptx,odt,ods,odp,txt,csv,png,jpg,jpeg")
    # The largest request body (a group's save may carry 5 files): larger ones get 413 unread.
    MAX_CONTENT_LENGTH = int(os.environ.get("LGA_MAX_REQUEST_BYTES", str(5 * LGA_MATERIAL_MAX_BYTES + 1024 * 1024)))

    @classmethod
    def check(cls) -> None:
        """Raise RuntimeError if this configuration must not start."""


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    MAIL_SUPPRESS_SEND = False
    MAIL_SERVER = "127.0.0.1"
    RATELIMIT_ENABLED = False
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("LGA_SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAIL_SUPPRESS_SEND = False
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "Refusing to start in production without a strong SECRET_KEY "
                "(set SECRET_KEY to at least 32 random characters)."
            )
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("Refusing to start in production without DATABASE_URL.")
        if cls.RATELIMIT_ENABLED and cls.RATELIMIT_STORAGE_URI.startswith("memory://"):
            # Counters in process memory are per worker and per server: no real limit.
            raise RuntimeError("Refusing to start in production with rate limits in process memory; "
                               "set RATELIMIT_STORAGE_URI=redis://... (shared by every app server).")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def select_config(name: str | None = None) -> type[Config]:
    name = (name or os.environ.get("LGA_ENV") or "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown LGA_ENV {name!r}; use one of {', '.join(CONFIGS)}.") from None
