"""Live case pages for customers: an event stream per case or list, and fresh fragments."""

from __future__ import annotations

from flask import make_response, request
from flask_login import current_user

from .. import live
from ..auth import customer_required
from ..live.stream import session_checker, sse_response
from ..services import cases
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
    case = _own_case(reference)
    html, _ = _render_case("portal/cases/_case_live.html", case, ReplyForm(formdata=None))
    response = make_response(html)
    response.set_etag(f"{case.id}-{case.version}")
    response.headers["Cache-Control"] = "private, no-cache"
    conditional = response.make_conditional(request)
    cases.mark_seen(case)
    return conditional
