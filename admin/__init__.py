"""The staff blueprint: everything under /admin, behind staff sign-in."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import audit, auth, cases, customers, queue, settings  # noqa: E402, F401 - views register
