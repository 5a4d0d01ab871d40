"""Forms for the admin settings and the audit log filters; each lists exactly its fields."""

from __future__ import annotations

from typing import TypeVar

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models import Department, Role
from portal.web.choices import options
from portal.web.form_input import TOO_LONG
from portal.web.lazy_text import lazy_gettext as _l

ROLE_LABELS = {Role.AGENT: _l("Agent"), Role.MANAGER: _l("Manager"), Role.ADMIN: _l("Admin")}
ROLE_CHOICES = options([(role.value, label) for role, label in ROLE_LABELS.items()])
NAME = [DataRequired(_l("Enter a name.")), Length(max=80, message=TOO_LONG)]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: clearer than a multi-select, where one click drops all."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def departments_field(description: str = _l("The cases of these departments show in their "
                                             "queue.")) -> CheckboxesField:
    """Departments as checkboxes; `with_departments` fills the choices."""
    return CheckboxesField(_l("Departments"), coerce=int, validate_choice=True,
                           description=description)


class StaffEditForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES,
                       description=_l("Agents work cases; managers also see the audit log of "
                                      "their departments; admins change these settings."))
    departments = departments_field()


class InviteStaffForm(StaffEditForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter their name.")),
                                               Length(max=120, message=TOO_LONG)])
    email = EmailField(_l("Work email"),
                       validators=[DataRequired(_l("Enter their email address.")),
                                   Email(_l("Enter a valid email address.")), Length(max=254)])


class StaffAccessForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(["0", "1"])])


class SecuritySettingsForm(FlaskForm):
    agents_need_two_factor = BooleanField(
        _l("Require two-factor sign-in for agents"),
        description=_l("Managers and admins always need it. Switching it on signs out every "
                       "agent without it; they set it up at their next sign-in."))


class DepartmentForm(FlaskForm):
    name = StringField(_l("Department name"), validators=NAME)


class CategoryForm(FlaskForm):
    name = StringField(_l("Category name"), validators=NAME,
                       description=_l("What customers choose in “Open a case”."))
    department = SelectField(_l("Department"), coerce=int,
                             validators=[DataRequired(_l("Choose a department."))],
                             description=_l("New cases in this category go to this department."))


class CategoryEditForm(CategoryForm):
    active = BooleanField(_l("Customers can choose it"),
                          description=_l("When off, it disappears from “Open a case”; cases "
                                         "already in it keep it."))


F = TypeVar("F", bound=FlaskForm)


def with_departments(form: F, departments: list[Department]) -> F:
    """Fill the department choices of a settings form from the current departments."""
    pairs = [(d.id, d.name) for d in departments]
    if isinstance(form, CategoryForm):
        form.department.choices = options([(0, _l("Choose a department")), *pairs])
    else:
        form.departments.choices = options(pairs)
    return form


class AuditFilterForm(FlaskForm):
    """The audit log filters, read from the URL (a GET form: nothing to protect from CSRF)."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), default="")
    action = SelectField(_l("Action"), default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To (inclusive)"), validators=[Optional()])
    q = SearchField(_l("Summary contains"), validators=[Optional(), Length(max=200)])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate_q(self, field: SearchField) -> None:
        if "\x00" in (field.data or ""):
            raise ValidationError(_l("That text contains a character we cannot search for."))
