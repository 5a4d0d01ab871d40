"""The staff blueprint: everything under /admin, behind staff sign-in."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import auth, cases  # noqa: E402, F401 - views register on bp
