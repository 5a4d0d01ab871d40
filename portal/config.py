"""Configuration read from the environment, with safe development defaults."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

HASH_METHOD = "scrypt"  # how passwords are stored (werkzeug.security)


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
        secret = "dev-only-not-secret"  # noqa: S105  # refused in production  # nosec B105
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # No pool_pre_ping: portal/connections.py checks a pooled connection at checkout
        # without a round trip per request, and still replaces one the server has ended.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
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
        # A customer's data download (docs/your-data.md): where the ZIPs go, how long the
        # link works, and whether the web process starts building at once in a thread.
        "EXPORT_DIR": os.environ.get("EXPORT_DIR", str(Path(instance_path) / "exports")),
        "DATA_EXPORT_DAYS": int(os.environ.get("DATA_EXPORT_DAYS", "7")),
        "DATA_EXPORT_AT_ONCE": _bool("DATA_EXPORT_AT_ONCE", True),
        # Days between "Delete my account" and the erasure; signing in can cancel it.
        "ERASURE_GRACE_DAYS": int(os.environ.get("ERASURE_GRACE_DAYS", "14")),
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
        # Working hours (of the case's department) to follow an unhappy answer up; unset
        # means within one business day (docs/business-hours.md).
        "FOLLOW_UP_HOURS": int(os.environ["FOLLOW_UP_HOURS"])
        if os.environ.get("FOLLOW_UP_HOURS") else None,
        "SIGN_IN_LINK_MINUTES": 10,
        # Werkzeug's scrypt: slow on purpose. Only the tests lower it (they hash thousands).
        "PASSWORD_HASH_METHOD": HASH_METHOD,
        # Webhooks go to public addresses only: a target on loopback or a private network
        # would let an admin token probe (or post into) what sits behind the firewall.
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": _bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Caseloop <support@caseloop.localhost>"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Rendered fragments: keys carry the versions of what they show, so a per-worker
        # memory cache is never stale; CACHE_TYPE=RedisCache shares one across workers.
        "CACHE_TYPE": os.environ.get("CACHE_TYPE", "SimpleCache"),
        "CACHE_THRESHOLD": int(os.environ.get("CACHE_THRESHOLD", "5000")),
        "CACHE_DEFAULT_TIMEOUT": 3600,
        # Timeline events kept rendered (portal/web/fragments.py); off renders every time.
        "FRAGMENT_CACHE": _bool("FRAGMENT_CACHE", True),
        **mail_settings(),
        **rate_limit_settings(),
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
        # The authserv-id our own MTA writes in Authentication-Results (e.g. mx.example.com).
        # Set it only if that MTA checks DMARC/DKIM and adds the header to every message it
        # hands us: then mail it vouches for may open a new case for a known customer. Empty
        # (the default) trusts no such header, since anyone can write one into a message.
        "MAIL_TRUST_AUTHENTICATION_RESULTS":
            os.environ.get("MAIL_TRUST_AUTHENTICATION_RESULTS", "").strip().lower(),
        # Case links in notifications sign the customer in: once, within this many hours.
        "CASE_LINK_MINUTES": int(os.environ.get("CASE_LINK_MINUTES", "10")),
        # Daily digests go out at this hour of the customer's own time zone (0-23).
        "DIGEST_HOUR": int(os.environ.get("DIGEST_HOUR", "8")),
    }


def rate_limit_settings() -> dict:
    """Flask-Limiter: where counters live and the limits on sign-in, emailed links and the API."""
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        # Off only in tests that are not about limits; production keeps it on.
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Shared by every worker and host through Redis; per process otherwise.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or redis_url
        or "memory://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "caseloop-limits"),
        # Redis down: keep limiting inside each process rather than failing sign-in.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STRATEGY": "fixed-window",
        # Which gunicorn pool this process is (gunicorn.conf.py): `pages` refuses streams.
        "SERVE_POOL": os.environ.get("SERVE_POOL", "all"),
        # How many proxies in front of us set X-Forwarded-For/-Proto; 0 trusts none.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Failed sign-ins (password, either sign-in page) per account and per address.
        "RATELIMIT_SIGN_IN_ACCOUNT": os.environ.get("RATELIMIT_SIGN_IN_ACCOUNT",
                                                    "10 per 15 minutes"),
        "RATELIMIT_SIGN_IN_IP": os.environ.get("RATELIMIT_SIGN_IN_IP", "50 per 15 minutes"),
        # Wrong two-factor codes per staff member (the address limit above applies too).
        "RATELIMIT_TWO_FACTOR_ACCOUNT": os.environ.get("RATELIMIT_TWO_FACTOR_ACCOUNT",
                                                       "5 per 15 minutes"),
        # Requests that email a link (sign-in link, reset, sign-up), answered or not.
        "RATELIMIT_EMAIL_LINK_ACCOUNT": os.environ.get("RATELIMIT_EMAIL_LINK_ACCOUNT",
                                                       "3 per 15 minutes"),
        "RATELIMIT_EMAIL_LINK_IP": os.environ.get("RATELIMIT_EMAIL_LINK_IP", "20 per hour"),
        # Colleagues a customer puts on their cases (each one is emailed an invitation).
        "RATELIMIT_INVITE_ACCOUNT": os.environ.get("RATELIMIT_INVITE_ACCOUNT", "20 per hour"),
        "RATELIMIT_API_TOKEN": os.environ.get("RATELIMIT_API_TOKEN", "300 per minute"),
        "RATELIMIT_API_IP": os.environ.get("RATELIMIT_API_IP", "1200 per minute"),
    }
