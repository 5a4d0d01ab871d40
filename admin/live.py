"""Live staff pages: a stream per case and per queue, and the timeline fragment."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from portal import live
from portal.extensions import db
from portal.live.stream import session_checker, sse_response
from portal.models import Department, Role
from portal.services import access, customer_seen, feedback, timeline
from portal.services.errors import NotFound
from portal.web.htmx import wants_fragment

from . import bp
from .cases import case_or_404
from .decorators import staff_required


def _checker():
    return session_checker(current_user.id, current_user.session_version)


@bp.get("/cases/<reference>/stream")
@staff_required(Role.AGENT)
def case_stream(reference: str):
    case = case_or_404(reference)
    return sse_response([live.case_channel(case.id, internal=True)], _checker())


@bp.get("/cases/stream")
@staff_required(Role.AGENT)
def queue_stream():
    if current_user.role == Role.ADMIN:
        ids = list(db.session.scalars(select(Department.id)))
    else:
        ids = sorted(current_user.department_ids)
    return sse_response([live.department_channel(i) for i in ids], _checker())


@bp.get("/cases/<reference>/timeline")
@staff_required(Role.AGENT)
def case_timeline(reference: str):
    if wants_fragment():
        # A live refresh after the case moved out of reach (a handoff, a role change) says
        # so in place of the timeline; the same words for any unknown case, so nothing leaks.
        try:
            case = access.get_case_for_staff(current_user, reference)
        except NotFound:
            return render_template("admin/cases/_timeline_gone.html")
    else:
        case = case_or_404(reference)
    events = timeline.all_events(case)
    return render_template("admin/cases/_timeline.html", case=case, events=events,
                           reactions=feedback.reactions_for(case),
                           seen=customer_seen.marker(case, events))
