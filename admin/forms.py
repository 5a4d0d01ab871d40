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

from portal.choices import options
from portal.customer.forms import (  # noqa: F401 - shared with customers
    ConfirmForm,
    FactForm,
    once_field,
)
from portal.models import CONTACT_LABELS, STATUS_TEXT, Priority, Status
from portal.services.case_details import LOGGABLE_CHANNELS
from portal.services.cases import MAX_BODY


class StaffSignInForm(FlaskForm):
    email = EmailField("Work email", validators=[DataRequired("Enter your email address."),
                                                 Email("Enter a valid email address."),
                                                 Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class TwoFactorCodeForm(FlaskForm):
    code = StringField("Code", validators=[DataRequired("Enter the code."), Length(max=40)],
                       description="The 6-digit code from your authenticator app, or one of "
                                   "your recovery codes.")


class EnrolTwoFactorForm(FlaskForm):
    code = StringField("6-digit code from the app",
                       validators=[DataRequired("Enter the code your app shows."),
                                   Length(max=12)])


class WorkspaceForm(FlaskForm):
    """Every workspace form says which events its author had seen, to catch collisions."""

    seen = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    confirm = HiddenField(default="")


class StaffReplyForm(WorkspaceForm):
    kind = RadioField(
        "This message is",
        choices=options([("public", "Reply to customer"),
                         ("internal", "Internal note (staff only)")]),
        default="public",
        validators=[DataRequired("Choose who will see this message.")],
    )
    body = TextAreaField("Message", validators=[DataRequired("Write a message first."),
                                                Length(max=MAX_BODY)])
    once = once_field()


class StatusForm(WorkspaceForm):
    status = SelectField("Status", choices=options((s.value, STATUS_TEXT[s].label) for s in Status))
    explanation = TextAreaField(
        "What to tell the customer (optional)", validators=[Length(max=MAX_BODY)]
    )


class DetailsForm(WorkspaceForm):
    priority = SelectField(
        "Priority", choices=options((p.value, p.value.title()) for p in Priority))
    category = SelectField("Category", coerce=int)


class HandoffForm(WorkspaceForm):
    department = SelectField("Department", coerce=int)
    assignee = SelectField("Person", coerce=int)
    note = TextAreaField(
        "Handoff note (staff only)",
        validators=[DataRequired("Write what we know and what happens next."),
                    Length(max=5000)],
        description="What we know, what was agreed, what happens next. The receiver reads "
                    "this first.",
    )
    customer_line = StringField(
        "What the customer reads", validators=[Length(max=500)],
        description="Leave empty for: “Your case is now with <department>, who have the "
                    "whole story so far.”",
    )


class ContactForm(WorkspaceForm):
    channel = SelectField(
        "How", choices=options((c.value, CONTACT_LABELS[c]) for c in LOGGABLE_CHANNELS))
    body = TextAreaField("What was said", validators=[DataRequired("Write what was said."),
                                                      Length(max=MAX_BODY)])
    public = BooleanField("Show on the customer's timeline", default=True)


class ReferenceForm(WorkspaceForm):
    system = StringField("System", validators=[DataRequired("Name the system."),
                                               Length(max=60)],
                         description="e.g. Recall, Order, CRM")
    value = StringField("Reference", validators=[DataRequired("Enter the reference."),
                                                 Length(max=120)])



class PromiseForm(WorkspaceForm):
    what = StringField("We promise to", validators=[DataRequired("Say what we promise."),
                                                     Length(max=500)],
                       description="Plain words, e.g. “call you back about the recall booking”.")
    owner = SelectField("Who keeps it", coerce=int)
    due = DateTimeLocalField("By when", format="%Y-%m-%dT%H:%M",
                             validators=[DataRequired("Give a date and time.")])
    public = BooleanField("The customer sees this promise", default=True)


class SettlePromiseForm(FlaskForm):
    state = RadioField("Outcome", choices=options([("kept", "Kept"), ("broken", "Broken"),
                                                   ("withdrawn", "Withdrawn")]),
                       validators=[DataRequired("Choose how the promise ended.")])
    outcome = TextAreaField("What was done, or why not", validators=[Length(max=2000)])
    new_what = StringField("New promise (if broken)", validators=[Optional(), Length(max=500)])
    new_due = DateTimeLocalField("New due time", format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])


class StandardForm(FlaskForm):
    category = SelectField("Category", coerce=int)
    priority = SelectField("Priority", choices=options(
        [("", "Any priority")] + [(p.value, p.value.title()) for p in Priority]))
    first_response_minutes = IntegerField(
        "First response within (minutes)", validators=[DataRequired("Give a number.")],
        description="e.g. 240 = 4 hours")
    update_minutes = IntegerField(
        "An update at least every (minutes)", validators=[DataRequired("Give a number.")],
        description="The longest silence while the case is open (not while waiting on the "
                    "customer).")
    resolution_minutes = IntegerField(
        "Resolved within (minutes)", validators=[DataRequired("Give a number.")],
        description="On the customer's clock, from opening. e.g. 2880 = 2 days")


class CompleteFollowUpForm(FlaskForm):
    what_was_done = TextAreaField(
        "What was done (staff only)", validators=[DataRequired("Say what was done."),
                                                  Length(max=4000)])
    told_customer = TextAreaField(
        "What the customer was told", validators=[DataRequired("Say what the customer was told: "
                                                               "they will read it."),
                                                  Length(max=4000)],
        description="Shown on the customer's case page as “What we did about your feedback”.")
