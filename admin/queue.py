"""The staff queue: filters, search, sorting and pagination over visible cases."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from portal.errors import render_error
from portal.htmx import wants_fragment
from portal.models import PRIORITY_LABELS, STATUS_TEXT, Role
from portal.pagination import url_with
from portal.services import queue as queue_service
from portal.services.errors import ServiceError

from . import bp
from .decorators import staff_required


@bp.get("/cases")
@staff_required(Role.AGENT)
def queue():
    """The queue page, or just its results for an htmx search; 400 for a bad filter."""
    try:
        filters = queue_service.parse_filters(request.args)
    except ServiceError as exc:
        return render_error(400, exc.message)
    page = queue_service.search(current_user, filters)
    results = {"filters": filters, "page": page, "url_with": url_with,
               "sorted_by": queue_service.SORTED_BY[filters.sort, filters.descending],
               "priority_labels": PRIORITY_LABELS}
    if wants_fragment():
        return render_template("admin/cases/_results.html", **results)
    return render_template(
        "admin/cases/queue.html", counts=queue_service.view_counts(current_user),
        options=queue_service.filter_options(current_user), statuses=STATUS_TEXT, **results,
    )
