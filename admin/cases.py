"""The case workspace: one case, its timeline and everything staff do to it."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.extensions import db
from portal.models import (
    Attachment,
    Category,
    Channel,
    EventKind,
    Priority,
    Role,
    Status,
)
from portal.services import (
    access,
    case_details,
    cases,
    catalog,
    clock,
    customer_seen,
    customers,
    feedback,
    handoffs,
    participants,
    problem_links,
    promises,
    saved_replies,
    staff,
    stuck,
    timeline,
)
from portal.services.errors import NotFound, ServiceError
from portal.web.choices import options
from portal.web.files import send_attachment
from portal.web.formatting import to_local
from portal.web.htmx import wants_fragment
from portal.web.lazy_text import lazy_gettext as _l

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
from .handoff_form import fill_choices, handoff_form
from .views import refuse

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


def case_or_404(reference: str):
    """The case this staff member may see, or 404 (the workspace's views share it)."""
    try:
        return access.get_case_for_staff(current_user, reference)
    except NotFound:
        abort(404)


def _choices(forms: dict, case) -> None:
    """Fill the select lists of these forms: categories, departments, who may be assigned."""
    if "reply" in forms:
        _saved_reply_choices(forms["reply"])
    deps, cats = catalog.routing_choices() if "details" in forms or "handoff" in forms \
        else ([], [])
    colleagues = staff.active_members() if "handoff" in forms or "promise" in forms else []
    if "details" in forms:
        forms["details"].category.choices = options((c.id, c.name) for c in cats)
    if "handoff" in forms:
        fill_choices(forms["handoff"], case, deps, colleagues)
    if "promise" in forms:
        forms["promise"].owner.choices = options(
            (u.id, u.name) for u in colleagues if access.can_see(u, case))


def _saved_reply_choices(form: StaffReplyForm) -> None:
    """The saved replies this person may insert, theirs first, then by department."""
    mine = _("Yours")
    form.saved_reply.choices = [SelectChoice(0, _("Choose a saved reply"))] + [
        SelectChoice(r.id, r.title, optgroup=mine if r.personal else r.department.name)
        for r in saved_replies.usable(current_user)]


def new_form(name: str, case, **kwargs):
    """The named workspace form; the handoff form asks about this case's promises."""
    return handoff_form(case, **kwargs) if name == "handoff" else FORMS[name](**kwargs)


def _defaults(case, last_id: int) -> dict:
    forms = {
        "reply": StaffReplyForm(formdata=None),
        "status": StatusForm(formdata=None, status=case.status.value),
        "details": DetailsForm(formdata=None, priority=case.priority.value,
                               category=case.category_id),
        # Nobody preselected: handing a case to oneself by accident is the likelier mistake.
        "handoff": new_form("handoff", case, formdata=None, department=case.department_id,
                            assignee=0),
        "contact": ContactForm(formdata=None),
        "reference": ReferenceForm(formdata=None),
        "promise": PromiseForm(formdata=None, owner=current_user.id,
                               due=to_local(promises.default_due(case))),
    }
    for form in forms.values():
        form.seen.data = last_id
    return forms


def render_workspace(case, submitted: dict | None = None, conflict=None, code: int = 200,
                     inserted: str = ""):
    events = timeline.all_events(case)
    last_id = events[-1].id if events else 0
    forms = _defaults(case, last_id) | (submitted or {})
    _choices(forms, case)
    handoff = next((e for e in reversed(events) if e.data.get("handoff")), None)
    std = clock.standard_for(case)
    return render_template(
        "admin/cases/workspace.html", case=case, events=events, forms=forms,
        conflict=conflict, change_names=CHANGE_NAMES, handoff=handoff, inserted=inserted,
        seen=customer_seen.marker(case, events),
        panel=customers.before_contact(case),
        rag=clock.rag(case, std), deadlines=clock.deadlines(case, std),
        customer_clock=clock.customer_clock(case), reactions=feedback.reactions_for(case),
        stuck=stuck.reason(case),
        participants=participants.of_case(case),
        linked_problems=problem_links.problems_of(case),
    ), code


@bp.get("/cases/<reference>")
@staff_required(Role.AGENT)
def workspace(reference: str):
    return render_workspace(case_or_404(reference))


def act(reference: str, name: str, action: Callable, done: str | Callable):
    """Validate the named form, stop on a collision, run the service call, answer."""
    case = case_or_404(reference)
    form = new_form(name, case)
    _choices({name: form}, case)  # only the posted form's lists are needed to check it
    if form.validate_on_submit():
        seen = form.seen.data
        stale = [] if form.confirm.data or seen is None else \
            case_details.changes_since(case, seen, current_user)
        if stale:
            form.confirm.data = "yes"  # pressing again means: do it anyway
            return render_workspace(case, {name: form}, conflict=stale, code=409)
        # Both built before the commit, which would reload the case.
        target = url_for("admin.workspace", reference=case.reference) + "#latest"
        said = done(case, form) if callable(done) else done
        try:
            action(case, form)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            flash(said, "success")
            return redirect(target)
    return render_workspace(case, {name: form}, code=422)


@bp.post("/cases/<reference>/replies")
@staff_required(Role.AGENT)
def reply(reference: str):
    return act(reference, "reply", lambda case, f: cases.add_staff_reply(
        case, current_user, f.body.data, internal=f.kind.data == "internal", once=f.once.data),
        _said)


def _said(case, form: StaffReplyForm) -> str:
    """After sending, which of the two it was, in words that cannot be misread."""
    if form.kind.data == "internal":
        return _("Staff-only note saved — the customer cannot see it.")
    return _("Sent to %(name)s.", name=case.customer.name)


@bp.post("/cases/<reference>/saved-reply")
@staff_required(Role.AGENT)
def insert_saved_reply(reference: str):
    """Put a saved reply, filled in for this case, into the composer (nothing is sent)."""
    case = case_or_404(reference)
    form = StaffReplyForm()
    _saved_reply_choices(form)
    try:
        saved = saved_replies.get_for_use(current_user, form.saved_reply.data)
    except NotFound as exc:
        form.saved_reply.errors = [exc.message]
        return _composer(case, form, code=422)
    text = saved_replies.fill_in(saved, case)
    typed = (form.body.data or "").rstrip()
    form.body.data = f"{typed}\n\n{text}" if typed else text  # what was typed stays
    return _composer(case, form, inserted=saved.title)


def _composer(case, form: StaffReplyForm, code: int = 200, inserted: str = ""):
    """The composer alone for htmx, else the whole workspace around it."""
    if wants_fragment():
        return render_template("admin/cases/_composer.html", case=case, forms={"reply": form},
                               inserted=inserted), code
    return render_workspace(case, {"reply": form}, code=code, inserted=inserted)


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


@bp.post("/cases/<reference>/take")
@staff_required(Role.AGENT)
def take(reference: str):
    case = case_or_404(reference)
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
