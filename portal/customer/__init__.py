"""The customer blueprint: sign-in, my cases, the case page."""

from flask import Blueprint

bp = Blueprint("customer", __name__)

from . import account, cases, feedback, live, people, profile  # noqa: E402, F401 - views register
