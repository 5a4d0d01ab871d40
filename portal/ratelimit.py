"""Rate limits (Flask-Limiter) on sign-in, emailed links, the two-factor step and the API.

Each limit counts per account (the normalised email, so cycling addresses does not help)
and per client address. Unknown and known emails are counted and answered alike, so a
429 tells nothing about whether an account exists. Limit strings come from the config, read
at request time, so tests and operators can change them.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, Response, current_app, make_response, request, session
from flask_babel import ngettext
from flask_login import current_user
from limits import parse

from .extensions import limiter
from .services import accounts
from .services.errors import ServiceError

F = TypeVar("F", bound=Callable)
log = logging.getLogger(__name__)


def client_address() -> str:
    """The client's address; X-Forwarded-For counts only behind TRUSTED_PROXIES (ProxyFix)."""
    return "ip:" + (request.remote_addr or "unknown")


def account_key() -> str:
    """The account a sign-in or link form names: its normalised email, known or not."""
    raw = request.form.get("email") or request.form.get("link-email") or ""
    try:
        address = accounts.normalise_email(raw)
    except ServiceError:
        address = raw.strip().lower()[:254]
    return "account:" + address


def link_owner_key() -> str:
    """Whom a "send me a new link" request would email: the old link's owner, if any."""
    raw = (request.view_args or {}).get("token") or ""
    link = accounts.find_link(raw) if raw else None
    if link is not None and link.user is not None:
        return "account:" + link.user.email
    return "link:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def staff_code_key() -> str:
    """Whose codes are checked: the staff member half signed in (admin/pending.py) or
    signed in and enrolling; else the address."""
    pending = session.get("staff_pending")
    ident = pending.get("id") if isinstance(pending, dict) else None
    if ident is None and current_user.is_authenticated:
        ident = current_user.id
    return f"staff:{ident}" if isinstance(ident, int) else client_address()


def refused(response: Response) -> bool:
    """A failed attempt: the form came back refused (422)."""
    return response.status_code == 422


def _scopes_counting_failures() -> frozenset[str]:
    return frozenset({"sign-in-ip", "sign-in-account", "two-factor"})


def _refund_unless_refused(view: F) -> F:
    """Give back the attempt counted before the view ran, unless it failed.

    Failure limits count every attempt up front (one atomic increment in the store), so a
    burst of 40 simultaneous wrong passwords checks at most the limit's number of them;
    testing first and counting after the check would let the whole burst through.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if request.method == "POST" and not refused(response):
            for counted in limiter.current_limits:
                if counted.request_args[-1] in _scopes_counting_failures():
                    counted.limiter.hit(counted.limit, *counted.request_args, cost=-1)
        return response

    return wrapped  # type: ignore[return-value]


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _both(*limits) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        for limit in limits:
            view = limit(view)
        return view

    return decorator


def _failures(name: str, scope: str, key_func: Callable[[], str]):
    # Counted before the check (see _refund_unless_refused), never tested-then-deducted.
    return limiter.shared_limit(_setting(name), scope=scope, key_func=key_func,
                                methods=["POST"])


def _requests(name: str, scope: str, key_func: Callable[[], str]):
    return limiter.shared_limit(_setting(name), scope=scope, key_func=key_func,
                                methods=["POST"])


# Password sign-in, customers' and staff's: failures only, so nobody is slowed by succeeding.
sign_in = _both(_refund_unless_refused,
                _failures("RATELIMIT_SIGN_IN_IP", "sign-in-ip", client_address),
                _failures("RATELIMIT_SIGN_IN_ACCOUNT", "sign-in-account", account_key))
# The staff code step: wrong codes per staff member, plus the sign-in address limit.
two_factor = _both(_refund_unless_refused,
                   _failures("RATELIMIT_SIGN_IN_IP", "sign-in-ip", client_address),
                   _failures("RATELIMIT_TWO_FACTOR_ACCOUNT", "two-factor", staff_code_key))
# Anything that emails a link: every request counts, answered or silently ignored.
email_link = _both(_requests("RATELIMIT_EMAIL_LINK_IP", "email-link-ip", client_address),
                   _requests("RATELIMIT_EMAIL_LINK_ACCOUNT", "email-link-account",
                             account_key))
# "Send me a new link" from an expired link: the same budget as asking by email address.
renew_link = _both(_requests("RATELIMIT_EMAIL_LINK_IP", "email-link-ip", client_address),
                   _requests("RATELIMIT_EMAIL_LINK_ACCOUNT", "email-link-account",
                             link_owner_key))


def counted(name: str, scope: str, key: str) -> bool:
    """Count one attempt against the limit configured as `name`; False once over it.

    For a view that answers an attempt over the limit itself, keeping what was typed. The
    store failing lets the attempt through (logged): a limit never turns into a 500."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    try:
        return limiter.limiter.hit(parse(current_app.config[name]), scope, key)
    except Exception:  # noqa: BLE001 - Redis down or the like; the attempt goes ahead
        log.exception("rate limit %s could not be counted", name)
        return True


def limit_api(bp, token_key: Callable[[], str]) -> None:
    """Every API request counts against its token and against the client's address."""
    limiter.limit(_setting("RATELIMIT_API_TOKEN"), key_func=token_key)(bp)
    limiter.limit(_setting("RATELIMIT_API_IP"), key_func=client_address)(bp)


def retry_after() -> int:
    """Whole seconds until the breached limit's window ends (at least 1)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    return max(1, int(breached.reset_at - time.time()))


def wait_text(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))


@limiter.request_filter
def _switched_off() -> bool:
    # The limiter is one object per process; each app's own switch decides for its requests.
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
