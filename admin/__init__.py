"""The staff blueprint: everything under /admin, behind staff sign-in."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import (  # noqa: E402, F401 - views register on bp
    account,
    api_tokens,
    articles,
    audit,
    auth,
    business_hours,
    cases,
    customers,
    dashboard,
    feedback,
    follow_ups,
    handoffs,
    inbox,
    live,
    new_cases,
    organisations,
    outbox,
    participants,
    problems,
    promises,
    queue,
    saved_replies,
    settings,
    standards,
    two_factor,
)
