"""The staff queue: filters, search, sorting and pagination over visible cases, and bulk
changes to the cases it lists."""

from __future__ import annotations

from functools import partial
from urllib.parse import parse_qsl

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.models import Role, User
from portal.services import bulk, catalog, handoffs, staff
from portal.services import queue as queue_service
from portal.services.errors import ServiceError
from portal.web.errors import render_error
from portal.web.htmx import wants_fragment
from portal.web.pagination import link_with, url_with

from . import bp, queue_rows
from .decorators import staff_required
from .queue_forms import BulkForm, fill_choices


@bp.get("/cases")
@staff_required(Role.AGENT)
def queue():
    """The queue page, or just its results for an htmx search; 400 for a bad filter."""
    try:
        filters = queue_service.parse_filters(request.args)
    except ServiceError as exc:
        return render_error(400, exc.message)
    form = BulkForm(formdata=None, query=request.query_string.decode())
    return _render(filters, form, url_with)


def _render(filters, form: BulkForm, links, code: int = 200):
    """The queue (or its results fragment) at these filters, with this bulk form."""
    # Read once for the change list, the filters and the Stuck count's cutoffs.
    listed = catalog.departments_and_categories()
    fill_choices(form, _bulk_people(), listed.departments)
    page = queue_service.search(current_user, filters)
    # The whole page shows the tabs' counts, which also count a view's matching cases.
    counts = (None if wants_fragment()
              else queue_service.view_counts(current_user, listed.departments))
    # Counted on every page, even one without a next: a page's queries never grow with it.
    matching = queue_service.matching_count(current_user, filters, bulk.MOST, counts)
    cells = queue_rows.row_cells(page.items, form.case.data, bool(form.case.errors))
    results = {"filters": filters, "page": page, "cells": cells, "url_with": links, "bulk": form,
               "times": queue_rows.time_cells(page.items),
               "bulk_fields": queue_rows.bulk_fields(form),
               "matching": matching, "bulk_most": bulk.MOST, "oob_flashes": wants_fragment(),
               "sorted_by": queue_service.SORTED_BY[filters.sort, filters.descending]}
    if wants_fragment():
        return render_template("admin/cases/_results.html", **results), code
    options = queue_service.filter_options(current_user, listed)
    return render_template(
        "admin/cases/queue.html", counts=counts,
        filters_form=queue_rows.filters_form(filters, options), **results,
    ), code


def _bulk_people() -> list[User | staff.Member]:
    """Who cases may be assigned to from here (managers: their colleagues; agents: themselves)."""
    if not handoffs.can_assign_others(current_user):
        return [current_user]
    mine = set(current_user.department_ids)
    return [m for m in staff.active_members() if current_user.role == Role.ADMIN
            or m.role == Role.ADMIN or mine & {d for d, _name in m.departments}]


@bp.post("/cases/bulk")
@staff_required(Role.AGENT)
def queue_bulk():
    """Change the ticked cases (or the page, or all matching after a confirmation); each case
    the user may not act on is skipped and named in the message."""
    form = BulkForm()
    args = MultiDict(parse_qsl(form.query.data or "", keep_blank_values=True))
    try:
        filters = queue_service.parse_filters(args)
    except ServiceError as exc:
        return render_error(400, exc.message)
    back = link_with("admin.queue", args)
    fill_choices(form, _bulk_people(), catalog.departments_and_categories().departments)
    if not form.validate_on_submit():
        return _render(filters, form, partial(link_with, "admin.queue", args), 422)
    if form.scope.data == "matching" and form.confirmed.data != "yes":
        return _confirm(form, filters, back)
    try:
        outcome = bulk.apply(current_user, _chosen(form, filters), bulk.Change(
            form.kind, form.value, form.note.data or "", form.explanation.data or ""))
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(outcome.message(), "error" if not outcome.changed
              else "info" if outcome.skipped else "success")
    return redirect(back, 303)


def _chosen(form: BulkForm, filters) -> list[int]:
    """The case ids the form means: ticked, this page's, or every matching one."""
    if form.scope.data == "selected":
        return form.case.data
    if form.scope.data == "page":
        return [case.id for case in queue_service.search(current_user, filters).items]
    return queue_service.matching_ids(current_user, filters, bulk.MOST)


def _confirm(form: BulkForm, filters, back: str):
    """Ask before changing every matching case (htmx asks in the browser instead)."""
    ids = queue_service.matching_ids(current_user, filters, bulk.MOST)
    context = {"form": form, "count": len(ids), "too_many": len(ids) > bulk.MOST,
               "change": _label(form), "back": back, "most": bulk.MOST}
    if wants_fragment():
        return render_template("admin/cases/_bulk_confirm.html", **context)
    return render_template("admin/cases/bulk_confirm.html", **context)


def _label(form: BulkForm) -> str:
    """The chosen change in words: "Set status: Resolved"."""
    for choice in form.to.choices:
        if choice.value == form.to.data:
            return f"{choice.optgroup}: {choice.label}" if choice.optgroup else choice.label
    return _("Nothing chosen")
