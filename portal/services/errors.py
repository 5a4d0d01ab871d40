"""Errors the services raise; views turn them into messages next to the right field."""

from __future__ import annotations

from portal.web.lazy_text import lazy_gettext as _l


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
