"""The one place that reads and sets htmx's headers, through htmx-flask."""

from __future__ import annotations

import htmx_flask
from flask import Flask, Response, request

from .security import vary_on

# htmx-flask 0.1.0's RESWAPS list misses a comma, gluing these two into one value, so its
# make_response refuses both; htmx_response sets them itself.
_GLUED_RESWAPS = ("beforebegin", "afterbegin")


def is_htmx() -> bool:
    """True for any request htmx sent (a swap, boosted navigation or a history restore)."""
    return bool(getattr(request, "htmx", None))


def wants_fragment() -> bool:
    """True for an htmx swap; boosted navigation and history restores want whole pages."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def htmx_response(*args, reswap: str | None = None, **htmx_headers) -> Response:
    """A response carrying htmx's response headers (`location=`, `refresh=`, `trigger=`, ...);
    the arguments are htmx-flask's make_response's, with every reswap value htmx knows."""
    glued = reswap in _GLUED_RESWAPS
    response = htmx_flask.make_response(*args, reswap=None if glued else reswap,
                                        **htmx_headers)
    if glued:
        response.headers["HX-Reswap"] = reswap
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def _vary(response: Response) -> Response:
        # The same URL answers a page or a fragment: caches must keep them apart.
        vary_on(response, "HX-Request")
        return response
