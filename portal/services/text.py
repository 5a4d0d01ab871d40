"""Checking text people type before it is stored."""

from __future__ import annotations

from flask_babel import format_number
from flask_babel import gettext as _

from .errors import ServiceError


def storable(text: str) -> bool:
    """False for NUL (PostgreSQL refuses it) and lone surrogates (JSON allows them, UTF-8 not)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean(text: str | None, field: str, limit: int, required: bool = True) -> str:
    """Trimmed text with normalised newlines; ServiceError names the field when it is unusable."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not storable(text):
        raise ServiceError(_("That text contains a character we cannot store."), field)
    if required and not text:
        raise ServiceError(_("This cannot be empty."), field)
    if len(text) > limit:
        raise ServiceError(_("Keep it under %(limit)s characters.",
                             limit=format_number(limit)), field)
    return text
