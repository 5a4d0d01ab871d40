"""The one gate in front of every staff view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.models import Role
from portal.services import staff, two_factor

from . import pending

RANK = {Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def staff_required(role: Role = Role.AGENT):
    """Staff of at least this role; customers get 404, lower staff roles 403; staff who
    must set up two-factor sign-in are sent to do that first."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("admin.login", next=request.full_path))
            if not current_user.is_staff:
                abort(404)  # customers never learn that /admin exists
            if RANK[current_user.role] < RANK[role]:
                abort(403)
            if not pending.gate_passed(current_user):
                if two_factor.must_enrol(current_user):
                    # Managers and admins (and agents, if required) see nothing before that.
                    return redirect(url_for("admin.two_factor_setup", next=request.full_path))
                pending.passed_gate(current_user)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Admins only; a lower staff role trying a change is refused (403) and audited."""
    guarded = staff_required(Role.ADMIN)(view)

    @wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        user = current_user
        if request.method == "POST" and user.is_authenticated and user.is_staff \
                and user.role != Role.ADMIN:
            staff.record_denied(user, request.method, request.path, request.form.keys())
        return guarded(**kwargs)

    return wrapped
