"""URLs: redirect targets that stay on this site, ids in routes, links for emails."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

from ..models.cases import MAX_ID


class IdConverter(IntegerConverter):
    """Every `<int:…>` in a route: a number beyond the id column's range is 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path from `next=`, or the default for anything that could leave the site."""
    if not target or any(ord(ch) < 32 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def site_path(endpoint: str, **values) -> str:
    """The local path of a page, built the same inside or outside a request."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails, built the same inside or outside a request."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + site_path(endpoint, **values)
