"""Loading the signed-in user, and the decorators views use to require one."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .extensions import db, login_manager
from .models import User
from .services import accounts, erasure
from .web.formatting import fulltime

# Staff pages check departments on every request: there they come in the same query.
# Elsewhere (the customer pages, most requests) nothing asks, and the join cost each request
# a third more than the user alone. Built once, so SQLAlchemy works each cache key out once.
USER_FOR_REQUEST = select(User).where(User.id == bindparam("user_id"))
STAFF_FOR_REQUEST = USER_FOR_REQUEST.options(joinedload(User.departments))
STAFF_BLUEPRINT = "admin"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # The id carries the session version: bumping it signs out every old cookie.
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    staff_page = has_request_context() and request.blueprint == STAFF_BLUEPRINT
    query = STAFF_FOR_REQUEST if staff_page else USER_FOR_REQUEST
    user = db.session.scalars(query, {"user_id": int(ident)}).unique().first()
    if user is None or user.session_version != int(version):
        return None
    return user


def customer_required(view):
    """Signed-in customers only; staff get 404 (the customer pages are not theirs)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def start_session(user: User) -> None:
    """Sign in on a fresh session, so nothing set before sign-in carries over."""
    session.clear()
    login_user(user)
    session.permanent = True
    accounts.record_sign_in(user)
    waiting = None if user.is_staff else erasure.pending(user)
    if waiting is not None:  # the grace period: signing in is the moment to change one's mind
        flash(_("Your account will be deleted on %(time)s. To keep it, press “Keep my account” "
                "under Your data on Your details.", time=fulltime(waiting.due_at, user)),
              "info")


def end_session() -> None:
    """Sign out here and revoke every other cookie of this user."""
    user = current_user._get_current_object()
    if user.is_authenticated:
        accounts.revoke_sessions(user)
    logout_user()
    session.clear()
