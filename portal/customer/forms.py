"""Customer-facing forms; the services re-check every rule that matters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..choices import options
from ..models import FACT_KINDS
from ..services.accounts import MIN_PASSWORD
from ..services.cases import MAX_BODY, MAX_TITLE

EMAIL = [DataRequired("Enter your email address."), Email("Enter a valid email address."),
         Length(max=254)]


class PasswordSignInForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class LinkRequestForm(FlaskForm):
    email = EmailField("Email", validators=EMAIL)


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that makes a GET-delivered link into a POST."""


class SignUpForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Tell us your name."),
                                                 Length(max=120)])
    email = EmailField("Email", validators=EMAIL)
    password = PasswordField(
        "Password",
        validators=[DataRequired("Choose a password."), Length(min=MIN_PASSWORD, max=200)],
        description=f"At least {MIN_PASSWORD} characters.",
    )
    confirm = PasswordField(
        "Repeat password", validators=[EqualTo("password", "The passwords do not match.")]
    )


class NewPasswordForm(FlaskForm):
    password = SignUpForm.password
    confirm = SignUpForm.confirm


class NewCaseForm(FlaskForm):
    category = SelectField("What is it about?", coerce=int,
                           validators=[DataRequired("Choose what your case is about.")])
    title = StringField(
        "Subject", validators=[DataRequired("Give your case a short subject."),
                               Length(max=MAX_TITLE)],
        description="A few words, e.g. “Recall RC-42 not booked at my garage”.",
    )
    body = TextAreaField(
        "Tell us what happened", validators=[DataRequired("Tell us what happened."),
                                             Length(max=MAX_BODY)],
        description="Include anything we will need: order, account or vehicle numbers.",
    )
    attachments = MultipleFileField("Attach files (optional)")
    # Set once the customer has seen the "same topic?" suggestion and still wants a new case.
    confirmed_new = HiddenField(default="")


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write your reply first."),
                                                   Length(max=MAX_BODY)])
    attachments = MultipleFileField("Attach files (optional)", validators=[Optional()])


class FactForm(FlaskForm):
    """A detail about the customer (VIN, address…), shared by staff and customer pages."""

    kind = SelectField("Detail", choices=options(FACT_KINDS.items()))
    value = StringField("Value", validators=[DataRequired("Enter the value."),
                                             Length(max=500)])


class FeedbackForm(FlaskForm):
    solved = RadioField("Did we solve it?", choices=options(
        [("yes", "Yes"), ("partly", "Partly"), ("no", "No")]),
        validators=[DataRequired("Choose yes, partly or no.")])
    rating = RadioField("How would you rate how we handled it? (0 = very badly, 10 = very "
                        "well)", choices=options((str(n), str(n)) for n in range(11)),
                        validators=[Optional()])
    comment = TextAreaField("Anything you want to tell us? (optional)",
                            validators=[Length(max=2000)])


class ReactionForm(FlaskForm):
    helpful = HiddenField(validators=[DataRequired()])
    reason = StringField("Why not? (optional)", validators=[Length(max=500)])
