"""Errors the services raise; views turn them into messages next to the right field."""

from __future__ import annotations

import enum
from collections.abc import Container
from typing import TypeVar

from portal.web.lazy_text import lazy_gettext as _l

E = TypeVar("E", bound=enum.Enum)


class ServiceError(Exception):
    """A rule was broken; nothing was changed.

    Messages are translated where they are raised (gettext); a lazy one is made text here,
    so that forms, flashes and JSON (the API) all get a str.
    """

    def __init__(self, message: str, field: str | None = None):
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):  # noqa: N818 - reads better at call sites
    """The thing does not exist for this person (which is the same thing)."""

    def __init__(self, message: str = _l("Not found")):
        super().__init__(message)


class Conflict(ServiceError):
    """The data changed since the person looked at it."""


def one_of(kind: type[E], value: object, allowed: Container[E], message: str, field: str) -> E:
    """`value` as a member of `kind` that is in `allowed`; anything else refused on `field`."""
    try:
        member = kind(value)
    except ValueError:
        raise ServiceError(message, field) from None
    if member not in allowed:
        raise ServiceError(message, field)
    return member
