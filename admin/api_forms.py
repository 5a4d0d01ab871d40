"""Forms for API tokens and webhooks in the admin settings; each lists exactly its fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, URLField
from wtforms.validators import DataRequired, Length

from portal.models.api import READ, WEBHOOK_EVENTS, WRITE
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

from .settings_forms import TOO_LONG, CheckboxesField, departments_field

SCOPE_CHOICES = options([(READ, _l("Read only: cases, timelines, promises, feedback")),
                         (WRITE, _l("Read and write: also open cases, log contacts, promise, "
                                    "change status"))])
NAME = [DataRequired(_l("Enter a name.")), Length(max=120, message=TOO_LONG)]


ANY_DEPARTMENT = _l("Leave all unticked for every department.")


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=NAME,
                       description=_l("The system that will use it, e.g. “Head office recall "
                                      "system”. Its actions show under this name."))
    scope = RadioField(_l("Access"), choices=SCOPE_CHOICES, default=READ)
    departments = departments_field(ANY_DEPARTMENT)


class WebhookForm(FlaskForm):
    name = StringField(_l("Name"), validators=NAME)
    url = URLField(_l("Address"), validators=[DataRequired(_l("Enter the address to call.")),
                                              Length(max=500, message=TOO_LONG)],
                   description=_l("An http:// or https:// address that accepts a JSON POST."))
    events = CheckboxesField(_l("Events"), choices=options(WEBHOOK_EVENTS.items()),
                             validators=[DataRequired(_l("Choose at least one kind of event."))])
    departments = departments_field(ANY_DEPARTMENT)


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
