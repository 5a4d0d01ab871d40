"""Forms of the known-problem pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.models import PROBLEM_STATUS_LABELS
from portal.web.choices import options
from portal.web.form_input import TOO_LONG, required_text
from portal.web.lazy_text import lazy_gettext as _l

STATUS_CHOICES = options((s.value, label) for s, label in PROBLEM_STATUS_LABELS.items())


class ProblemForm(FlaskForm):
    title = required_text(
        StringField, _l("Title"), _l("Give the problem a title."), 200,
        description=_l("Public: the status page shows it, e.g. “Brake recall RC-42”."))
    public_text = required_text(
        TextAreaField, _l("What we know"), _l("Say what you know, in words for customers."),
        20_000,
        description=_l("Public: anyone can read it on the status page. No customer details."))
    categories = SelectMultipleField(_l("Affected categories"), coerce=int, validators=[
        DataRequired(_l("Choose the categories the problem affects."))])
    outside_reference = StringField(_l("Outside reference (optional)"), validators=[
        Length(max=120, message=TOO_LONG)],
        description=_l("Cases carrying this reference (e.g. RC-42) link themselves."))


class UpdateForm(FlaskForm):
    body = required_text(
        TextAreaField, _l("Public update"), _l("Write the update."), 20_000,
        description=_l("Written on every linked case's timeline and emailed to their "
                       "customers and to the problem's followers."))
    status = SelectField(_l("Status after this update"), choices=STATUS_CHOICES)


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)


class LinkForm(FlaskForm):
    references = required_text(
        TextAreaField, _l("Cases to link"), _l("Name at least one case, like CL-000123."), 5000,
        description=_l("Case references, separated by spaces, commas or lines."))


class SearchLinkForm(FlaskForm):
    query = required_text(
        StringField, _l("Queue search"), _l("Paste a queue search."), 2000,
        description=_l("Search the queue, then paste its address (or just the part after "
                       "the ?): every case it finds is linked."))


class ResolveCasesForm(FlaskForm):
    summary = required_text(
        TextAreaField, _l("Resolution summary"),
        _l("Write what was done, in words the customer understands."), 20_000)
