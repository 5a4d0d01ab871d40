"""Forms for API tokens and webhooks in the admin settings; each lists exactly its fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, URLField
from wtforms.validators import DataRequired, Length

from portal.choices import options
from portal.models.api import READ, WEBHOOK_EVENTS, WRITE

from .settings_forms import TOO_LONG, CheckboxesField

SCOPE_CHOICES = options([(READ, "Read only: cases, timelines, promises, feedback"),
                         (WRITE, "Read and write: also open cases, log contacts, promise, "
                                 "change status")])
NAME = [DataRequired("Enter a name."), Length(max=120, message=TOO_LONG)]


def _departments() -> CheckboxesField:
    return CheckboxesField("Departments", coerce=int, validate_choice=True,
                           description="Leave all unticked for every department.")


class TokenForm(FlaskForm):
    name = StringField("Name", validators=NAME,
                       description="The system that will use it, e.g. “Head office recall "
                                   "system”. Its actions show under this name.")
    scope = RadioField("Access", choices=SCOPE_CHOICES, default=READ)
    departments = _departments()


class WebhookForm(FlaskForm):
    name = StringField("Name", validators=NAME)
    url = URLField("Address", validators=[DataRequired("Enter the address to call."),
                                          Length(max=500, message=TOO_LONG)],
                   description="An http:// or https:// address that accepts a JSON POST.")
    events = CheckboxesField("Events", choices=options(WEBHOOK_EVENTS.items()),
                             validators=[DataRequired("Choose at least one kind of event.")])
    departments = _departments()


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
