"""Bearer-token authentication for every API request, and the write-scope gate."""

from __future__ import annotations

from flask import Blueprint, g, request

from .. import ratelimit
from ..database import SAFE_METHODS
from ..models import User
from ..models.api import ApiToken
from ..services import api_tokens as tokens
from .errors import ApiError, unauthorized
from .validation import refuse_unknown_query

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
MAX_BODY = 1024 * 1024  # API bodies are small JSON documents; refuse more before reading


def current_token() -> ApiToken:
    return g.api_token


def actor() -> User:
    """The staff row this token acts as (timeline author, audit actor)."""
    return tokens.acting_user(current_token())


def _bearer_or_none() -> str | None:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" and raw.strip() else None


def _bearer() -> str:
    raw = _bearer_or_none()
    if raw is None:
        raise unauthorized("Send an API token: Authorization: Bearer <token>.")
    return raw


def rate_limit_key() -> str:
    """Requests count per token (by its hash: the secret never reaches the limit store)."""
    raw = _bearer_or_none()
    return "token:" + tokens.hash_secret(raw) if raw else ratelimit.client_address()


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
    # The limit is checked before authenticate(): a flood of bad tokens is limited too.
    ratelimit.limit_api(bp, rate_limit_key)
    bp.before_request(authenticate)
