"""Forms for opening a case for a customer: the staff case form and the triage one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.customer.forms import WORDS, limit, once_field, one_newline
from portal.services.accounts import MAX_NAME
from portal.services.cases import MAX_BODY, MAX_TITLE
from portal.services.intake import CHANNELS, MAX_PHONE
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l

HOW = options((c.value, {"phone": _l("Phone"), "in_person": _l("Visit"), "letter": _l("Letter"),
                         "email": _l("Email")}[c.value]) for c in CHANNELS)


class CustomerFields(FlaskForm):
    """Who: a new customer's name, and their email and phone if they gave them."""

    name = StringField(_l("Name"), validators=[Length(max=MAX_NAME)], render_kw=WORDS)
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Length(max=254)],
                       description=_l("With an address they get an email about the case and "
                                      "can follow it online."))
    phone = StringField(_l("Phone (optional)"), validators=[Length(max=MAX_PHONE)])


class StaffCaseForm(CustomerFields):
    category = SelectField(_l("Category"), coerce=int,
                           validators=[DataRequired(_l("Choose a category."))])
    channel = RadioField(_l("How did they reach us?"), choices=HOW, default="phone",
                         validators=[DataRequired(_l("Choose how the customer reached us."))])
    title = StringField(_l("Subject"), validators=[DataRequired(_l("Give the case a short "
                                                                   "subject.")),
                                                   limit(MAX_TITLE)], render_kw=WORDS)
    written_as = RadioField(
        _l("The first message is"),
        choices=options([("words", _l("In the customer's words")),
                         ("contact", _l("A note of the contact"))]),
        default="words", validators=[DataRequired(_l("Choose whose words these are."))])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Write the first message.")),
                                                    limit(MAX_BODY)],
                         filters=[one_newline], render_kw=WORDS,
                         description=_l("The customer sees it on their case, either way."))
    once = once_field()


class TriageCaseForm(FlaskForm):
    """One form: who the sender is (a new customer, or one found) and the case to open."""

    who = RadioField(_l("Who sent it?"), validators=[DataRequired(_l("Choose who sent it."))])
    name = CustomerFields.name
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    category = StaffCaseForm.category
    title = StaffCaseForm.title
    q = HiddenField(default="")
