"""The feedback dashboard: what customers answered, and whether unhappy answers were followed up."""

from __future__ import annotations

from functools import partial

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.models import Role, utcnow
from portal.services import feedback_reports
from portal.web import charts
from portal.web.csv_export import csv_download
from portal.web.errors import render_error
from portal.web.pagination import InvalidCursor, url_keeping

from . import bp
from .decorators import staff_required
from .report_forms import FeedbackFilterForm


def _form() -> FeedbackFilterForm:
    return FeedbackFilterForm.for_viewer(current_user, request.args)


def _render(template: str, form: FeedbackFilterForm, code: int = 200, **context):
    keep = partial(url_keeping, names=FeedbackFilterForm.NAMES)
    return render_template(template, form=form, keep=keep, bands=feedback_reports.BANDS,
                           **context), code


@bp.get("/feedback")
@staff_required(Role.MANAGER)
def feedback_dashboard():
    """Answers, ratings, loops closed and comments; 422 with the errors for a bad filter."""
    form = _form()
    if not form.validate():
        return _render("admin/feedback/dashboard.html", form, 422, report=None)
    report = feedback_reports.report(current_user, form.filters())
    return _render("admin/feedback/dashboard.html", form, report=report,
                   charts=charts.feedback_trends(report.weeks, report.histogram,
                                                 feedback_reports.BANDS))


@bp.get("/feedback/comments")
@staff_required(Role.MANAGER)
def feedback_comments():
    form = _form()
    if not form.validate():
        return _render("admin/feedback/comments.html", form, 422, page=None)
    try:
        page = feedback_reports.comments(current_user, form.filters(),
                                         request.args.get("cursor"))
    except InvalidCursor:
        return render_error(400, _("That page link is broken: start again from the first page."))
    return _render("admin/feedback/comments.html", form, page=page, now=utcnow(),
                   paged=bool(request.args.get("cursor")))


@bp.get("/feedback.csv")
@staff_required(Role.MANAGER)
def feedback_csv():
    """One row per answer, as filtered; 400 for a bad filter."""
    form = _form()
    if not form.validate():
        abort(400)
    return csv_download("caseloop-feedback", feedback_reports.CSV_HEADER,
                        feedback_reports.export_rows(current_user, form.filters()))
