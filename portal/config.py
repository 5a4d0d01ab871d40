"""Configuration read from the environment, with safe development defaults."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot be used safely."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(instance_path: str) -> str:
    """DATABASE_URL if set, else a SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the old driver; psycopg 3 is what we ship.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + str(Path(instance_path) / "caseloop.db")


def load(instance_path: str) -> dict:
    """Build the config mapping; in production a missing SECRET_KEY stops start-up."""
    env = os.environ.get("CASELOOP_ENV", "development")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Production refuses to start without it: "
                "generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        secret = "dev-only-not-secret"  # noqa: S105 - development only, refused in production
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "ATTACHMENT_DIR": os.environ.get(
            "ATTACHMENT_DIR", str(Path(instance_path) / "attachments")
        ),
        "REOPEN_WINDOW_DAYS": int(os.environ.get("REOPEN_WINDOW_DAYS", "14")),
        "DEFAULT_TIMEZONE": os.environ.get("DEFAULT_TIMEZONE", "Europe/London"),
        # A resolved case closes by itself after this many quiet days.
        "QUIET_PERIOD_DAYS": int(os.environ.get("QUIET_PERIOD_DAYS", "7")),
        # How long an owner has to act on a breach before their manager is told.
        "ESCALATION_GRACE_MINUTES": int(os.environ.get("ESCALATION_GRACE_MINUTES", "60")),
        "SCHEDULER": _bool("CASELOOP_SCHEDULER", False),
        # Set to fan live updates out through Redis pub/sub across workers and hosts.
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # Feedback counts as unhappy at or below this rating (and always on "No").
        "FEEDBACK_UNHAPPY_AT_OR_BELOW": int(os.environ.get("FEEDBACK_UNHAPPY_AT_OR_BELOW", "6")),
        # Hours to follow an unhappy answer up; unset means one business day.
        "FOLLOW_UP_HOURS": int(os.environ["FOLLOW_UP_HOURS"])
        if os.environ.get("FOLLOW_UP_HOURS") else None,
        "SIGN_IN_LINK_MINUTES": 10,
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Caseloop <support@caseloop.localhost>"),
        "WTF_CSRF_TIME_LIMIT": None,
        **mail_settings(),
    }


def mail_settings() -> dict:
    """The email channel: SMTP delivery, reply addresses and inbound limits."""
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        # Seconds before a silent SMTP server counts as down (never wait forever).
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "15")),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_SECONDS": int(os.environ.get("MAIL_RETRY_SECONDS", "60")),
        "MAIL_LEASE_SECONDS": int(os.environ.get("MAIL_LEASE_SECONDS", "300")),
        "MAIL_POLL_SECONDS": float(os.environ.get("MAIL_POLL_SECONDS", "5")),
        # Replies go to reply+<token>@MAIL_REPLY_DOMAIN; empty means MAIL_FROM's domain.
        "MAIL_REPLY_DOMAIN": os.environ.get("MAIL_REPLY_DOMAIN", ""),
        "MAIL_INBOUND_SECRET": os.environ.get("MAIL_INBOUND_SECRET") or None,
        "MAIL_MAX_BYTES": int(os.environ.get("MAIL_MAX_MB", "25")) * 1024 * 1024,
        "MAIL_DEFAULT_CATEGORY": os.environ.get("MAIL_DEFAULT_CATEGORY", ""),
    }
