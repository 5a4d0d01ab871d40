"""Redirect targets that can only ever stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path from `next=`, or the default for anything that could leave the site."""
    if not target or any(ord(ch) < 32 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails, built the same inside or outside a request."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path
