"""The JSON API under /api/v1 for other systems: bearer tokens, problem+json errors."""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
# Token-authenticated, never cookie-authenticated: a forged cross-site request has no token.
csrf.exempt(bp)

from . import (  # noqa: E402 - views register on bp
    articles,  # noqa: F401
    auth,
    case_items,  # noqa: F401
    cases,  # noqa: F401
    customers,  # noqa: F401
    errors,
    openapi,  # noqa: F401
    people,  # noqa: F401
    problems,  # noqa: F401
)

auth.init_app(bp)
errors.init_app(bp)
