"""The forms of the organisations pages: an organisation, and a member to add."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.validators import DataRequired, Length

from portal.models import SHARING_LABELS, Sharing
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give it a name.")),
                                               Length(max=120)])
    domains = StringField(
        _l("Email domains"), validators=[Length(max=500)],
        description=_l("Separated by spaces, e.g. johnson-hardware.co.uk johnson.co.uk"))
    auto_join = BooleanField(
        _l("Customers with a verified address at these domains join by themselves"))
    sharing = RadioField(_l("What members see"), default=Sharing.PRIVATE.value,
                         choices=options((s.value, label) for s, label in SHARING_LABELS.items()))


class MemberForm(FlaskForm):
    email = EmailField(_l("Customer’s email address"),
                       validators=[DataRequired(_l("Enter their email address.")),
                                   Length(max=254)])
