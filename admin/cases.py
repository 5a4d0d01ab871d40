"""The case workspace: one case, its timeline and everything staff do to it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

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
from portal.web.fragments import Unbuilt, code_digest
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


class _Lists:
    """What the workspace forms' select lists offer, each loaded once per page when first
    asked for: the same rows make an untouched form's key and, on a miss, its lists."""

    def __init__(self, case) -> None:
        self.case = case

    @cached_property
    def routing(self) -> tuple[list[catalog.Named], list[catalog.Named]]:
        return catalog.routing_choices()

    @cached_property
    def colleagues(self) -> list[staff.Member]:
        return staff.active_members()

    @cached_property
    def saved(self) -> list:
        return saved_replies.usable(current_user)

    @cached_property
    def here(self) -> list[staff.Member]:
        """The colleagues who may open this case: all an untouched form lists."""
        return staff.active_members(seeing=self.case.department_id)

    @cached_property
    def owners(self) -> list[tuple[int, str]]:
        """Who may keep a promise on this case."""
        return [(u.id, u.name) for u in self.here if access.can_see(u, self.case)]


def _choices(forms: dict, case, lists: _Lists | None = None) -> None:
    """Fill the select lists of these forms: categories, departments, who may be assigned."""
    lists = lists or _Lists(case)
    if "reply" in forms:
        _saved_reply_choices(forms["reply"], lists.saved)
    if "details" in forms:
        forms["details"].category.choices = options((c.id, c.name) for c in lists.routing[1])
    if "handoff" in forms:
        form = forms["handoff"]
        # The case's own department's people are all among those who may open the case.
        members = lists.here if form.department.data == case.department_id \
            else lists.colleagues
        fill_choices(form, case, lists.routing[0], members)
    if "promise" in forms:
        forms["promise"].owner.choices = options(lists.owners)


def _saved_reply_choices(form: StaffReplyForm, usable: list | None = None) -> None:
    """The saved replies this person may insert, theirs first, then by department."""
    mine = _("Yours")
    form.saved_reply.choices = [SelectChoice(0, _("Choose a saved reply"))] + [
        SelectChoice(r.id, r.title, optgroup=mine if r.personal else r.department.name)
        for r in (saved_replies.usable(current_user) if usable is None else usable)]


def new_form(name: str, case, **kwargs):
    """The named workspace form; the handoff form asks about this case's promises."""
    return handoff_form(case, **kwargs) if name == "handoff" else FORMS[name](**kwargs)


def _defaults(case) -> dict[str, dict]:
    """What each untouched form is built with, beyond the events seen."""
    return {
        "reply": {"once": StaffReplyForm.once.kwargs["default"]()},
        "status": {"status": case.status.value},
        "details": {"priority": case.priority.value, "category": case.category_id},
        # Nobody preselected: handing a case to oneself by accident is the likelier mistake.
        "handoff": {"department": case.department_id, "assignee": 0},
        "contact": {},
        "reference": {},
        "promise": {"owner": current_user.id, "due": to_local(promises.default_due(case))},
    }


def _lists_shown(name: str, case, lists: _Lists) -> tuple:
    """The data of the named form's lists, as plain values (part of its key)."""
    if name == "reply":
        return tuple((r.id, r.title, None if r.personal else r.department.name)
                     for r in lists.saved)
    if name == "details":
        return tuple((c.id, c.name) for c in lists.routing[1])
    if name == "handoff":
        return (tuple((d.id, d.name) for d in lists.routing[0]), tuple(lists.here),
                current_user.id, current_user.name, handoffs.can_assign_others(current_user),
                tuple((p.id, p.what, p.owner.name if p.owner else None, p.owner_name)
                      for p in promises.open_on(case)))
    return tuple(lists.owners) if name == "promise" else ()


def _build(name: str, case, last_id: int, lists: _Lists, defaults: dict) -> Callable:
    def build():
        form = new_form(name, case, formdata=None, **defaults)
        form.seen.data = last_id
        _choices({name: form}, case, lists)
        return form
    return build


def _untouched(case, last_id: int, lists: _Lists) -> dict[str, Unbuilt]:
    """The workspace forms as nobody has touched them, each built only if its HTML is not
    kept (`cached_form`): its key is made of what it is built from."""
    code = code_digest(__name__, FORMS["reply"].__module__, handoff_form.__module__)
    forms = {}
    for name, defaults in _defaults(case).items():
        # The composer's random id is new on every page: filled in, never part of the key.
        own = {k: v for k, v in defaults.items() if k == "once"}
        shown = sorted((k, v) for k, v in defaults.items() if k not in own)
        forms[name] = Unbuilt(_build(name, case, last_id, lists, defaults),
                              (code, name, last_id, shown, _lists_shown(name, case, lists)), own)
    return forms


def render_workspace(case, submitted: dict | None = None, conflict=None, code: int = 200,
                     inserted: str = ""):
    events = timeline.all_events(case)
    last_id = events[-1].id if events else 0
    lists = _Lists(case)
    submitted = submitted or {}
    _choices(submitted, case, lists)
    forms = _untouched(case, last_id, lists) | submitted
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
