"""The case workspace: one case, its timeline and everything staff do to it."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.extensions import db
from portal.files import send_attachment
from portal.models import Attachment, Role, Status
from portal.services import access, cases, timeline
from portal.services.errors import NotFound, ServiceError

from . import bp
from .decorators import staff_required
from .forms import StaffReplyForm, StatusForm


def _case(reference: str):
    try:
        return access.get_case_for_staff(current_user, reference)
    except NotFound:
        abort(404)


@bp.get("/")
@staff_required(Role.AGENT)
def index():
    return redirect(url_for("admin.queue"))


def _workspace(case, reply_form=None, status_form=None, code=200):
    status_form = status_form or StatusForm(status=case.status.value)
    return render_template(
        "admin/cases/workspace.html", case=case, events=timeline.all_events(case),
        reply_form=reply_form or StaffReplyForm(), status_form=status_form,
    ), code


@bp.get("/cases/<reference>")
@staff_required(Role.AGENT)
def workspace(reference: str):
    return _workspace(_case(reference))


@bp.post("/cases/<reference>/replies")
@staff_required(Role.AGENT)
def reply(reference: str):
    case = _case(reference)
    form = StaffReplyForm()
    if form.validate_on_submit():
        try:
            cases.add_staff_reply(case, current_user, form.body.data,
                                  internal=form.kind.data == "internal")
        except ServiceError as exc:
            form.body.errors.append(exc.message)
        else:
            return redirect(url_for("admin.workspace", reference=case.reference) + "#latest")
    return _workspace(case, reply_form=form, code=422)


@bp.post("/cases/<reference>/status")
@staff_required(Role.AGENT)
def change_status(reference: str):
    case = _case(reference)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            cases.change_status(case, current_user, Status(form.status.data),
                                form.explanation.data)
        except ServiceError as exc:
            form.status.errors.append(exc.message)
        else:
            return redirect(url_for("admin.workspace", reference=case.reference))
    return _workspace(case, status_form=form, code=422)


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@staff_required(Role.AGENT)
def attachment(attachment_id: int, filename: str):
    found = db.session.get(Attachment, attachment_id)
    if found is None or not access.can_see(current_user, found.event.case):
        abort(404)
    return send_attachment(found)
