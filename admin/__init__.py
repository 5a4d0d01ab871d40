"""The staff blueprint: everything under /admin, behind staff sign-in."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import (  # noqa: E402, F401 - views register on bp
    audit,
    auth,
    cases,
    customers,
    promises,
    queue,
    settings,
    standards,
)
