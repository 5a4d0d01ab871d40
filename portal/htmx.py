"""The one place that decides between a page and a fragment."""

from __future__ import annotations

from flask import Flask, Response, request


def wants_fragment() -> bool:
    """True for an htmx swap; boosted navigation and history restores want whole pages."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def init_app(app: Flask) -> None:
    @app.after_request
    def _vary(response: Response) -> Response:
        # The same URL answers a page or a fragment: caches must keep them apart.
        response.vary.add("HX-Request")
        return response
