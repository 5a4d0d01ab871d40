"""Who is emailed about a case change: the customer's own choices, in one place.

Per person: a channel (email, or the portal only) and a timing (immediate or the daily
digest, `User.email_updates`); per case: following (the default) or muted. `should_email`
is asked by every customer-facing notification, for each recipient (the case's customer and
anyone on CC alike). What the person must act on, and account mail (sign-in links,
invitations, verification), is never muted. Manage links are signed (itsdangerous) and
authorise changing these choices without signing in; they change nothing by themselves.
"""

from __future__ import annotations

import enum
from datetime import UTC, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select

from ..extensions import db
from ..models import Case, CaseNotificationChoice, DigestItem, EmailUpdates, Role, User, utcnow
from ..web.urls import external_url
from . import audit, effects
from .errors import ServiceError

SALT = "manage-notifications"
# Long enough for an old email's link to still work; it only ever changes these choices.
LINK_DAYS = 180


class Kind(enum.StrEnum):
    """What an email is about; decides whether a choice can hold it back."""

    UPDATE = "update"  # a reply, a status change, a promise: muted and portal-only skip it
    ACTION = "action"  # the customer must act (we are waiting on them): never muted
    ACCOUNT = "account"  # sign-in links, invitations, verification: never muted


NEVER_MUTED = frozenset({Kind.ACTION, Kind.ACCOUNT})


class Delivery(enum.StrEnum):
    """The channel, as the API and forms name it (User.updates_by_email)."""

    EMAIL = "email"
    PORTAL = "portal"


class LinkExpired(ServiceError):
    """A genuine manage link, older than LINK_DAYS."""


class LinkInvalid(ServiceError):
    """Not a manage link of ours (tampered, cut short, or for a person who is gone)."""


# Built once: every case page reads it (SQLAlchemy keeps a statement's cache key with it).
_FOLLOWING = select(CaseNotificationChoice.following).where(
    CaseNotificationChoice.user_id == bindparam("user_id"),
    CaseNotificationChoice.case_id == bindparam("case_id"))


def is_following(user: User, case: Case) -> bool:
    """The person's choice for this case; without one, they follow it."""
    following = db.session.scalar(_FOLLOWING, {"user_id": user.id, "case_id": case.id})
    return following is not False


def muted_cases(user: User) -> list[Case]:
    """The cases this person muted, newest first."""
    return list(db.session.scalars(
        select(Case).join(CaseNotificationChoice, CaseNotificationChoice.case_id == Case.id)
        .where(CaseNotificationChoice.user_id == user.id,
               CaseNotificationChoice.following.is_(False))
        .order_by(Case.id.desc())))


def should_email(user: User | None, case: Case | None, kind: Kind = Kind.UPDATE) -> bool:
    """Whether this person gets an email (now or in their digest) about this case."""
    if user is None or not user.email:
        return False
    if kind in NEVER_MUTED:
        return True
    if not user.updates_by_email:
        return False
    return case is None or is_following(user, case)


def set_following(user: User, case: Case, following: bool, actor: User) -> bool:
    """Follow or mute one case for `user` (`actor`: they, or staff on their request); True
    if it changed. Updates of that case waiting for a digest are dropped with a mute."""
    if following == is_following(user, case):
        return False
    choice = db.session.scalar(select(CaseNotificationChoice).where(
        CaseNotificationChoice.user_id == user.id, CaseNotificationChoice.case_id == case.id))
    if choice is None:
        choice = CaseNotificationChoice(user_id=user.id, case_id=case.id)
        db.session.add(choice)
    choice.following = following
    if not following:
        _drop_waiting(user, case)
    word = "followed" if following else "muted"
    audit.record(actor, f"notifications.{word}", case,
                 f"{case.reference}: {user.email or user.name} {word} by {_who(actor, user)}",
                 {"following": not following}, {"following": following, "user_id": user.id},
                 department_id=case.department_id)
    effects.commit()
    return True


def set_settings(user: User, actor: User, by_email: bool | None = None,
                 timing: str | None = None) -> bool:
    """Change the channel and/or the timing; ServiceError for an unknown timing, True if
    anything changed. Switching email off drops the updates waiting for a digest."""
    before = {"by_email": user.updates_by_email, "timing": user.email_updates}
    if timing is not None:
        try:
            user.email_updates = EmailUpdates(timing)
        except ValueError:
            raise ServiceError(_("Choose how often we email you."), "email_updates") from None
    if by_email is not None:
        user.updates_by_email = bool(by_email)
    after = {"by_email": user.updates_by_email, "timing": user.email_updates}
    if after == before:
        return False
    if not user.updates_by_email:
        _drop_waiting(user)
    channel = "email" if user.updates_by_email else "portal only"
    audit.record(actor, "notifications.settings", user,
                 f"{user.email or user.name}: {channel}, {user.email_updates.value} "
                 f"(by {_who(actor, user)})", before, after)
    effects.commit()
    return True


def _who(actor: User, user: User) -> str:
    return "the customer" if actor.id == user.id else f"{actor.name} on request"


def _drop_waiting(user: User, case: Case | None = None) -> None:
    """Updates not yet digested are not sent after all (they stay on the case pages)."""
    query = delete(DigestItem).where(DigestItem.customer_id == user.id,
                                     DigestItem.digested_at.is_(None))
    if case is not None:
        query = query.where(DigestItem.case_id == case.id)
    db.session.execute(query.execution_options(synchronize_session=False))


# Signed manage links --------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def manage_token(user: User, case_id: int | None = None) -> str:
    """A token naming the person (and the case the email was about)."""
    return _serializer().dumps([user.id, case_id])


def read_manage_token(token: str) -> tuple[User, Case | None]:
    """The person and case of a manage link; LinkInvalid or LinkExpired otherwise."""
    try:
        (user_id, case_id), signed_at = _serializer().loads(token, return_timestamp=True)
    except (BadSignature, ValueError, TypeError):
        raise LinkInvalid(_("This link is not one of ours, or it was cut short.")) from None
    signed_at = signed_at.replace(tzinfo=UTC) if signed_at.tzinfo is None else signed_at
    if utcnow() - signed_at > timedelta(days=LINK_DAYS):
        raise LinkExpired(_("This link has expired."))
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.role != Role.CUSTOMER or not user.active:
        raise LinkInvalid(_("This link is not one of ours, or it was cut short."))
    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    return user, case


def links_for(user: User | None, case_id: int | None) -> tuple[str, str] | None:
    """(manage page, one-click unsubscribe) URLs for mail to a customer; None for staff."""
    if user is None or user.id is None or user.role != Role.CUSTOMER:
        return None
    token = manage_token(user, case_id)
    return (external_url("customer.manage_notifications", token=token),
            external_url("customer.one_click_unsubscribe", token=token))

