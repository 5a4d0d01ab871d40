"""The JSON API under /api/v1 (filled in by the API work)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
