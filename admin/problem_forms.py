"""Forms of the known-problem pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.models import PROBLEM_STATUS_LABELS
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

TOO_LONG = _l("Keep it under %(max)d characters.")
STATUS_CHOICES = options((s.value, label) for s, label in PROBLEM_STATUS_LABELS.items())


class ProblemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the problem a title.")), Length(max=200, message=TOO_LONG)],
        description=_l("Public: the status page shows it, e.g. “Brake recall RC-42”."))
    public_text = TextAreaField(_l("What we know"), validators=[
        DataRequired(_l("Say what you know, in words for customers.")),
        Length(max=20_000, message=TOO_LONG)],
        description=_l("Public: anyone can read it on the status page. No customer details."))
    categories = SelectMultipleField(_l("Affected categories"), coerce=int, validators=[
        DataRequired(_l("Choose the categories the problem affects."))])
    outside_reference = StringField(_l("Outside reference (optional)"), validators=[
        Length(max=120, message=TOO_LONG)],
        description=_l("Cases carrying this reference (e.g. RC-42) link themselves."))


class UpdateForm(FlaskForm):
    body = TextAreaField(_l("Public update"), validators=[
        DataRequired(_l("Write the update.")), Length(max=20_000, message=TOO_LONG)],
        description=_l("Written on every linked case's timeline and emailed to their "
                       "customers and to the problem's followers."))
    status = SelectField(_l("Status after this update"), choices=STATUS_CHOICES)


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)


class LinkForm(FlaskForm):
    references = TextAreaField(_l("Cases to link"), validators=[
        DataRequired(_l("Name at least one case, like CL-000123.")),
        Length(max=5000, message=TOO_LONG)],
        description=_l("Case references, separated by spaces, commas or lines."))


class SearchLinkForm(FlaskForm):
    query = StringField(_l("Queue search"), validators=[
        DataRequired(_l("Paste a queue search.")), Length(max=2000, message=TOO_LONG)],
        description=_l("Search the queue, then paste its address (or just the part after "
                       "the ?): every case it finds is linked."))


class ResolveCasesForm(FlaskForm):
    summary = TextAreaField(_l("Resolution summary"), validators=[
        DataRequired(_l("Write what was done, in words the customer understands.")),
        Length(max=20_000, message=TOO_LONG)])
