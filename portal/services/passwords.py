"""Password rules shared by every place a password is chosen: long enough, not common."""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import generate_password_hash
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from .errors import ServiceError

MIN_PASSWORD = 10
MAX_PASSWORD = 200


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    """The 30,000 most used passwords from leaked password sets, as zxcvbn ships them."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """True when the password, ignoring letter case and outer spaces, is on the common list."""
    return password.strip().lower() in _common()


def common_message() -> str:
    return _("This password is too common; choose one that is harder to guess.")


def check(password: str) -> None:
    """Raise ServiceError (field `password`) when a new password is too short or common."""
    if len(password) < MIN_PASSWORD:
        raise ServiceError(_("Use at least %(count)d characters.", count=MIN_PASSWORD),
                           "password")
    if is_common(password):
        raise ServiceError(common_message(), "password")


def hashed(password: str) -> str:
    """The stored form of a password, at the cost PASSWORD_HASH_METHOD sets (scrypt)."""
    return generate_password_hash(password, current_app.config["PASSWORD_HASH_METHOD"])
