"""API tokens: issue (the secret is shown once), revoke, recognise, and act in their name."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import Department, Role, User, utcnow
from ..models.api import SCOPES, ApiToken
from . import audit, effects
from .catalog import departments_by_ids
from .errors import NotFound, ServiceError
from .headers import clean_header
from .text import clean

SECRET_PREFIX = "cl_"  # noqa: S105  # a visible marker, not a secret  # nosec B105
PREFIX_LENGTH = 11  # "cl_" and 8 characters of the secret
MAX_SECRET = 200
# last_used_at is advisory: writing it at most this often keeps GETs from writing each time.
TOUCH_EVERY = timedelta(minutes=5)
# A special-use domain: email_validator refuses it, so nobody can sign in or reset with it.
ACTOR_EMAIL = "api-token-{id}@caseloop.invalid"


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def all_tokens() -> list[ApiToken]:
    """Every token, active ones first, newest first."""
    return list(db.session.scalars(
        select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))


def get_token(token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    return token


def create(actor: User, name: str, scope: str, department_ids: Iterable[int]) -> tuple[
        ApiToken, str]:
    """Issue a token; returns it with its secret, which is never stored and never shown again."""
    name = clean_header(clean(name, "name", 120), 120)
    if scope not in SCOPES:
        raise ServiceError("Choose read or write.", "scope")
    departments = departments_by_ids(department_ids)
    raw = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, prefix=raw[:PREFIX_LENGTH], token_hash=hash_secret(raw),
                     scope=scope, department_ids=sorted(d.id for d in departments),
                     created_by_id=actor.id)
    db.session.add(token)
    db.session.flush()  # the audit row names the new id
    audit.record(actor, "api_token.create", token, f"API token “{name}” created ({scope})",
                 after={"name": name, "scope": scope, "prefix": token.prefix,
                        "departments": [d.name for d in departments]})
    effects.commit()
    return token, raw


def revoke(actor: User, token: ApiToken) -> None:
    """Stop a token working at once; refused when it already is revoked."""
    if token.revoked_at is not None:
        raise ServiceError("This token is already revoked.")
    token.revoked_at = utcnow()
    audit.record(actor, "api_token.revoke", token, f"API token “{token.name}” revoked",
                 {"revoked": False}, {"revoked": True})
    effects.commit()


def recognise(raw: str) -> ApiToken | None:
    """The active token with this secret, or None; looked up by hash, compared in constant time."""
    if not raw.startswith(SECRET_PREFIX) or len(raw) > MAX_SECRET:
        return None
    digest = hash_secret(raw)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    return token if token.is_active else None


def touch(token: ApiToken) -> None:
    """Note when the token was last used, at most every few minutes."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    token_id = token.id
    # End the read transaction first: on SQLite a read snapshot cannot be turned into a write.
    effects.commit()
    try:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now))
        effects.commit()
    except OperationalError:
        db.session.rollback()  # a busy database must not fail the request over a timestamp


def _departments(ids: list[int]) -> list[Department]:
    # Not departments_by_ids: a department removed since the token was made is no error here.
    return list(db.session.scalars(select(Department).where(Department.id.in_(ids or [-1]))))


def acting_user(token: ApiToken) -> User:
    """The staff row named on the timeline for this token's actions, made on first use.

    An inactive agent without a password: it never signs in, is never offered as an
    assignee, and timeline lines read "API: <token name>".
    """
    if token.actor is not None:
        return token.actor
    token_id = token.id
    email = ACTOR_EMAIL.format(id=token_id)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=clean_header(f"API: {token.name}", 120), role=Role.AGENT,
                    active=False, departments=_departments(token.department_ids))
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:
            # A parallel request of the same token made it first: use theirs.
            db.session.rollback()
            user = db.session.scalars(select(User).where(User.email == email)).one()
    token = db.session.get(ApiToken, token_id)
    token.actor = user
    effects.commit()
    return user
