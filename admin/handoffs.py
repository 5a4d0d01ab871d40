"""Handing a case over: the form's people follow the chosen department, promises go along."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.models import Department, Role, User
from portal.services import access, handoffs
from portal.services.errors import NotFound, ServiceError
from portal.web.htmx import wants_fragment

from . import bp
from .cases import act, case_or_404, render_workspace
from .decorators import staff_required
from .handoff_form import fill_choices, handoff_form, kept_ids


@bp.post("/cases/<reference>/handoff")
@staff_required(Role.AGENT)
def handoff(reference: str):
    if request.form.get("step") == "people":
        return _people_step(reference)

    def action(case, f):
        department = db.session.get(Department, f.department.data)
        assignee = db.session.get(User, f.assignee.data) if f.assignee.data else None
        if f.assignee.data and assignee is None:
            raise ServiceError(_("Choose a person from the list."), "assignee")
        handoffs.hand_off(case, current_user, department, assignee, f.note.data,
                          f.customer_line.data, keep=kept_ids(f))

    response = act(reference, "handoff", action, _("Handed over, with your note."))
    return _leave_if_gone(reference, response)


def _people_step(reference: str):
    """Without JavaScript: the department was chosen, now list its people; nothing is saved
    and the words typed so far stay."""
    case = case_or_404(reference)
    form = handoff_form(case)
    fill_choices(form, case)
    form.assignee.data = 0
    return render_workspace(case, {"handoff": form})


@bp.get("/cases/<reference>/handoff/people")
@staff_required(Role.AGENT)
def handoff_people(reference: str):
    """The person select for the department chosen (htmx), or the page with it chosen."""
    case = case_or_404(reference)
    department = request.args.get("department", case.department_id, type=int)
    form = handoff_form(case, formdata=None, department=department, assignee=0)
    fill_choices(form, case)
    if wants_fragment():
        return render_template("admin/cases/_handoff_person.html", form=form)
    return render_workspace(case, {"handoff": form})


def _leave_if_gone(reference: str, response):
    """After a handoff to another department the agent may no longer see the case."""
    try:
        access.get_case_for_staff(current_user, reference)
    except NotFound:
        return redirect(url_for("admin.queue"))
    return response
