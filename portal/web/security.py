"""Response headers every page carries: a strict CSP and friends."""

from __future__ import annotations

from flask import Flask, Response, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


NO_STORE = "no-store"


def _signed_in() -> bool:
    """True when the request carries a signed-in session or loaded a signed-in user."""
    user = g.get("_login_user")
    return "_user_id" in session or bool(user is not None and user.is_authenticated)


def _keep_private(response: Response) -> None:
    """Mark every signed-in answer `no-store`; static files keep their year-long caching."""
    # Signed-in pages hold someone's cases: kept in a cache, Back after sign-out on a shared
    # computer would show them again.
    # A view that chose its own caching keeps it: the live poll's "private, no-cache" lets
    # the browser revalidate with its ETag and get a 304, which no-store would forbid.
    if request.endpoint == "static" or "Cache-Control" in response.headers:
        return
    if _signed_in():
        response.headers["Cache-Control"] = NO_STORE


def init_app(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Only then is X-Forwarded-For the client's address (rate limits, logs); without it a
        # client could claim any address by sending the header itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        _keep_private(response)
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
