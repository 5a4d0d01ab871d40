"""Errors the services raise; views turn them into messages next to the right field."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule was broken; nothing was changed."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):  # noqa: N818 - reads better at call sites
    """The thing does not exist for this person (which is the same thing)."""

    def __init__(self, message: str = "Not found"):
        super().__init__(message)


class Conflict(ServiceError):
    """The data changed since the person looked at it."""
