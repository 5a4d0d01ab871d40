"""Extension objects shared by the whole app, initialised in the factory."""

from __future__ import annotations

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .web.lazy_text import lazy_gettext

# Named constraints, so that migrations can alter them on SQLite (batch mode) too.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
htmx = Htmx()
login_manager = LoginManager()
login_manager.login_view = "customer.login"
login_manager.login_message = lazy_gettext("Please sign in to see that page.")
login_manager.localize_callback = str  # the flash is stored in the reader's language
login_manager.login_message_category = "info"
# Per-IP by default; sign-in and API limits bring their own keys (portal/ratelimit.py).
limiter = Limiter(key_func=get_remote_address)
# Languages and the locale of each request: portal/i18n.py.
babel = Babel()
# Rendered fragments keyed by what they show; each worker keeps its own (docs/performance.md).
cache = Cache()
