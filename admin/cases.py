"""The case workspace: one case, its timeline and everything staff do to it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.choices import options
from portal.extensions import db
from portal.files import send_attachment
from portal.formatting import to_local
from portal.lazy_text import lazy_gettext as _l
from portal.models import (
    Attachment,
    Category,
    Channel,
    Department,
    EventKind,
    Priority,
    Role,
    Status,
    User,
)
from portal.services import (
    access,
    case_details,
    cases,
    catalog,
    clock,
    customers,
    feedback,
    handoffs,
    promises,
    staff,
    timeline,
)
from portal.services.errors import NotFound, ServiceError

from . import bp
from .decorators import staff_required
from .forms import (
    ContactForm,
    DetailsForm,
    HandoffForm,
    PromiseForm,
    ReferenceForm,
    StaffReplyForm,
    StatusForm,
)

FORMS = {"reply": StaffReplyForm, "status": StatusForm, "details": DetailsForm,
         "handoff": HandoffForm, "contact": ContactForm, "reference": ReferenceForm,
         "promise": PromiseForm}
# What the collision notice calls each change someone else made.
CHANGE_NAMES = {
    EventKind.OPENED: _l("opened"),
    EventKind.CUSTOMER_MESSAGE: _l("customer message"),
    EventKind.STAFF_REPLY: _l("staff reply"),
    EventKind.INTERNAL_NOTE: _l("internal note"),
    EventKind.STATUS_CHANGE: _l("status change"),
    EventKind.ASSIGNMENT: _l("assignment"),
    EventKind.CONTACT_LOGGED: _l("contact logged"),
    EventKind.REOPENED: _l("reopened"),
    EventKind.LINKED: _l("linked"),
    EventKind.DETAILS_CHANGED: _l("details changed"),
    EventKind.PROMISE: _l("promise"),
    EventKind.ESCALATION: _l("escalation"),
    EventKind.FEEDBACK: _l("feedback"),
    EventKind.FOLLOW_UP: _l("follow up"),
}


def _case(reference: str):
    try:
        return access.get_case_for_staff(current_user, reference)
    except NotFound:
        abort(404)


def _choices(forms: dict, case) -> None:
    """Fill the select lists of these forms: categories, departments, who may be assigned."""
    if "details" in forms or "handoff" in forms:
        deps, cats = catalog.routing_choices()
        if "details" in forms:
            forms["details"].category.choices = options((c.id, c.name) for c in cats)
        if "handoff" in forms:
            forms["handoff"].department.choices = options((d.id, d.name) for d in deps)
    if "handoff" not in forms and "promise" not in forms:
        return
    colleagues = staff.active_members()
    if "handoff" in forms:
        people = [(0, _("Nobody yet: the department's queue"))]
        if handoffs.can_assign_others(current_user):
            everywhere = _("all")
            for u in colleagues:
                where = ", ".join(n for _id, n in u.departments) or everywhere
                people.append((u.id, f"{u.name} ({where})"))
        else:
            people.append((current_user.id, _("Me (%(name)s)", name=current_user.name)))
        forms["handoff"].assignee.choices = options(people)
    if "promise" in forms:
        forms["promise"].owner.choices = options(
            (u.id, u.name) for u in colleagues if access.can_see(u, case))


def _defaults(case, last_id: int) -> dict:
    forms = {
        "reply": StaffReplyForm(formdata=None),
        "status": StatusForm(formdata=None, status=case.status.value),
        "details": DetailsForm(formdata=None, priority=case.priority.value,
                               category=case.category_id),
        "handoff": HandoffForm(formdata=None, department=case.department_id,
                               assignee=case.assignee_id or 0),
        "contact": ContactForm(formdata=None),
        "reference": ReferenceForm(formdata=None),
        "promise": PromiseForm(formdata=None, owner=current_user.id,
                               due=to_local(promises.default_due(case))),
    }
    for form in forms.values():
        form.seen.data = last_id
    return forms


def _workspace(case, submitted: dict | None = None, conflict=None, code: int = 200):
    events = timeline.all_events(case)
    last_id = events[-1].id if events else 0
    forms = _defaults(case, last_id) | (submitted or {})
    _choices(forms, case)
    handoff = next((e for e in reversed(events) if e.data.get("handoff")), None)
    std = clock.standard_for(case)
    return render_template(
        "admin/cases/workspace.html", case=case, events=events, forms=forms,
        conflict=conflict, change_names=CHANGE_NAMES, handoff=handoff,
        panel=customers.before_contact(case),
        rag=clock.rag(case, std), deadlines=clock.deadlines(case, std),
        customer_clock=clock.customer_clock(case), reactions=feedback.reactions_for(case),
    ), code


@bp.get("/cases/<reference>")
@staff_required(Role.AGENT)
def workspace(reference: str):
    return _workspace(_case(reference))


def act(reference: str, name: str, action: Callable, done: str):
    """Validate the named form, stop on a collision, run the service call, answer."""
    case = _case(reference)
    form = FORMS[name]()
    _choices({name: form}, case)  # only the posted form's lists are needed to check it
    if form.validate_on_submit():
        seen = form.seen.data
        stale = [] if form.confirm.data or seen is None else \
            case_details.changes_since(case, seen, current_user)
        if stale:
            form.confirm.data = "yes"  # pressing again means: do it anyway
            return _workspace(case, {name: form}, conflict=stale, code=409)
        target = url_for("admin.workspace", reference=case.reference) + "#latest"
        try:
            action(case, form)
        except ServiceError as exc:
            _show_error(form, exc)
        else:
            flash(done, "success")
            return redirect(target)  # built before the commit, which would reload the case
    return _workspace(case, {name: form}, code=422)


def _show_error(form, exc: ServiceError) -> None:
    """Next to its field when the form has it, else as a message at the top."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None or target.type == "HiddenField":
        flash(exc.message, "error")
    else:
        target.errors.append(exc.message)


@bp.post("/cases/<reference>/replies")
@staff_required(Role.AGENT)
def reply(reference: str):
    return act(reference, "reply", lambda case, f: cases.add_staff_reply(
        case, current_user, f.body.data, internal=f.kind.data == "internal", once=f.once.data),
        _("Saved."))


@bp.post("/cases/<reference>/status")
@staff_required(Role.AGENT)
def change_status(reference: str):
    return act(reference, "status", lambda case, f: cases.change_status(
        case, current_user, Status(f.status.data), f.explanation.data), _("Status changed."))


@bp.post("/cases/<reference>/details")
@staff_required(Role.AGENT)
def change_details(reference: str):
    def action(case, f):
        category = db.session.get(Category, f.category.data)
        case_details.change_details(case, current_user, Priority(f.priority.data), category)

    return act(reference, "details", action, _("Details changed."))


@bp.post("/cases/<reference>/handoff")
@staff_required(Role.AGENT)
def handoff(reference: str):
    def action(case, f):
        department = db.session.get(Department, f.department.data)
        assignee = db.session.get(User, f.assignee.data) if f.assignee.data else None
        handoffs.hand_off(case, current_user, department, assignee, f.note.data,
                          f.customer_line.data)

    response = act(reference, "handoff", action, _("Handed over, with your note."))
    return _leave_if_gone(reference, response)


def _leave_if_gone(reference: str, response):
    """After a handoff to another department the agent may no longer see the case."""
    try:
        access.get_case_for_staff(current_user, reference)
    except NotFound:
        return redirect(url_for("admin.queue"))
    return response


@bp.post("/cases/<reference>/take")
@staff_required(Role.AGENT)
def take(reference: str):
    case = _case(reference)
    try:
        handoffs.take(case, current_user)
    except ServiceError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.workspace", reference=case.reference))


@bp.post("/cases/<reference>/contacts")
@staff_required(Role.AGENT)
def log_contact(reference: str):
    return act(reference, "contact", lambda case, f: case_details.log_contact(
        case, current_user, Channel(f.channel.data), f.body.data, f.public.data),
        _("Contact logged."))


@bp.post("/cases/<reference>/references")
@staff_required(Role.AGENT)
def add_reference(reference: str):
    return act(reference, "reference", lambda case, f: case_details.add_reference(
        case, current_user, f.system.data, f.value.data), _("Reference added."))


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
@staff_required(Role.AGENT)
def attachment(attachment_id: int, filename: str):
    found = db.session.get(Attachment, attachment_id)
    if found is None or not access.can_see(current_user, found.event.case):
        abort(404)
    return send_attachment(found)
