"""Bearer-token authentication for every API request, and the write-scope gate."""

from __future__ import annotations

from flask import Blueprint, g, request

from ..database import SAFE_METHODS
from ..models import User
from ..models.api import ApiToken
from . import tokens
from .errors import ApiError, unauthorized
from .validation import refuse_unknown_query

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
MAX_BODY = 1024 * 1024  # API bodies are small JSON documents; refuse more before reading


def current_token() -> ApiToken:
    return g.api_token


def actor() -> User:
    """The staff row this token acts as (timeline author, audit actor)."""
    return tokens.acting_user(current_token())


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise unauthorized("Send an API token: Authorization: Bearer <token>.")
    return raw.strip()


def authenticate() -> None:
    """Find the request's token (401 when missing, unknown or revoked; 403 when read-only).

    Unknown query parameters are refused first (400), like unknown body fields.
    """
    request.max_content_length = MAX_BODY
    refuse_unknown_query()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = tokens.recognise(_bearer())
    if token is None:
        raise unauthorized("This API token is unknown or revoked.")
    if request.method not in SAFE_METHODS and not token.can_write:
        raise ApiError(403, "This API token may only read.")
    tokens.touch(token)
    g.api_token = token


def init_app(bp: Blueprint) -> None:
    bp.before_request(authenticate)
