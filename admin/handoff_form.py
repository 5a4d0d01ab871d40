"""The handoff form: a department, its people, and one keep-or-pass question per promise."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user
from wtforms import RadioField

from portal.models import Case, Promise
from portal.services import catalog, handoffs, promises, staff
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

from .forms import HandoffForm

PROMISE_FIELD = "promise_"


def handoff_form(case: Case, **kwargs) -> HandoffForm:
    """The handoff form for this case, with a question for each of its open promises."""

    class CaseHandoffForm(HandoffForm):
        pass

    for promise in promises.open_on(case):
        setattr(CaseHandoffForm, f"{PROMISE_FIELD}{promise.id}", _promise_field(promise))
    return CaseHandoffForm(**kwargs)


def _promise_field(promise: Promise) -> RadioField:
    keeper = promise.owner.name if promise.owner else \
        _l("the %(department)s queue", department=promise.owner_name)
    return RadioField(
        _l("“%(what)s”", what=promise.what),
        choices=options([("pass", _l("Pass it to whoever receives the case")),
                         ("keep", _l("Keep it with %(name)s", name=keeper))]),
        default="pass", invalid_choice_message=_l("Choose pass or keep."))


def promise_fields(form: HandoffForm) -> list:
    return [f for f in form if f.name.startswith(PROMISE_FIELD)]


def kept_ids(form: HandoffForm) -> set[int]:
    """The promises the user chose to leave with their owner."""
    return {int(f.name.removeprefix(PROMISE_FIELD)) for f in promise_fields(form)
            if f.data == "keep"}


def fill_choices(form: HandoffForm, case: Case, departments: list[catalog.Named] | None = None,
                 members: list[staff.Member] | None = None) -> None:
    """Departments, and the people of the chosen one (the case's own until one is chosen);
    never the current user preselected: the queue is the default person. The lists are
    taken from the caller when it has them already (one query each per page)."""
    if departments is None:
        departments = catalog.routing_choices()[0]
    form.department.choices = options((d.id, d.name) for d in departments)
    chosen = next((d for d in departments if d.id == form.department.data), None) or \
        next((d for d in departments if d.id == case.department_id), None)
    form.assignee.choices = options(people_of(
        chosen.id if chosen else case.department_id, chosen.name if chosen else "",
        staff.active_members() if members is None else members))


def people_of(department_id: int, department_name: str,
              members: list[staff.Member]) -> list[tuple[int, str]]:
    """Who the current user may give a case to in that department: its queue, then its
    people (managers and admins), or only themselves (agents)."""
    people = [(0, _("Nobody yet: the %(department)s queue", department=department_name))]
    here = [m for m in members if any(dep_id == department_id for dep_id, _n in m.departments)]
    if handoffs.can_assign_others(current_user):
        people += [(m.id, m.name) for m in here]
    elif any(m.id == current_user.id for m in here):
        people.append((current_user.id, _("Me (%(name)s)", name=current_user.name)))
    return people
