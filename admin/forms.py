"""Staff forms for sign-in and the case workspace."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.customer.forms import (  # noqa: F401 - shared with customers
    ConfirmForm,
    FactForm,
    once_field,
)
from portal.models import CONTACT_LABELS, PRIORITY_LABELS, STATUS_TEXT, Priority, Status
from portal.models.cases import MAX_ID
from portal.services.case_details import LOGGABLE_CHANNELS
from portal.services.cases import MAX_BODY
from portal.web.choices import options
from portal.web.lazy_text import lazy_gettext as _l
from portal.web.numbers import WholeNumberField


class StaffSignInForm(FlaskForm):
    email = EmailField(_l("Work email"),
                       validators=[DataRequired(_l("Enter your email address.")),
                                   Email(_l("Enter a valid email address.")), Length(max=254)])
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(_l("Enter your password."))])


class TwoFactorCodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code.")),
                                               Length(max=40)],
                       description=_l("The 6-digit code from your authenticator app, or one of "
                                      "your recovery codes."))


class EnrolTwoFactorForm(FlaskForm):
    code = StringField(_l("6-digit code from the app"),
                       validators=[DataRequired(_l("Enter the code your app shows.")),
                                   Length(max=12)])


class WorkspaceForm(FlaskForm):
    """Every workspace form says which events its author had seen, to catch collisions."""

    # The workspace shows many forms at once: each one's ids start with its `id_prefix`
    # ("reply-body", "contact-body", "reply-seen") so that every id on the page is unique
    # and every label points at its own field. Field names, which are posted, stay as they are.
    id_prefix = ""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if form.id_prefix and "id" not in unbound_field.kwargs:
                options = {**options, "id": f"{form.id_prefix}-{options['name']}"}
            return unbound_field.bind(form=form, **options)

    # An event id: one past the column's range is a form error, not a query that fails.
    seen = WholeNumberField(widget=HiddenField.widget, validators=[Optional()], high=MAX_ID)
    confirm = HiddenField(default="")


class StaffReplyForm(WorkspaceForm):
    id_prefix = "reply"
    kind = RadioField(
        _l("This message is"),
        choices=options([("public", _l("Reply to customer")),
                         ("internal", _l("Staff-only note"))]),
        default="public",
        validators=[DataRequired(_l("Choose who will see this message."))],
    )
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Write a message first.")),
                                                    Length(max=MAX_BODY)])
    # Only read by "Insert" (which fills the message in); sending ignores it.
    saved_reply = SelectField(_l("Saved reply"), coerce=int, validate_choice=False,
                              validators=[Optional()])
    once = once_field()


class StatusForm(WorkspaceForm):
    id_prefix = "status"
    status = SelectField(_l("Status"),
                         choices=options((s.value, STATUS_TEXT[s].label) for s in Status))
    explanation = TextAreaField(
        _l("What to tell the customer (optional)"), validators=[Length(max=MAX_BODY)]
    )


class DetailsForm(WorkspaceForm):
    id_prefix = "details"
    priority = SelectField(
        _l("Priority"), choices=options((p.value, PRIORITY_LABELS[p]) for p in Priority))
    category = SelectField(_l("Category"), coerce=int)


class HandoffForm(WorkspaceForm):
    id_prefix = "handoff"
    department = SelectField(_l("Department"), coerce=int,
                             invalid_choice_message=_l("Choose a department from the list."),
                             invalid_value_message=_l("Choose a department from the list."))
    assignee = SelectField(
        _l("Person"), coerce=int,
        invalid_choice_message=_l("Choose someone from the chosen department, or its queue."),
        invalid_value_message=_l("Choose someone from the chosen department, or its queue."))
    note = TextAreaField(
        _l("Handoff note (staff only)"),
        validators=[DataRequired(_l("Write what we know and what happens next.")),
                    Length(max=5000)],
        description=_l("What we know, what was agreed, what happens next. The receiver reads "
                       "this first."),
    )
    customer_line = StringField(
        _l("What the customer reads"), validators=[Length(max=500)],
        description=_l("Leave empty for: “Your case is now with <department>, who have "
                       "the whole story so far.”"),
    )


class ContactForm(WorkspaceForm):
    id_prefix = "contact"
    channel = SelectField(
        _l("How"), choices=options((c.value, CONTACT_LABELS[c]) for c in LOGGABLE_CHANNELS))
    body = TextAreaField(_l("What was said"),
                         validators=[DataRequired(_l("Write what was said.")),
                                     Length(max=MAX_BODY)])
    public = BooleanField(_l("Show on the customer's timeline"), default=True)


class ReferenceForm(WorkspaceForm):
    id_prefix = "reference"
    system = StringField(_l("System"), validators=[DataRequired(_l("Name the system.")),
                                                   Length(max=60)],
                         description=_l("e.g. Recall, Order, CRM"))
    value = StringField(_l("Reference"), validators=[DataRequired(_l("Enter the reference.")),
                                                     Length(max=120)])


class PromiseForm(WorkspaceForm):
    id_prefix = "promise"
    what = StringField(_l("We promise to"),
                       validators=[DataRequired(_l("Say what we promise.")), Length(max=500)],
                       description=_l("Plain words, e.g. “call you back about the recall "
                                      "booking”."))
    owner = SelectField(_l("Who keeps it"), coerce=int)
    due = DateTimeLocalField(_l("By when"), format="%Y-%m-%dT%H:%M",
                             validators=[DataRequired(_l("Give a date and time."))],
                             description=_l("Suggested: one working day of the department, "
                                            "in your time zone. Change it to what you promise."))
    public = BooleanField(_l("The customer sees this promise"), default=True)


class SettlePromiseForm(FlaskForm):
    state = RadioField(_l("Outcome"),
                       choices=options([("kept", _l("Kept")), ("broken", _l("Broken")),
                                        ("withdrawn", _l("Withdrawn"))]),
                       validators=[DataRequired(_l("Choose how the promise ended."))])
    outcome = TextAreaField(_l("What was done, or why not"), validators=[Length(max=2000)])
    new_what = StringField(_l("New promise (if broken)"),
                           validators=[Optional(), Length(max=500)])
    new_due = DateTimeLocalField(_l("New due time"), format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])


class StandardForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=int)
    priority = SelectField(_l("Priority"), choices=options(
        [("", _l("Any priority"))] + [(p.value, PRIORITY_LABELS[p]) for p in Priority]))
    first_response_minutes = IntegerField(
        _l("First response within (minutes)"),
        validators=[DataRequired(_l("Give a number."))],
        description=_l("e.g. 240 = 4 hours"))
    update_minutes = IntegerField(
        _l("An update at least every (minutes)"),
        validators=[DataRequired(_l("Give a number."))],
        description=_l("The longest silence while the case is open (not while waiting on the "
                       "customer)."))
    resolution_minutes = IntegerField(
        _l("Resolved within (minutes)"), validators=[DataRequired(_l("Give a number."))],
        description=_l("On the customer's clock, from opening. e.g. 2880 = 2 days"))


class CompleteFollowUpForm(FlaskForm):
    what_was_done = TextAreaField(
        _l("What was done (staff only)"),
        validators=[DataRequired(_l("Say what was done.")), Length(max=4000)])
    told_customer = TextAreaField(
        _l("What the customer was told"),
        validators=[DataRequired(_l("Say what the customer was told: they will read it.")),
                    Length(max=4000)],
        description=_l("Shown on the customer's case page as “What we did about your "
                       "feedback”."))


class EraseCustomerForm(FlaskForm):
    """Erasing a customer on their request: staff type the customer's address (or name)."""

    confirm = StringField(_l("Type the customer's email address to confirm"),
                          validators=[DataRequired(_l("Type the customer's email address."))])
