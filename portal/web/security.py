"""Response headers every page carries: a strict CSP and friends."""

from __future__ import annotations

from flask import Flask, Response, g, request, session
from werkzeug.datastructures import Headers
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
_Defaults = tuple[tuple[str, str, str], ...]  # name, name lowercased, value


def _defaults(values: dict[str, str]) -> _Defaults:
    return tuple((name, name.lower(), value) for name, value in values.items())


# Every answer carries these unless its view set its own (an attachment's sandbox CSP).
DEFAULTS = _defaults({
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
})


def _signed_in() -> bool:
    """True when the request carries a signed-in session or loaded a signed-in user."""
    user = g.get("_login_user")
    return "_user_id" in session or bool(user is not None and user.is_authenticated)


def _keep_private(response: Response, present: set[str]) -> None:
    """Mark every signed-in answer `no-store`; static files keep their year-long caching."""
    # Signed-in pages hold someone's cases: kept in a cache, Back after sign-out on a shared
    # computer would show them again.
    # A view that chose its own caching keeps it: the live poll's "private, no-cache" lets
    # the browser revalidate with its ETag and get a 304, which no-store would forbid.
    if request.endpoint == "static" or "cache-control" in present:
        return
    if _signed_in():
        response.headers["Cache-Control"] = NO_STORE


def _add_missing(headers: Headers, present: set[str], defaults: _Defaults) -> None:
    for name, lowered, value in defaults:
        if lowered not in present:
            headers.add(name, value)


def vary_on(response: Response, name: str) -> None:
    """`response.vary.add(name)`, without parsing the header into a set and writing it back:
    every answer goes through this twice."""
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = name
    elif name.lower() not in {part.strip().lower() for part in current.split(",")}:
        response.headers["Vary"] = f"{current}, {name}"


def init_app(app: Flask) -> None:
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Only then is X-Forwarded-For the client's address (rate limits, logs); without it a
        # client could claim any address by sending the header itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    # Set where a view did not set its own: read once per response, not once per header.
    hsts = (_defaults({"Strict-Transport-Security": "max-age=31536000"})
            if app.config["SESSION_COOKIE_SECURE"] else ())

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _ in headers}
        _add_missing(headers, present, DEFAULTS)
        _keep_private(response, present)
        _add_missing(headers, present, hsts)
        return response
