"""The queue's bulk form: ticked cases (or the page, or all matching) and one change."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.models import PRIORITY_LABELS, STATUS_TEXT, Department, Priority, Status, User
from portal.services.cases import MAX_BODY
from portal.services.catalog import DepartmentSettings
from portal.services.handoffs import MAX_NOTE
from portal.services.staff import Member
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

SCOPES = ("selected", "page", "matching")
NEEDS_NOTE = ("assignee", "department")


class BulkForm(FlaskForm):
    # Rendered by hand as one checkbox per queue row; ids outside the user's reach are
    # skipped by the service, so any number may arrive here.
    case = SelectMultipleField(_l("Select"), coerce=int, validate_choice=False)
    scope = SelectField(choices=options((s, s) for s in SCOPES), default="selected")
    to = SelectField(_l("Change to"),
                     validators=[DataRequired(_l("Choose what to change the cases to."))])
    note = TextAreaField(
        _l("Handoff note (staff only)"), validators=[Length(max=MAX_NOTE)],
        description=_l("Needed to assign or move cases: what we know, what happens next."))
    explanation = TextAreaField(
        _l("What to tell the customer"), validators=[Length(max=MAX_BODY)],
        description=_l("For a status change; needed to resolve."))
    query = HiddenField()  # the queue's filters, read again on the server
    confirmed = HiddenField()

    def validate_case(self, field) -> None:
        if self.scope.data == "selected" and not field.data:
            raise ValidationError(_l("Tick at least one case, or choose all on this page."))

    def validate_note(self, field) -> None:
        if self.kind in NEEDS_NOTE and not (field.data or "").strip():
            raise ValidationError(_l("Write what we know and what happens next."))

    @property
    def kind(self) -> str:
        return (self.to.data or "").partition(":")[0]

    @property
    def value(self) -> str:
        return (self.to.data or "").partition(":")[2]


def fill_choices(form: BulkForm, people: Sequence[User | Member],
                 departments: Sequence[Department | DepartmentSettings]) -> None:
    """The change list, grouped: a person, a department, a status, a priority."""
    assign, move = str(_l("Assign to")), str(_l("Move to department"))
    status, priority = str(_l("Set status")), str(_l("Set priority"))
    form.to.choices = [
        SelectChoice("", str(_l("Choose a change…"))),
        *(SelectChoice(f"assignee:{u.id}", u.name, optgroup=assign) for u in people),
        *(SelectChoice(f"department:{d.id}", d.name, optgroup=move) for d in departments),
        *(SelectChoice(f"status:{s.value}", str(STATUS_TEXT[s].label), optgroup=status)
          for s in Status),
        *(SelectChoice(f"priority:{p.value}", str(PRIORITY_LABELS[p]), optgroup=priority)
          for p in Priority),
    ]
