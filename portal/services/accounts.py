"""Accounts: sign-up, passwords, single-use sign-in links and password resets."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..i18n import current_language
from ..models import AuthToken, Department, Role, User, utcnow
from ..web.urls import external_url, site_path
from . import effects, organisations, passwords
from .errors import ServiceError
from .headers import clean_header
from .outbox import queue_email
from .text import clean

SIGN_IN = "sign_in"
RESET = "reset"
MAX_NAME = 120  # users.name


def normalise_email(raw: str) -> str:
    """Lower-cased, syntax-checked address; raises ServiceError on nonsense."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(_("That is not a valid email address: %(reason)s", reason=exc),
                           "email") from exc
    return result.normalized.lower()


def find_user(email: str) -> User | None:
    try:
        address = normalise_email(email)
    except ServiceError:
        return None
    return db.session.scalar(select(User).where(User.email == address))


def person_name(raw: str, fallback: str) -> str:
    """A name on one line: it reaches mail and pages, so line breaks and bidi overrides go.

    Raises ServiceError (field `name`) for NUL bytes and the like; empty gives the fallback.
    """
    return clean_header(clean(raw, "name", MAX_NAME, required=False), MAX_NAME) or fallback


def create_user(
    email: str,
    name: str,
    role: Role = Role.CUSTOMER,
    password: str | None = None,
    departments: Iterable[Department] = (),
    verified: bool = True,
) -> User:
    """Create and commit a user; raises ServiceError when the email is taken."""
    address = normalise_email(email)
    if find_user(address):
        raise ServiceError(_("An account with that email already exists."), "email")
    user = User(email=address, name=person_name(name, address), role=role)
    if password is not None:
        passwords.check(password)
        user.password_hash = passwords.hashed(password)
    user.departments = list(departments)
    if verified:
        user.email_verified_at = utcnow()
    db.session.add(user)
    effects.commit()
    return user


def authenticate(email: str, password: str, staff: bool) -> User | None:
    """The active user of the right kind with this password, else None (same cost either way)."""
    user = find_user(email)
    stored = user.password_hash if user and user.password_hash else _dummy_hash(
        current_app.config["PASSWORD_HASH_METHOD"])
    # The hash takes tens of milliseconds on purpose: hold no lock while it runs.
    effects.commit()
    ok = check_password_hash(stored, password)
    if not (ok and user and user.password_hash and user.active):
        return None
    if user.is_staff != staff:
        return None
    return user


@lru_cache(maxsize=2)
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so both paths cost one hash."""
    return generate_password_hash("not-a-real-password", method)


def record_sign_in(user: User) -> None:
    user.last_sign_in_at = utcnow()
    _remember_language(user)
    effects.commit()


def _remember_language(user: User) -> None:
    """A customer's emails follow the language their browser chose here; staff keep the
    default (None). Outside a request (API, CLI) nothing changes."""
    language = current_language()
    if language and not user.is_staff:
        user.language = language


def revoke_sessions(user: User) -> None:
    """Invalidate every session and remember cookie this user holds."""
    user.session_version += 1
    effects.commit()


def set_password(user: User, password: str) -> None:
    passwords.check(password)
    _replace_password(user, password)
    effects.commit()


def _replace_password(user: User, password: str) -> None:
    """New hash; every session, and every emailed link still out there, stops working."""
    user.password_hash = passwords.hashed(password)
    user.session_version += 1
    # Case links last days, so a password change must end them too.
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == user.id, AuthToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def sign_up(email: str, name: str, password: str) -> None:
    """Start a customer account; the answer never says whether the email was known."""
    passwords.check(password)
    address = normalise_email(email)
    name = person_name(name, address)  # refused the same whether the address is known or not
    # Hashed whether or not the address is known: the hash is most of the work, so both
    # answers take the same time and the delay tells nobody which addresses have accounts.
    password_hash = passwords.hashed(password)
    user = find_user(address)
    if user is None:
        user = User(email=address, name=name, role=Role.CUSTOMER, password_hash=password_hash)
        _remember_language(user)
        db.session.add(user)
        db.session.flush()
        _issue_link(user, SIGN_IN, "confirm_signup", next_path=None)
    elif not user.is_staff:
        # Someone (maybe the owner) tried to sign up again: tell the owner through the same
        # outbox path a new account's mail takes, and change nothing.
        _issue_link(user, SIGN_IN, "signup_existing", next_path=None)
    effects.commit()


def request_sign_in_link(email: str, next_path: str | None = None) -> None:
    """Email a one-time sign-in link if a customer has this address; silent otherwise."""
    user = find_user(email)
    if user and user.active and not user.is_staff:
        _issue_link(user, SIGN_IN, "sign_in_link", next_path=next_path)
        effects.commit()


def request_password_reset(email: str) -> None:
    user = find_user(email)
    if user and user.active:
        _issue_link(user, RESET, "password_reset", next_path=None)
        effects.commit()


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token(user: User, purpose: str, lifetime: timedelta, next_path: str | None) -> str:
    """Store a token's hash (never the token) and return the raw token for one email."""
    raw = secrets.token_urlsafe(32)
    db.session.add(AuthToken(user_id=user.id, purpose=purpose, token_hash=_hash(raw),
                             expires_at=utcnow() + lifetime, next_path=next_path))
    return raw


def case_link_token(user: User, next_path: str) -> str:
    """A sign-in token for a notification email that lands on `next_path`; the caller commits.

    Like every sign-in link it works once, only through a POST, and for CASE_LINK_MINUTES
    (10 by default, the security bar); expired, it offers a fresh one in one click, and a
    customer who is still signed in goes straight to the case.
    """
    lifetime = timedelta(minutes=current_app.config["CASE_LINK_MINUTES"])
    return _new_token(user, SIGN_IN, lifetime, next_path)


def _issue_link(user: User, purpose: str, template: str, next_path: str | None,
                subject: str | LazyString | None = None, **context: object) -> str:
    minutes = current_app.config["SIGN_IN_LINK_MINUTES"]
    raw = _new_token(user, purpose, timedelta(minutes=minutes), next_path)
    endpoint = "customer.confirm_link" if purpose == SIGN_IN else "customer.reset_password"
    link = external_url(endpoint, token=raw)
    subject = subject or (_l("Your Caseloop sign-in") if purpose == SIGN_IN else
                          _l("Reset your password"))
    queue_email(user.email, subject, template, language=user.language, recipient=user,
                user=user, link=link, minutes=minutes, **context)
    return raw


def issue_password_link(user: User, template: str, subject: str | LazyString,
                        **context: object) -> None:
    """Queue a single-use choose-a-password link (the reset kind) with its own wording."""
    _issue_link(user, RESET, template, None, subject, **context)


def invite(user: User, next_path: str, template: str, subject: str | LazyString,
           **context: object) -> None:
    """Queue a single-use sign-in link landing on `next_path` with its own wording (someone
    put the person on a case); the caller commits."""
    _issue_link(user, SIGN_IN, template, next_path, subject, **context)


def find_link(raw: str) -> AuthToken | None:
    """The token behind an emailed link, used or expired alike; None if we never issued it."""
    return db.session.scalar(select(AuthToken).where(AuthToken.token_hash == _hash(raw)))


def renew_link(raw: str) -> None:
    """Email a fresh link of the same kind to whoever the old one was for; silent otherwise.

    The answer is the same for any token, so it tells nobody whose link it was.
    """
    token = find_link(raw)
    user = token.user if token else None
    if user is None or not user.active:
        return
    if token.purpose == RESET:
        _issue_link(user, RESET, "password_reset", None)
    elif not user.is_staff:
        _issue_link(user, SIGN_IN, "sign_in_link", next_path=token.next_path)
    effects.commit()


def revoke_links_in(text: str) -> int:
    """Use up every sign-in link quoted in text we are about to store and show to staff.

    A customer answering one of our emails may paste or quote its case link; once it sits
    on a timeline or in triage, anyone who reads it could sign in as them.
    """
    placeholder = "T"  # any one character, cut off again: the path up to the token
    prefix = site_path("customer.confirm_link", token=placeholder)[:-1]
    raws = re.findall(re.escape(prefix) + r"([A-Za-z0-9_-]{20,100})", text)
    if not raws:
        return 0
    return db.session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash.in_({_hash(raw) for raw in raws}),
               AuthToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def peek_token(raw: str, purpose: str) -> AuthToken | None:
    """The token if it is unused and unexpired; looking does not use it up."""
    token = db.session.scalar(
        select(AuthToken).where(AuthToken.token_hash == _hash(raw), AuthToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.active or (purpose == SIGN_IN and token.user.is_staff):
        return None  # staff sign in at /admin/login only, never by emailed link
    return token


def consume_sign_in_link(raw: str) -> AuthToken | None:
    """Use a sign-in link once; it also proves the address. None if invalid or used."""
    token = peek_token(raw, SIGN_IN)
    if token is None or not _mark_used(token):
        return None
    effects.commit()
    return token


def reset_password(raw: str, password: str) -> User | None:
    """Set a new password through a reset link; None when the link is no good."""
    passwords.check(password)
    token = peek_token(raw, RESET)
    if token is None or not _mark_used(token):
        return None
    user = token.user
    _replace_password(user, password)
    effects.commit()
    return user


def _mark_used(token: AuthToken) -> bool:
    """Claim the token atomically, so two simultaneous uses cannot both succeed."""
    now = utcnow()
    claimed = db.session.execute(
        update(AuthToken)
        .where(AuthToken.id == token.id, AuthToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    if token.user.email_verified_at is None:
        token.user.email_verified_at = now
        organisations.auto_join(token.user)  # a proven address at a company's domain
    return True
