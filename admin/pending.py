"""Between the password and the second factor: who is half signed in, and until when.

Nobody is signed in (no Flask-Login session) until both steps are done; the session only
remembers which staff member passed the password step, for a few minutes.
"""

from __future__ import annotations

import time

from flask import session

from portal.auth import start_session
from portal.extensions import db
from portal.models import User

KEY = "staff_pending"
MINUTES = 10
# Set once this session has passed the two-factor gate for the role it had then: the gate
# then costs no query per page. A role change checks again; a newly required agent is signed
# out (services/two_factor.set_agents_requirement), so a stale mark never outlives the rule.
GATE = "staff_gate_role"


def begin(user: User, next_path: str) -> None:
    """Remember that this person passed the password step (on a fresh session)."""
    session.clear()
    session[KEY] = {"id": user.id, "v": user.session_version, "next": next_path,
                    "until": int(time.time()) + MINUTES * 60}


def user() -> User | None:
    """The staff member half signed in on this session, if still valid."""
    state = session.get(KEY)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        return None
    found = db.session.get(User, state.get("id")) if isinstance(state.get("id"), int) else None
    if found is None or not found.is_staff or not found.active \
            or found.session_version != state.get("v"):
        return None
    return found


def finish(user: User) -> None:
    """Both steps done (or the second not needed): sign in on a fresh session."""
    start_session(user)
    passed_gate(user)


def passed_gate(user: User) -> None:
    session[GATE] = user.role.value


def gate_passed(user: User) -> bool:
    return session.get(GATE) == user.role.value


def next_path(default: str) -> str:
    state = session.get(KEY)
    return (state.get("next") or default) if isinstance(state, dict) else default
