"""The customer blueprint: sign-in, my cases, the case page."""

from flask import Blueprint

bp = Blueprint("customer", __name__)

from . import (  # noqa: E402, F401 - views register
    account,
    cases,
    escalations,
    feedback,
    help,
    live,
    notifications,
    people,
    problems,
    profile,
)
