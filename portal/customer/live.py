"""Live case pages for customers: an event stream per case or list, and fresh fragments."""

from __future__ import annotations

from flask import make_response, request
from flask_login import current_user

from .. import live
from ..auth import customer_required
from ..live.stream import session_checker, sse_response
from ..models import utcnow
from ..services import clock, customer_seen
from . import bp
from .cases import _own_case, _render_case
from .forms import ReplyForm


def _checker():
    return session_checker(current_user.id, current_user.session_version)


@bp.get("/cases/<reference>/stream")
@customer_required
def case_stream(reference: str):
    case = _own_case(reference)
    return sse_response([live.case_channel(case.id)], _checker())


@bp.get("/cases/stream")
@customer_required
def cases_stream():
    return sse_response([live.customer_channel(current_user.id)], _checker())


@bp.get("/cases/<reference>/live")
@customer_required
def case_live(reference: str):
    """The part of the case page that changes; 304 when nothing did (polling fallback)."""
    # Its own columns first: most polls end in a 304, which needs nothing more.
    case = _own_case(reference, alone=True)
    held = next((t for t in request.if_none_match.as_set() if _still_true(t, case)), None)
    if held is not None:  # unchanged: answer before working anything out
        response = make_response("", 304)
        response.set_etag(held)
    else:
        case = _own_case(reference)  # the same object, with what the page shows joined in
        html, _ = _render_case("portal/cases/_case_live.html", case, ReplyForm(formdata=None))
        response = make_response(html)
        response.set_etag(_tag(case))
    customer_seen.mark_seen(case)  # after rendering (it commits, which would reload the case)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _tag(case) -> str:
    """The case's version, and the time the page names for our next update (0: none) and
    whether it had passed: time alone changes one thing, "we owed you an update, we are late"."""
    due = clock.next_update_for(case)
    late = due is not None and due < utcnow()
    return f"{case.id}-{case.version}-{due.timestamp() if due else 0:.0f}-{late:d}"


def _still_true(tag: str, case) -> bool:
    """Whether a page rendered with this tag is still right, without working the clock out:
    the same version, and not a due time that has passed since (it changes with the version)."""
    parts = tag.split("-")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return False
    case_id, version, due, late = (int(p) for p in parts)
    if (case_id, version) != (case.id, case.version):
        return False
    return late == 1 or due == 0 or utcnow().timestamp() < due
